package org.consort.node.replication;

import java.util.Optional;
import org.consort.common.TxId;
import org.consort.kv.WriteSet;

/**
 * Orders, replicates and persists the transactions the primary executed
 * ({@link LogReplicator}, on a replicated log).
 *
 * <p>Threading: {@link #append} is called under the store's commit lock, in version order,
 * and must not block for long; everything else is thread-safe.
 */
public interface Replicator extends AutoCloseable {

    /** The view this node orders transactions in now, or -1 when it is not the primary. */
    long view();

    /** True when this node may execute write transactions now. */
    boolean isPrimary();

    /** Id of the node that is primary as far as this node knows. */
    Optional<String> primaryId();

    /**
     * Tries to reserve room for one more executed transaction; false means the pipeline is full
     * and the client should retry later. A reservation is consumed by {@link #append} or given
     * back by {@link #release}.
     */
    boolean tryReserve();

    /** Gives back a reservation that was not used (the transaction did not commit). */
    void release();

    /**
     * Hands over one write set committed to the local store; its TxId is
     * {@code (view(), ws.version())}. Throws {@link NotPrimaryException} when the view has
     * ended: the store then does not commit it.
     */
    void append(TxId txId, WriteSet ws);

    /** Highest seqno known to be committed (replicated, applied and covered by a signature). */
    long committedSeqno();

    @Override
    void close();
}
