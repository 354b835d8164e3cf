package org.consort.ethereum;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.ethereum.chain.BlockBuilder;
import org.consort.ethereum.chain.Candidate;
import org.consort.ethereum.chain.Decision;
import org.consort.evm.Address;
import org.consort.evm.vm.EvmThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that turns decoded transactions into blocks. HTTP threads decode and recover
 * senders in parallel and {@link #submit} the result; the sequencer takes what is queued (at most
 * {@link EthereumLimits#blockTransactionsMax()}), executes it as the next block in one Consort
 * write transaction through the node's write path, and completes each submission with its
 * outcome. One writer of the chain means transactions never conflict with each other, and every
 * block's number and timestamp are known before its transactions run.
 *
 * <p>Bounds: at most {@link EthereumLimits#queueTransactionsMax()} submissions are waiting
 * (queued or parked); {@link #submit} refuses beyond that and never blocks. A transaction whose
 * nonce is ahead of its sender's is parked for up to {@link EthereumLimits#parkedNonceWaitMs()}
 * for the missing ones, then refused with "nonce too high".
 *
 * <p>Threading: {@link #submit} and {@link #pendingNonce} are thread-safe; everything else runs
 * on the sequencer thread, an {@link EvmThreads} thread (deep EVM recursion needs its stack).
 */
public final class Sequencer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);
    /** How long the sequencer waits for new transactions while some are parked. */
    static final long PARKED_POLL_MS = 10;
    static final long IDLE_POLL_MS = 100;

    /** What became of a submitted transaction. */
    public sealed interface Outcome {
        /** In block {@code blockNumber}, written by the Consort transaction {@code seqno}. */
        record Included(long blockNumber, int index, long seqno) implements Outcome {
        }

        /** Refused for good; {@code message} is the JSON-RPC error message. */
        record Rejected(String message) implements Outcome {
        }

        /** The node could not write (not primary, busy, stopping); the client may retry. */
        record NotWritten(String message) implements Outcome {
        }
    }

    /** The queue is full. */
    public static final class PoolFull extends Exception {
        PoolFull(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Pending {
        final Candidate candidate;
        final long receivedAtMs;
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

        Pending(Candidate candidate, long receivedAtMs) {
            this.candidate = candidate;
            this.receivedAtMs = receivedAtMs;
        }
    }

    private final WriteSubmitter writer;
    private final InstantSource clock;
    private final EthereumLimits limits;
    /** Groups of submissions, each taken whole; at most as many groups as waiting transactions. */
    private final ArrayBlockingQueue<List<Pending>> queue;
    private final AtomicInteger waiting = new AtomicInteger();
    /** Per sender: [submissions not yet completed, highest nonce among them + 1]. Guarded by itself. */
    private final Map<Address, long[]> inFlight = new HashMap<>();
    private final List<Pending> parked = new ArrayList<>();
    private final Thread thread;
    private final AtomicLong blocks = new AtomicLong();
    private final AtomicLong included = new AtomicLong();
    private volatile boolean running = true;
    private volatile Runnable onBlock = () -> { };

    public Sequencer(WriteSubmitter writer, InstantSource clock, EthereumLimits limits) {
        this.writer = writer;
        this.clock = clock;
        this.limits = limits;
        this.queue = new ArrayBlockingQueue<>(limits.queueTransactionsMax());
        this.thread = EvmThreads.factory("ethereum-sequencer").newThread(this::run);
    }

    public void start() {
        thread.start();
    }

    /**
     * Queues a decoded transaction for the next block. Never blocks.
     *
     * @return completes when the transaction is in a block or refused
     * @throws PoolFull when {@link EthereumLimits#queueTransactionsMax()} submissions are waiting
     */
    public CompletableFuture<Outcome> submit(Candidate candidate) throws PoolFull {
        return submitAll(List.of(candidate)).get(0);
    }

    /**
     * Queues decoded transactions together: they are taken in this order with nothing in between,
     * so they go into the same block when it has room. Never blocks.
     *
     * @return one future per candidate, in order, completing when it is in a block or refused
     * @throws PoolFull when the candidates would make more than {@link EthereumLimits#queueTransactionsMax()}
     *                  submissions wait; then none is queued
     */
    public List<CompletableFuture<Outcome>> submitAll(List<Candidate> candidates) throws PoolFull {
        int n = candidates.size();
        if (!running) {
            List<CompletableFuture<Outcome>> stopping = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                stopping.add(CompletableFuture.completedFuture(new Outcome.NotWritten("the node is stopping")));
            }
            return stopping;
        }
        if (n == 0) {
            return List.of();
        }
        if (waiting.addAndGet(n) > limits.queueTransactionsMax()) {
            waiting.addAndGet(-n);
            throw new PoolFull("transaction pool is full: " + limits.queueTransactionsMax()
                    + " transactions are waiting (queueTransactionsMax); retry shortly");
        }
        long receivedAtMs = clock.millis();
        List<Pending> group = new ArrayList<>(n);
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(n);
        for (Candidate candidate : candidates) {
            Pending p = new Pending(candidate, receivedAtMs);
            Address sender = candidate.signed().transaction().sender();
            long next = candidate.signed().transaction().nonce().l0() + 1;
            synchronized (inFlight) {
                long[] e = inFlight.computeIfAbsent(sender, a -> new long[2]);
                e[0]++;
                e[1] = Math.max(e[1], next);
            }
            p.outcome.whenComplete((o, t) -> {
                waiting.decrementAndGet();
                synchronized (inFlight) {
                    long[] e = inFlight.get(sender);
                    if (e != null && --e[0] <= 0) {
                        inFlight.remove(sender);
                    }
                }
            });
            group.add(p);
            outcomes.add(p.outcome);
        }
        if (!queue.offer(group)) {
            failAll(group, "transaction pool is full; retry shortly");
        }
        return outcomes;
    }

    /** One more than the highest nonce of {@code sender}'s transactions still waiting, if any. */
    public OptionalLong pendingNonce(Address sender) {
        synchronized (inFlight) {
            long[] e = inFlight.get(sender);
            return e == null ? OptionalLong.empty() : OptionalLong.of(e[1]);
        }
    }

    /** Called on the sequencer thread after each block is written; must return at once. */
    public void onBlock(Runnable listener) {
        this.onBlock = listener;
    }

    /** Transactions submitted and not yet answered (queued, parked or in the block being built). */
    public int waiting() {
        return waiting.get();
    }

    public long blocksWritten() {
        return blocks.get();
    }

    public long transactionsIncluded() {
        return included.get();
    }

    private void run() {
        while (running) {
            try {
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // A bug must not stop block production for everyone else: refuse this batch.
                LOG.error("the sequencer failed to build a block; its transactions are refused", e);
                failAll(parked, "internal error while building the block; see the node log");
                parked.clear();
            }
        }
        List<Pending> rest = new ArrayList<>(parked);
        List<List<Pending>> groups = new ArrayList<>();
        queue.drainTo(groups);
        groups.forEach(rest::addAll);
        failAll(rest, "the node is stopping");
    }

    private void step() throws InterruptedException {
        List<Pending> first = queue.poll(parked.isEmpty() ? IDLE_POLL_MS : PARKED_POLL_MS, TimeUnit.MILLISECONDS);
        List<Pending> batch = new ArrayList<>(parked);
        parked.clear();
        if (first != null) {
            batch.addAll(first);
            List<Pending> next;
            // Whole groups only; what does not fit this block is parked for the next, in order.
            while (batch.size() < limits.blockTransactionsMax() && (next = queue.poll()) != null) {
                batch.addAll(next);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<Pending> now = batch.size() > limits.blockTransactionsMax()
                ? new ArrayList<>(batch.subList(0, limits.blockTransactionsMax())) : batch;
        if (now != batch) {
            parked.addAll(batch.subList(limits.blockTransactionsMax(), batch.size()));
        }
        List<Candidate> candidates = new ArrayList<>(now.size());
        now.forEach(p -> candidates.add(p.candidate));
        long timestamp = clock.instant().getEpochSecond();
        WriteSubmitter.Written<BlockBuilder.Built> written;
        try {
            written = writer.write(tx -> BlockBuilder.build(tx, candidates, timestamp));
        } catch (WriteSubmitter.Refused e) {
            failAll(now, e.getMessage());
            return;
        } catch (RuntimeException e) {
            // A bug must not stop block production for everyone else: refuse this batch only.
            LOG.error("the sequencer failed to build a block of {} transactions; they are refused", now.size(), e);
            failAll(now, "internal error while building the block; see the node log");
            return;
        }
        BlockBuilder.Built built = written.result();
        if (built.block().isPresent()) {
            blocks.incrementAndGet();
            onBlock.run();
        }
        long nowMs = clock.millis();
        List<Pending> keep = new ArrayList<>();
        for (int i = 0; i < now.size(); i++) {
            Pending p = now.get(i);
            switch (built.decisions().get(i)) {
                case Decision.Included in -> {
                    included.incrementAndGet();
                    p.outcome.complete(new Outcome.Included(in.blockNumber(), in.index(), written.seqno()));
                }
                case Decision.Rejected r -> p.outcome.complete(new Outcome.Rejected(r.message()));
                case Decision.BlockFull f -> keep.add(p);
                case Decision.NonceAhead a -> {
                    if (nowMs - p.receivedAtMs >= limits.parkedNonceWaitMs()) {
                        p.outcome.complete(new Outcome.Rejected("nonce too high: next nonce "
                                + Long.toUnsignedString(a.accountNonce()) + ", tx nonce "
                                + Long.toUnsignedString(p.candidate.signed().transaction().nonce().l0())));
                    } else {
                        keep.add(p);
                    }
                }
            }
        }
        parked.addAll(0, keep);
    }

    private static void failAll(List<Pending> list, String message) {
        for (Pending p : list) {
            p.outcome.complete(new Outcome.NotWritten(message));
        }
    }

    /** Stops taking transactions; those still waiting are answered "the node is stopping". */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
