package org.consort.kv;

/**
 * The outcome of {@link Store#commit}: a new version, or a conflict that left the store unchanged.
 * Immutable and thread-safe.
 */
public sealed interface CommitResult {

    /** The transaction became {@code version}; {@code writeSet} is what it changed. */
    record Committed(long version, WriteSet writeSet) implements CommitResult {
    }

    /**
     * The transaction read something that has changed since its snapshot (or its snapshot was
     * rolled back). Nothing was written; run the transaction again on a fresh snapshot.
     *
     * @param mapName the map where the conflict was found (empty if not about one map)
     * @param reason what changed, for logs
     */
    record Conflict(String mapName, String reason) implements CommitResult {
    }
}
