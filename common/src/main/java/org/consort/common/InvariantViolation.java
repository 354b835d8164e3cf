package org.consort.common;

/**
 * A broken invariant that protects data. It is an {@link Error} on purpose: nothing should
 * catch it and carry on; the node stops rather than diverge or write bad data.
 */
public final class InvariantViolation extends Error {
    public InvariantViolation(String message) {
        super(message);
    }

    /** Always-on check (unlike {@code assert}). */
    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new InvariantViolation(message);
        }
    }
}
