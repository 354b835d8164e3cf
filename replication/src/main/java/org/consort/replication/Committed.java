package org.consort.replication;

/**
 * Where a proposed batch landed: the term (the view) of the leader that proposed it and its
 * log index. Both are assigned by the replication engine and are the same on every node.
 *
 * <p>Immutable; safe to share between threads.
 */
public record Committed(long term, long index) {
    public Committed {
        if (term < 0 || index < 0) {
            throw new IllegalArgumentException("term and index must not be negative: " + term + "/" + index);
        }
    }
}
