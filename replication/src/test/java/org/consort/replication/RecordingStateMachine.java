package org.consort.replication;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.consort.common.InvariantViolation;

/**
 * A state machine for tests: its state is the list of every batch applied, in order, with its
 * index; snapshots write that list to a file.
 */
public final class RecordingStateMachine implements LogStateMachine {
    public record Applied(long term, long index, byte[] batch) {
    }

    private final List<Applied> applied = new CopyOnWriteArrayList<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    public final List<Long> readyTerms = new CopyOnWriteArrayList<>();
    public final List<Long> notLeaderTerms = new CopyOnWriteArrayList<>();
    public final List<Long> snapshotsInstalled = new CopyOnWriteArrayList<>();
    /** Indexes of the snapshots written to a file, in order. */
    public final List<Long> snapshotsWritten = new CopyOnWriteArrayList<>();
    /** Called on the apply thread after each batch is applied, with its index and bytes. */
    public volatile java.util.function.BiConsumer<Long, byte[]> onApplied = (index, batch) -> { };
    /** When set, writing a snapshot waits until it is opened (a slow disk, a big state). */
    public volatile java.util.concurrent.CountDownLatch snapshotGate;
    private volatile long lastIndex = -1;

    @Override
    public synchronized void applyBatch(long term, long index, byte[] batch) {
        InvariantViolation.check(index > lastIndex, "batch index " + index + " after " + lastIndex);
        lastIndex = index;
        applied.add(new Applied(term, index, batch));
        onApplied.accept(index, batch);
    }

    @Override
    public synchronized void onRejectedBatch(long term, long index, String reason) {
        lastIndex = index;
        rejected.add(index + ": " + reason);
    }

    @Override
    public void onLeaderReady(long term) {
        readyTerms.add(term);
    }

    @Override
    public void onNotLeader(long term) {
        notLeaderTerms.add(term);
    }

    @Override
    public synchronized SnapshotWriter prepareSnapshot(long term, long index) {
        InvariantViolation.check(index >= lastIndex, "snapshot at " + index + " but last applied is " + lastIndex);
        List<Applied> taken = List.copyOf(applied);
        return file -> {
            java.util.concurrent.CountDownLatch gate = snapshotGate;
            if (gate != null) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while the snapshot gate was closed", e);
                }
            }
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
                out.writeLong(index);
                out.writeInt(taken.size());
                for (Applied a : taken) {
                    out.writeLong(a.term());
                    out.writeLong(a.index());
                    out.writeInt(a.batch().length);
                    out.write(a.batch());
                }
            }
            snapshotsWritten.add(index);
        };
    }

    @Override
    public synchronized void installSnapshot(long term, long index, Path file) throws IOException {
        List<Applied> restored = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            long at = in.readLong();
            InvariantViolation.check(at == index, "snapshot file says index " + at + ", Ratis says " + index);
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                long t = in.readLong();
                long x = in.readLong();
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                restored.add(new Applied(t, x, b));
            }
        }
        applied.clear();
        applied.addAll(restored);
        lastIndex = index;
        snapshotsInstalled.add(index);
    }

    public List<String> rejected() {
        return List.copyOf(rejected);
    }

    public List<Applied> applied() {
        return List.copyOf(applied);
    }

    public long lastIndex() {
        return lastIndex;
    }
}
