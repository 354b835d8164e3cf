package org.consort.ethereum.rpc;

import java.util.Set;
import org.consort.ethereum.NetworkSettings;
import org.consort.ethereum.access.Visibility;
import org.consort.ethereum.chain.ChainReader;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.state.KvWorldState;
import org.consort.evm.Address;
import org.consort.kv.ReadTx;

/**
 * One JSON-RPC call as the methods see it: the authenticated user, the addresses it is bound
 * to, and one snapshot of the store (latest state) with the head block and settings of that
 * snapshot. Not thread-safe; one per call.
 */
public final class CallContext {
    private final String userId;
    private final ReadTx latest;
    private final ChainReader chain;
    private final StoredBlock head;
    private final NetworkSettings settings;
    private final Set<Address> addresses;
    private final long canReadGasMax;
    private Visibility visibility;
    private KvWorldState world;
    private Subscriptions.Session session;
    private final java.util.List<EthRpc.Queued> queued = new java.util.ArrayList<>();

    /** The context of a call made over a WebSocket session (which may subscribe). */
    public CallContext withSession(Subscriptions.Session session) {
        this.session = session;
        return this;
    }

    /** The WebSocket session the call came over, or null for HTTP. */
    public Subscriptions.Session session() {
        return session;
    }

    public CallContext(String userId, ReadTx latest, long canReadGasMax) {
        this.userId = userId;
        this.latest = latest;
        this.chain = new ChainReader(latest);
        this.head = chain.head().orElseThrow(() -> RpcError.server("the Ethereum chain has no genesis block yet"));
        this.settings = chain.settings();
        this.addresses = chain.addressesOf(userId);
        this.canReadGasMax = canReadGasMax;
    }

    public String userId() {
        return userId;
    }

    public ReadTx latest() {
        return latest;
    }

    public ChainReader chain() {
        return chain;
    }

    public StoredBlock head() {
        return head;
    }

    public NetworkSettings settings() {
        return settings;
    }

    public Set<Address> addresses() {
        return addresses;
    }

    public KvWorldState world() {
        if (world == null) {
            world = new KvWorldState(latest);
        }
        return world;
    }

    /** Transactions the calls on this context checked and have not yet handed to the sequencer. */
    java.util.List<EthRpc.Queued> queued() {
        return queued;
    }

    public Visibility visibility() {
        if (visibility == null) {
            visibility = new Visibility(addresses, world(), head, settings, canReadGasMax);
        }
        return visibility;
    }
}
