package org.consort.node.replication;

/**
 * This node cannot order the transaction: it is not the primary (any more), or the view it was
 * executed in has ended. Nothing was written; the client should retry, on the primary.
 */
public final class NotPrimaryException extends RuntimeException {
    public NotPrimaryException(String message) {
        super(message, null, false, false);
    }
}
