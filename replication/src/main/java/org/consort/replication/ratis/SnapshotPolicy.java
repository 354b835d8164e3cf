package org.consort.replication.ratis;

/**
 * When a snapshot is worth taking. A snapshot writes the whole store again, so its cost grows with
 * the store, while what it saves (the log it lets the node drop, the replay it spares a restart)
 * grows with the log applied since the last one. A snapshot is due once both hold:
 * <ul>
 *   <li>at least {@code everyEntries × stagger} batches were applied since the last snapshot; the
 *       stagger, in [1, 1.5) and fixed per node, keeps the nodes of one network, which apply the
 *       same batches, from all writing their snapshots at the same moment;</li>
 *   <li>at least as many bytes of batches were applied since then as the last snapshot file holds,
 *       so that writing snapshots costs at most about one byte per byte of log, however large the
 *       store grows.</li>
 * </ul>
 *
 * <p>Not thread-safe: the state machine's apply thread owns it.
 */
final class SnapshotPolicy {
    private final long everyEntries;
    private final double stagger;
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;

    /**
     * @param everyEntries batches between snapshots at least; 0 never takes one
     * @param stagger      in [1, 1.5): this node's factor on {@code everyEntries}
     */
    SnapshotPolicy(long everyEntries, double stagger) {
        if (everyEntries < 0 || !(stagger >= 1.0 && stagger < 1.5)) {
            throw new IllegalArgumentException("everyEntries must be >= 0 and stagger in [1, 1.5): " + everyEntries + ", " + stagger);
        }
        this.everyEntries = everyEntries;
        this.stagger = stagger;
    }

    /** This node's stagger in [1, 1.5), derived from its id so that it is the same at every start. */
    static double staggerOf(String nodeId) {
        return 1.0 + Math.floorMod(nodeId.hashCode(), 1000) / 2000.0;
    }

    /** A batch of {@code bytes} was applied. */
    void applied(long bytes) {
        bytesSinceSnapshot += bytes;
    }

    /** A snapshot of what was applied so far is being taken: batches applied from now on count towards the next. */
    void started() {
        bytesSinceSnapshot = 0;
    }

    /** The last snapshot (taken here, or found at start) is a file of {@code fileBytes}. */
    void written(long fileBytes) {
        lastSnapshotBytes = fileBytes;
    }

    /** Whether a snapshot is due, {@code batchesSince} batches after the last one. */
    boolean due(long batchesSince) {
        return everyEntries > 0 && batchesSince >= Math.ceil(everyEntries * stagger) && bytesSinceSnapshot >= lastSnapshotBytes;
    }

    long bytesSinceSnapshot() {
        return bytesSinceSnapshot;
    }
}
