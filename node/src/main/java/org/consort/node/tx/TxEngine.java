package org.consort.node.tx;

import org.consort.common.TxId;
import org.consort.kv.CommitResult;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.kv.WriteTx;
import org.consort.node.Limits;
import org.consort.node.endpoints.Endpoint;
import org.consort.node.endpoints.Handlers;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.ApiHandler;
import org.consort.node.http.HttpError;
import org.consort.node.http.ForwardToPrimary;
import org.consort.node.replication.NotPrimaryException;
import org.consort.node.replication.Replicator;

/**
 * Runs endpoints against the store: read-only ones on a snapshot, read-write ones as
 * optimistic transactions that are retried on conflict and, once committed locally, handed to
 * the replicator in version order. Thread-safe; called from HTTP worker threads.
 */
public final class TxEngine implements ApiHandler.EndpointRunner {
    private final Store store;
    private final Replicator replicator;
    private final ViewHistory views;
    private final Limits limits;

    public TxEngine(Store store, Replicator replicator, ViewHistory views, Limits limits) {
        this.store = store;
        this.replicator = replicator;
        this.views = views;
        this.limits = limits;
    }

    @Override
    public Object run(Endpoint endpoint, RequestContext ctx) {
        return switch (endpoint.mode()) {
            case NO_STORE -> ((Handlers.NoStore) endpoint.handler()).handle(ctx);
            case READ_ONLY -> {
                ReadTx tx = store.readTx();
                yield ((Handlers.ReadOnly) endpoint.handler()).handle(ctx, tx);
            }
            case READ_WRITE -> write((Handlers.ReadWrite) endpoint.handler(), ctx);
        };
    }

    /**
     * Runs a write transaction of the node itself (genesis, endorsements, rekeys) through the
     * same path as a client's: reserved, retried on conflict, handed to the replicator. Returns
     * its seqno, or -1 when the body wrote nothing. Throws {@link NotPrimaryException} when this
     * node is not the primary, IllegalStateException when the pipeline is full or conflicts persist.
     */
    public long writeInternal(java.util.function.Consumer<WriteTx> body) {
        if (!replicator.isPrimary()) {
            throw new NotPrimaryException("this node is not the primary");
        }
        if (!replicator.tryReserve()) {
            throw new IllegalStateException("too many transactions are waiting for the ledger");
        }
        boolean reserved = true;
        try {
            for (int attempt = 1; attempt <= limits.writeAttemptsMax(); attempt++) {
                WriteTx tx = store.writeTx();
                body.accept(tx);
                if (!tx.hasWrites()) {
                    return -1;
                }
                long view = replicator.view();
                if (view < 0) {
                    throw new NotPrimaryException("this node stopped being the primary while the transaction ran");
                }
                CommitResult result = store.commit(tx, ws -> replicator.append(new TxId(view, ws.version()), ws));
                if (result instanceof CommitResult.Committed committed) {
                    reserved = false;
                    return committed.version();
                }
            }
            throw new IllegalStateException("the transaction conflicted " + limits.writeAttemptsMax() + " times");
        } finally {
            if (reserved) {
                replicator.release();
            }
        }
    }

    private Object write(Handlers.ReadWrite handler, RequestContext ctx) {
        if (!replicator.isPrimary()) {
            throw new ForwardToPrimary("this node is not the primary");
        }
        if (!replicator.tryReserve()) {
            throw new HttpError(503, "Busy", "too many transactions are waiting for the ledger; retry shortly", 1L);
        }
        boolean reserved = true;
        try {
            for (int attempt = 1; attempt <= limits.writeAttemptsMax(); attempt++) {
                ctx.resetResponseForRetry();
                WriteTx tx = store.writeTx();
                Object body = handler.handle(ctx, tx);
                if (ctx.status() >= 300) {
                    return body; // the handler answered an error: nothing is written
                }
                if (!tx.hasWrites()) {
                    long seqno = tx.snapshotVersion();
                    ctx.header(ApiHandler.TX_ID_HEADER, new TxId(Math.max(views.viewOf(seqno), 0), seqno).toString());
                    return body;
                }
                long view = replicator.view();
                if (view < 0) {
                    // The view ended between the check above and now: nothing was written.
                    throw new ForwardToPrimary("this node stopped being the primary while the transaction ran");
                }
                CommitResult result;
                try {
                    result = store.commit(tx, ws -> replicator.append(new TxId(view, ws.version()), ws));
                } catch (NotPrimaryException e) {
                    // The view ended while this transaction ran: nothing was written.
                    throw new ForwardToPrimary(e.getMessage());
                }
                if (result instanceof CommitResult.Committed committed) {
                    reserved = false; // consumed by append
                    ctx.header(ApiHandler.TX_ID_HEADER, new TxId(view, committed.version()).toString());
                    return body;
                }
            }
            throw new HttpError(409, "TransactionConflict", "the transaction conflicted with concurrent ones "
                    + limits.writeAttemptsMax() + " times; retry");
        } finally {
            if (reserved) {
                replicator.release();
            }
        }
    }
}
