package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.consort.replication.Committed;
import org.consort.replication.StoredSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots asked for with {@code requestSnapshot} (governance's {@code trigger_snapshot}):
 * taken right after the batch during which they were asked for, below the schedule's threshold
 * or with the schedule off, and then handed to Ratis, which keeps only the latest files.
 */
class RequestedSnapshotTest {
    /** Batches numbered from here ask for a snapshot while they are applied. */
    private static final long ASK = 1_000_000;

    @TempDir
    Path dir;

    /** Every running member asks for a snapshot while it applies a batch numbered ASK or more. */
    private static void askOnMarkedBatches(Cluster c) {
        for (Cluster.Member m : c.running()) {
            m.sm.onApplied = (index, batch) -> {
                RatisReplicatedLog log = m.log;
                if (RatisReplicatedLogTest.number(batch) >= ASK && log != null) {
                    log.requestSnapshot();
                }
            };
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Proposes one batch at a time until {@code condition} holds: a written snapshot is handed to Ratis after a batch. */
    private static void proposeUntil(String what, Cluster.Member leader, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (long n = 500_000; !condition.getAsBoolean(); n++) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            RatisReplicatedLogTest.proposeAll(leader.log, n, n + 1, 1);
            Thread.sleep(20);
        }
    }

    private static List<Long> storedIndexes(Cluster c, Cluster.Member m) {
        try {
            return RatisReplicatedLog.storedSnapshots(m.dir, c.group).stream().map(StoredSnapshot::index).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Timeout(120)
    void everyNodeTakesTheRequestedSnapshotRightAfterTheBatchThatAskedAndRestartsFromIt() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 51, cfg -> cfg.withSnapshotEveryEntries(100_000)).startAll()) {
            askOnMarkedBatches(c);
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            RatisReplicatedLogTest.proposeAll(leader.log, 0, 50, 16);
            long asked = RatisReplicatedLogTest.proposeAll(leader.log, ASK, ASK + 1, 1).get(0).index();
            List<Committed> after = RatisReplicatedLogTest.proposeAll(leader.log, 50, 80, 16);
            c.awaitApplied(after.get(after.size() - 1).index(), Duration.ofSeconds(30));

            await("every node wrote the requested snapshot", Duration.ofSeconds(30),
                    () -> c.running().stream().allMatch(m -> !m.sm.snapshotsWritten.isEmpty()));
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.snapshotsWritten).as("at the index of the batch that asked, far below the threshold")
                        .containsExactly(asked);
                assertThat(storedIndexes(c, m)).containsExactly(asked);
            }
            proposeUntil("Ratis is handed the written snapshot", leader,
                    () -> c.running().stream().allMatch(m -> m.log.reportedSnapshotIndex() == asked));

            Cluster.Member restarted = c.running().stream().filter(m -> m != leader).findFirst().orElseThrow();
            c.stop(restarted);
            c.start(restarted, c.initial);
            assertThat(restarted.sm.snapshotsInstalled).as("the restarted node starts from it").containsExactly(asked);
            List<Committed> more = RatisReplicatedLogTest.proposeAll(leader.log, 80, 100, 16);
            c.awaitApplied(more.get(more.size() - 1).index(), Duration.ofSeconds(30));
            List<Long> leaderIndexes = leader.sm.applied().stream().map(a -> a.index()).toList();
            List<Long> restartedIndexes = restarted.sm.applied().stream().map(a -> a.index()).toList();
            assertThat(restartedIndexes).isEqualTo(leaderIndexes);
            assertThat(restarted.sm.snapshotsWritten).as("no snapshot taken again at start").isEmpty();
        }
    }

    @Test
    @Timeout(120)
    void withScheduledSnapshotsOffRequestedOnesAreStillTakenAndOnlyTheLatestTwoFilesKept() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 52, cfg -> cfg.withSnapshotEveryEntries(0)).startAll()) {
            askOnMarkedBatches(c);
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            long n = 0;
            List<Long> asked = new java.util.ArrayList<>();
            for (int k = 0; k < 3; k++) {
                RatisReplicatedLogTest.proposeAll(leader.log, n, n + 10, 8);
                n += 10;
                long index = RatisReplicatedLogTest.proposeAll(leader.log, ASK + k, ASK + k + 1, 1).get(0).index();
                asked.add(index);
                proposeUntil("Ratis is handed snapshot " + index, leader,
                        () -> c.running().stream().allMatch(m -> m.log.reportedSnapshotIndex() == index));
            }
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.snapshotsWritten).isEqualTo(asked);
                assertThat(storedIndexes(c, m)).as("Ratis dropped the oldest file").containsExactlyInAnyOrder(asked.get(1), asked.get(2));
            }
        }
    }
}
