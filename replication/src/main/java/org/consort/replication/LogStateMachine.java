package org.consort.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What the node plugs into the replicated log: it receives committed batches in order, is told
 * when it may act as the leader and when it must stop, and writes and restores snapshots.
 *
 * <p>Threading: {@link #applyBatch}, {@link #onRejectedBatch}, {@link #onLeaderReady},
 * {@link #prepareSnapshot} and {@link #installSnapshot} are called on one thread (the log's apply
 * thread), never concurrently with each other, so a batch, a snapshot and the leader-ready
 * signal are strictly ordered. A prepared snapshot may be written on another thread while
 * batches are applied. {@link #onNotLeader} and {@link #onMembershipChanged} come from
 * the replication engine's own threads and must not block.
 *
 * <p>An exception thrown by {@link #applyBatch} stops this node's replication server: that is
 * the way to stop loudly rather than diverge.
 */
public interface LogStateMachine {

    /**
     * One committed batch, strictly in commit order, exactly once per index (after the latest
     * installed snapshot). The same sequence is delivered on every node. Indexes increase but
     * have gaps: the engine's own entries are not delivered.
     */
    void applyBatch(long term, long index, byte[] batch);

    /**
     * The committed entry at {@code index} failed its checksum: it was not applied. The index
     * is consumed; the next batch follows. The node decides whether it can carry on.
     */
    void onRejectedBatch(long term, long index, String reason);

    /**
     * This node is the leader of {@code term} and every entry of earlier terms has been
     * applied: the node may now execute against its speculative view.
     */
    void onLeaderReady(long term);

    /** This node stopped being the leader of {@code term}: drop the speculative view now. */
    void onNotLeader(long term);

    /**
     * Takes the state as of the last applied entry ({@code term}, {@code index}), quickly (on the
     * apply thread); the writer it returns writes it to a file later, possibly on another thread
     * while later batches are applied, so it must hold everything it writes. The log may be
     * truncated up to {@code index} once the file is written. The index may be past the last
     * batch: the engine's own entries (leader no-ops, membership changes) take indexes too.
     */
    SnapshotWriter prepareSnapshot(long term, long index) throws IOException;

    /** Writes one prepared snapshot; see {@link #prepareSnapshot}. */
    interface SnapshotWriter {
        void write(Path file) throws IOException;
    }

    /**
     * Replaces the whole state with the snapshot in {@code file}, taken at ({@code term},
     * {@code index}): at start (the latest local snapshot) and when the leader sent one because
     * this node was too far behind. Batches after {@code index} follow through {@link #applyBatch}.
     * The node checks the file itself (a digest of its own, and decryption) and throws an
     * IOException if it must not go on with it.
     */
    void installSnapshot(long term, long index, Path file) throws IOException;

    /**
     * Whether the state already holds everything of the snapshot taken at ({@code term},
     * {@code index}): the node loaded it (and the entries after it) before the log started. The log
     * then takes it as installed without reading the file again.
     */
    default boolean holdsSnapshot(long term, long index) {
        return false;
    }

    /** The group's voting members changed (after the change was committed); ids of the members. */
    default void onMembershipChanged(List<String> peerIds) {
    }
}
