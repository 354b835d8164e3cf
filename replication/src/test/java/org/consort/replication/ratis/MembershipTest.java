package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.consort.replication.Committed;
import org.consort.replication.Peer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class MembershipTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void batchesAreAppliedWhileASnapshotIsBeingWritten() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 43, cfg -> cfg.withSnapshotEveryEntries(100)).startAll()) {
            java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
            for (Cluster.Member m : c.running()) {
                m.sm.snapshotGate = gate;
            }
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            // Far past the threshold while every node's first snapshot is stuck being written.
            List<Committed> first = RatisReplicatedLogTest.proposeAll(leader.log, 0, 400, 64);
            c.awaitApplied(first.get(first.size() - 1).index(), Duration.ofSeconds(30));
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.applied()).hasSize(400);
                assertThat(m.sm.snapshotsWritten).isEmpty();
            }
            gate.countDown();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (c.running().stream().anyMatch(m -> m.sm.snapshotsWritten.isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.snapshotsWritten).as("each node wrote the snapshot it had taken").isNotEmpty();
                assertThat(m.sm.snapshotsWritten.get(0)).isLessThan(first.get(first.size() - 1).index());
            }
            // Once written, the next applied batches report it to Ratis, and later snapshots follow.
            List<Committed> more = RatisReplicatedLogTest.proposeAll(leader.log, 400, 700, 64);
            c.awaitApplied(more.get(more.size() - 1).index(), Duration.ofSeconds(30));
            deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (c.running().stream().anyMatch(m -> m.sm.snapshotsWritten.size() < 2) && System.nanoTime() < deadline) {
                RatisReplicatedLogTest.proposeAll(leader.log, 0, 1, 1);
                Thread.sleep(50);
            }
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.snapshotsWritten).hasSizeGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    @Timeout(120)
    void aFourthPeerJoinsFromASnapshotAndAnotherIsRemoved() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 41, cfg -> cfg.withSnapshotEveryEntries(200)).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            RatisReplicatedLogTest.proposeAll(leader.log, 0, 1000, 128);

            Cluster.Member fourth = c.newMember(3);
            List<Peer> joined = new ArrayList<>(c.initial);
            joined.add(fourth.peer);
            c.start(fourth, joined);
            for (Cluster.Member m : c.running()) {
                m.log.trustPeer(fourth.peer.id());
            }
            leader.log.addPeer(fourth.peer);
            assertThat(leader.log.peers()).extracting(Peer::id).contains(fourth.peer.id()).hasSize(4);
            assertThatThrownBy(() -> leader.log.addPeer(fourth.peer)).hasMessageContaining("already a member");

            List<Committed> more = RatisReplicatedLogTest.proposeAll(leader.log, 1000, 1200, 128);
            c.awaitApplied(more.get(more.size() - 1).index(), Duration.ofSeconds(30));
            assertThat(fourth.sm.snapshotsInstalled).as("the new peer caught up from a snapshot").isNotEmpty();
            RatisReplicatedLogTest.assertSameLog(fourth.sm.applied(), leader.sm.applied());
            assertThat(fourth.log.peers()).hasSize(4);

            Cluster.Member retired = c.running().stream().filter(m -> m != leader && m != fourth).findFirst().orElseThrow();
            leader.log.removePeer(retired.peer.id());
            assertThat(leader.log.peers()).extracting(Peer::id).doesNotContain(retired.peer.id()).hasSize(3);
            // The trusted set follows the configuration once the change is applied on the leader.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (leader.log.trust().isTrusted(retired.peer.id()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(leader.log.trust().isTrusted(retired.peer.id())).isFalse();
            c.stop(retired);
            List<Committed> after = RatisReplicatedLogTest.proposeAll(leader.log, 1200, 1300, 64);
            c.awaitApplied(after.get(after.size() - 1).index(), Duration.ofSeconds(30));
            for (Cluster.Member m : c.running()) {
                RatisReplicatedLogTest.assertSameLog(m.sm.applied(), leader.sm.applied());
            }
            assertThat(leader.sm.applied()).hasSize(1300);
        }
    }
}
