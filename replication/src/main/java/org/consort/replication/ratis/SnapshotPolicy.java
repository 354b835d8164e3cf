package org.consort.replication.ratis;

/**
 * When a snapshot is worth taking. A snapshot writes the whole store again, so its cost grows with
 * the store, while what it saves (the log it lets the node drop, the replay it spares a restart)
 * grows with the log applied since the last one. A snapshot is due once both hold:
 * <ul>
 *   <li>at least {@code everyEntries × stagger} batches were applied since the last snapshot; the
 *       stagger, drawn in [1, 1.5) anew for each snapshot from a generator seeded by the node's id,
 *       keeps the nodes of one network, which apply the same batches, from all writing their
 *       snapshots at the same moment (and two nodes that drew close values once from doing so
 *       again);</li>
 *   <li>at least as many bytes of batches were applied since then as the last snapshot file holds,
 *       so that writing snapshots costs at most about one byte per byte of log, however large the
 *       store grows.</li>
 * </ul>
 * Besides, a snapshot may be {@linkplain #request() requested} (governance's
 * {@code trigger_snapshot}): it is then due at the next opportunity, whatever the thresholds,
 * even when {@code everyEntries} is 0.
 *
 * <p>Not thread-safe, but for {@link #request()}: the state machine's apply thread owns it.
 */
final class SnapshotPolicy {
    private final long everyEntries;
    private final java.util.random.RandomGenerator random;
    private double stagger;
    private long bytesSinceSnapshot;
    private long lastSnapshotBytes;
    /** A snapshot was asked for and none was started since. Set by any thread, cleared by the apply thread. */
    private volatile boolean requested;

    /**
     * @param everyEntries batches between snapshots at least; 0 never takes one
     * @param random       draws the stagger of each snapshot
     */
    SnapshotPolicy(long everyEntries, java.util.random.RandomGenerator random) {
        if (everyEntries < 0) {
            throw new IllegalArgumentException("everyEntries must be >= 0: " + everyEntries);
        }
        this.everyEntries = everyEntries;
        this.random = random;
        this.stagger = drawStagger();
    }

    /** The generator of a node's staggers: seeded by its id, so a run can be replayed. */
    static java.util.random.RandomGenerator randomFor(String nodeId) {
        return new java.util.SplittableRandom(nodeId.hashCode());
    }

    private double drawStagger() {
        return 1.0 + random.nextDouble(0.5);
    }

    /** The factor on {@code everyEntries} for the next snapshot, in [1, 1.5). */
    double stagger() {
        return stagger;
    }

    /** A batch of {@code bytes} was applied. */
    void applied(long bytes) {
        bytesSinceSnapshot += bytes;
    }

    /** Asks for a snapshot at the next opportunity, whatever the thresholds. Any thread. */
    void request() {
        requested = true;
    }

    /** Whether a snapshot was asked for and none was started since. */
    boolean requested() {
        return requested;
    }

    /**
     * A snapshot of what was applied so far is being taken: batches applied from now on count
     * towards the next, and it answers a request made before (call it before the state is taken,
     * so that a request made meanwhile is answered by this snapshot, which comes after it).
     */
    void started() {
        requested = false;
        bytesSinceSnapshot = 0;
        stagger = drawStagger();
    }

    /** The last snapshot (taken here, or found at start) is a file of {@code fileBytes}. */
    void written(long fileBytes) {
        lastSnapshotBytes = fileBytes;
    }

    /** Whether a snapshot is due, {@code batchesSince} batches after the last one (or was requested). */
    boolean due(long batchesSince) {
        return requested || everyEntries > 0 && batchesSince >= Math.ceil(everyEntries * stagger) && bytesSinceSnapshot >= lastSnapshotBytes;
    }

    long bytesSinceSnapshot() {
        return bytesSinceSnapshot;
    }
}
