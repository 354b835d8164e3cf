package org.consort.ethereum;

import java.time.InstantSource;
import java.util.OptionalLong;
import java.util.random.RandomGenerator;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.rpc.CallContext;
import org.consort.ethereum.rpc.EthRpc;
import org.consort.ethereum.rpc.Filters;
import org.consort.ethereum.rpc.JsonRpcHandler;
import org.consort.ethereum.rpc.Subscriptions;
import org.consort.kv.Store;
import org.consort.kv.WriteTx;

/**
 * The Ethereum application on a Consort node: what the node wires in. It owns the sequencer
 * (the one writer of the chain), the node-local filters and the JSON-RPC handler, and writes the
 * Ethereum part of a new service's genesis. It reads the store directly (latest and historical
 * snapshots) and writes only through the {@link WriteSubmitter} the node gives it.
 *
 * <p>Life cycle: construct, {@link #genesis} inside the genesis transaction of a new service,
 * {@link #start}, serve, {@link #close}. Thread-safe after start.
 */
public final class EthereumApp implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EthereumApp.class);
    private final Store store;
    private final EthereumConfig config;
    private final Sequencer sequencer;
    private final Filters filters;
    private final EthRpc rpc;
    private final JsonRpcHandler handler;
    private final Subscriptions subscriptions;

    /**
     * Blocks whose state stays readable (balances, storage, calls at an older block), as geth
     * keeps the state of its last 128 blocks; each block is one store version, which the store
     * keeps for this even when other transactions have pushed it out of its recent history.
     */
    public static final int STATE_BLOCKS_KEPT = 128;

    public EthereumApp(Store store, WriteSubmitter writer, EthereumConfig config, InstantSource clock,
            RandomGenerator random) {
        String head = EthereumMaps.HEAD.name();
        store.keepVersions(ws -> ws.writesMap(head), STATE_BLOCKS_KEPT);
        this.store = store;
        this.config = config;
        EthereumLimits limits = config.limits();
        this.sequencer = new Sequencer(writer, clock, limits);
        this.filters = new Filters(limits, clock, random);
        this.rpc = new EthRpc(store, sequencer, filters, limits);
        this.handler = new JsonRpcHandler(rpc, limits, this::context);
        this.subscriptions = new Subscriptions(store, limits, random);
        sequencer.onBlock(subscriptions::wake);
    }

    /** Writes the Ethereum genesis (settings, bindings, allocations, block 0) into a new service's genesis transaction. */
    public StoredBlock genesis(WriteTx tx, long timestampSeconds) {
        return EthereumGenesis.write(tx, config, timestampSeconds);
    }

    /**
     * Starts the sequencer. A service created before the Ethereum application existed has no
     * Ethereum genesis yet: it is written now, through the node's write path, from the
     * configuration.
     */
    public void start(long timestampSeconds, WriteSubmitter writer) {
        if (new org.consort.ethereum.chain.ChainReader(store.readTx()).headNumber() < 0) {
            try {
                writer.write(tx -> new org.consort.ethereum.chain.ChainReader(tx).headNumber() < 0
                        ? genesis(tx, timestampSeconds) : null);
            } catch (WriteSubmitter.Refused e) {
                // Not the primary (or not now): the primary writes it, and it arrives by replication.
                LOG.info("the Ethereum genesis is not written by this node: {}", e.getMessage());
            }
        }
        subscriptions.start();
        sequencer.start();
    }

    /** Whether a request body holds a call that only the primary can serve ({@code eth_sendRawTransaction}). */
    public boolean needsPrimary(byte[] body) {
        return new String(body, java.nio.charset.StandardCharsets.UTF_8).contains("eth_sendRawTransaction");
    }

    /** A JSON-RPC session over a WebSocket: calls as over HTTP, plus {@code eth_subscribe}. */
    public final class RpcSession implements AutoCloseable {
        private final Subscriptions.Session session;

        private RpcSession(Subscriptions.Session session) {
            this.session = session;
        }

        /** The answer to one message (empty when there is nothing to answer). */
        public byte[] onMessage(byte[] message) {
            return handler.handle(session, message);
        }

        @Override
        public void close() {
            session.close();
        }
    }

    /**
     * Opens a session of {@code userId} whose notifications go to {@code sink}.
     *
     * @throws org.consort.ethereum.rpc.RpcError -32005 when {@link EthereumLimits#sessionsMax()} are open
     */
    public RpcSession openSession(String userId, Subscriptions.Sink sink) {
        return new RpcSession(subscriptions.open(userId, sink));
    }

    /** Answers a JSON-RPC request body of the authenticated user {@code userId}. */
    public byte[] handle(String userId, byte[] body) {
        return handler.handle(userId, body);
    }

    /**
     * The Consort seqno of the transaction that wrote the block holding Ethereum transaction
     * {@code txHash}, when it exists and {@code userId} may see it.
     */
    public OptionalLong seqnoOfTransaction(String userId, byte[] txHash) {
        return rpc.seqnoOfTransaction(context(userId), txHash);
    }

    private CallContext context(String userId) {
        return new CallContext(userId, store.readTx(), config.limits().canReadGasMax());
    }

    public EthereumConfig config() {
        return config;
    }

    public Sequencer sequencer() {
        return sequencer;
    }

    public Filters filters() {
        return filters;
    }

    @Override
    public void close() {
        sequencer.close();
        subscriptions.close();
    }
}
