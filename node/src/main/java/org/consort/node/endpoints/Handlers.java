package org.consort.node.endpoints;

import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;

/**
 * The three kinds of endpoint handler. Each returns the response body (a Jackson node, a
 * record, or null for an empty body) or throws {@link org.consort.node.http.HttpError}.
 */
public final class Handlers {
    private Handlers() {
    }

    /** Sees one snapshot of the store; cannot write (the type has no write methods). */
    @FunctionalInterface
    public interface ReadOnly {
        Object handle(RequestContext ctx, ReadTx tx);
    }

    /**
     * Runs inside a write transaction. It may run more than once (a conflict retries it), so it
     * must have no effect outside {@code tx} and {@code ctx}.
     */
    @FunctionalInterface
    public interface ReadWrite {
        Object handle(RequestContext ctx, WriteTx tx);
    }

    /** Does not touch the store. */
    @FunctionalInterface
    public interface NoStore {
        Object handle(RequestContext ctx);
    }
}
