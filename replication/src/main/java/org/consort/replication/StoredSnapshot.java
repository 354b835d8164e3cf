package org.consort.replication;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A snapshot file that the replicated log keeps in a node's storage, taken at log position
 * ({@code term}, {@code index}). A node finds them before its log starts, to load its state from
 * the latest one that it can read.
 *
 * @param term  log term the snapshot was taken at
 * @param index log index the snapshot was taken at
 * @param file  the snapshot file (what {@link LogStateMachine.SnapshotWriter} wrote)
 */
public record StoredSnapshot(long term, long index, Path file) {
    public StoredSnapshot {
        Objects.requireNonNull(file, "file");
    }
}
