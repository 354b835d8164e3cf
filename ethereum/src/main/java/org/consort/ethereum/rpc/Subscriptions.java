package org.consort.ethereum.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.consort.ethereum.EthereumLimits;
import org.consort.ethereum.JsonSupport;
import org.consort.ethereum.chain.ChainReader;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.kv.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code eth_subscribe} over WebSocket sessions: {@code newHeads} and {@code logs}. One notifier
 * thread follows the chain: woken after each block (and every second anyway), it reads the
 * blocks after the last one it notified from the store and sends each session what its user may
 * see, in block order. Reading from the store means nothing is queued between the sequencer and
 * the notifier, so no block is ever skipped; a session that cannot keep up is closed by its sink
 * (see {@link EthereumLimits#sessionBacklogMessagesMax()}). Bounded: sessions per node and
 * subscriptions per session. Thread-safe.
 */
public final class Subscriptions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Subscriptions.class);
    /** Blocks notified in one round at most, so a long catch-up does not hold the thread forever. */
    static final int BLOCKS_PER_ROUND_MAX = 1_000;

    /** Where a session's messages go; implemented by the node over its WebSocket. */
    public interface Sink {
        void send(String text);

        /** Closes the connection, e.g. when the node stops. */
        void close(String reason);
    }

    /** What a subscription watches. */
    public sealed interface Kind {
    }

    public record NewHeads() implements Kind {
    }

    public record Logs(LogCriteria criteria) implements Kind {
    }

    /** A subscription: what it watches and the head it saw when made; it is sent later blocks only. */
    record Subscription(Kind kind, long afterBlock) {
    }

    /** One WebSocket session of a user. */
    public final class Session implements AutoCloseable {
        final String userId;
        final Sink sink;
        final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

        Session(String userId, Sink sink) {
            this.userId = userId;
            this.sink = sink;
        }

        public String userId() {
            return userId;
        }

        String subscribe(Kind kind) {
            if (subscriptions.size() >= limits.subscriptionsPerSessionMax()) {
                throw new RpcError(RpcError.LIMIT_EXCEEDED, "too many subscriptions on this connection (subscriptionsPerSessionMax "
                        + limits.subscriptionsPerSessionMax() + ")");
            }
            byte[] b = new byte[16];
            synchronized (random) {
                random.nextBytes(b);
            }
            b[0] |= 0x10;
            String id = Hex.quantity(new java.math.BigInteger(1, b));
            // Only blocks after the head seen now, as Ethereum nodes do: never a block from before the subscription.
            subscriptions.put(id, new Subscription(kind, new ChainReader(store.readTx()).headNumber()));
            return id;
        }

        boolean unsubscribe(String id) {
            return subscriptions.remove(id) != null;
        }

        @Override
        public void close() {
            sessions.remove(this);
        }
    }

    private final Store store;
    private final EthereumLimits limits;
    private final RandomGenerator random;
    private final Map<Session, Boolean> sessions = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean running = true;
    private long lastNotified = -1;

    public Subscriptions(Store store, EthereumLimits limits, RandomGenerator random) {
        this.store = store;
        this.limits = limits;
        this.random = random;
        this.thread = new Thread(this::run, "ethereum-notifier");
        this.thread.setDaemon(true);
    }

    public void start() {
        lastNotified = new ChainReader(store.readTx()).headNumber();
        thread.start();
    }

    /** Opens a session, or throws -32005 when {@link EthereumLimits#sessionsMax()} are open. */
    public synchronized Session open(String userId, Sink sink) {
        if (sessions.size() >= limits.sessionsMax()) {
            throw new RpcError(RpcError.LIMIT_EXCEEDED, "too many WebSocket sessions on this node (sessionsMax "
                    + limits.sessionsMax() + ")");
        }
        Session s = new Session(userId, sink);
        sessions.put(s, Boolean.TRUE);
        return s;
    }

    public int sessionCount() {
        return sessions.size();
    }

    /** A block was written: notify soon. Never blocks. */
    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void run() {
        while (running) {
            try {
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
                if (!sessions.isEmpty()) {
                    notifyNewBlocks();
                } else {
                    lastNotified = new ChainReader(store.readTx()).headNumber();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("the subscription notifier failed; it goes on with the next block", e);
                lastNotified++;
            }
        }
    }

    private void notifyNewBlocks() {
        ChainReader chain = new ChainReader(store.readTx());
        long head = chain.headNumber();
        long last = Math.min(head, lastNotified + BLOCKS_PER_ROUND_MAX);
        for (long n = lastNotified + 1; n <= last; n++) {
            StoredBlock block = chain.block(n).orElseThrow();
            for (Session s : sessions.keySet()) {
                if (!s.subscriptions.isEmpty()) {
                    notify(s, chain, block);
                }
            }
            lastNotified = n;
        }
        if (last < head) {
            wake();
        }
    }

    private void notify(Session s, ChainReader chain, StoredBlock block) {
        CallContext c = new CallContext(s.userId, chain.tx(), limits.canReadGasMax());
        for (Map.Entry<String, Subscription> sub : s.subscriptions.entrySet()) {
            if (block.number() <= sub.getValue().afterBlock()) {
                continue;
            }
            switch (sub.getValue().kind()) {
                case NewHeads h -> {
                    List<IndexedLog> logs = LogFinder.find(chain, block.number(), block.number(),
                            new LogCriteria(java.util.Set.of(), List.of()), c.visibility(), Integer.MAX_VALUE);
                    ObjectNode header = Views.block(block, List.of(), false, logs.stream().map(IndexedLog::log).toList());
                    for (String f : List.of("transactions", "uncles", "withdrawals", "size", "totalDifficulty")) {
                        header.remove(f);
                    }
                    s.sink.send(notification(sub.getKey(), header));
                }
                case Logs l -> {
                    for (IndexedLog log : LogFinder.find(chain, block.number(), block.number(), l.criteria(), c.visibility(),
                            Integer.MAX_VALUE)) {
                        s.sink.send(notification(sub.getKey(), Views.log(log)));
                    }
                }
            }
        }
    }

    private static String notification(String id, JsonNode result) {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        o.put("jsonrpc", "2.0");
        o.put("method", "eth_subscription");
        ObjectNode p = o.putObject("params");
        p.put("subscription", id);
        p.set("result", result);
        return JsonSupport.write(o);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (Session s : sessions.keySet()) {
            try {
                s.sink.close("the node is stopping");
            } catch (RuntimeException e) {
                LOG.debug("closing a session", e);
            }
        }
        sessions.clear();
    }
}
