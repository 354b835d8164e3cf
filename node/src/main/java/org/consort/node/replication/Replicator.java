package org.consort.node.replication;

import org.consort.common.TxId;
import org.consort.kv.WriteSet;

/**
 * Orders and persists the transactions the primary executed. Today a single-node local
 * implementation; the replication issue puts Apache Ratis behind the same interface.
 *
 * <p>Threading: {@link #append} is called under the store's commit lock, in version order,
 * and must not block for long; everything else is thread-safe.
 */
public interface Replicator extends AutoCloseable {

    /** The current view (term of the primary). */
    long view();

    /** True when this node may execute write transactions now. */
    boolean isPrimary();

    /**
     * Tries to reserve room for one more executed transaction; false means the pipeline is full
     * and the client should retry later. A reservation is consumed by {@link #append} or given
     * back by {@link #release}.
     */
    boolean tryReserve();

    /** Gives back a reservation that was not used (the transaction did not commit). */
    void release();

    /** Hands over one committed-locally write set; its TxId is {@code (view(), ws.version())}. */
    void append(TxId txId, WriteSet ws);

    /** Highest seqno known to be committed (durable, replicated and covered by a signature). */
    long committedSeqno();

    @Override
    void close();
}
