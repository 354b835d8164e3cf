package org.consort.kv;

/**
 * The outcome of {@link Store#execute}: what the transaction body returned, and the version its
 * commit created. Immutable as far as {@code result} is.
 */
public record Executed<T>(T result, long version, WriteSet writeSet) {
}
