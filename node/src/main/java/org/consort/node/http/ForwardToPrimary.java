package org.consort.node.http;

/**
 * Thrown by the endpoint runner when a request must be served by the primary: the HTTP layer
 * then forwards it there (once) or, when no primary is known, answers 503 with Retry-After.
 */
public final class ForwardToPrimary extends RuntimeException {
    public ForwardToPrimary(String message) {
        super(message, null, false, false);
    }
}
