package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.consort.replication.BatchFrame;
import org.consort.replication.Committed;
import org.consort.replication.RecordingStateMachine.Applied;
import org.consort.replication.ReplicationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RatisReplicatedLogTest {
    @TempDir
    Path dir;

    static byte[] batch(long n, int size) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, Long.BYTES));
        b.putLong(n);
        return b.array();
    }

    static long number(byte[] batch) {
        return ByteBuffer.wrap(batch).getLong();
    }

    /** Proposes batches numbered from..to-1 with at most {@code window} in flight; returns the results in order. */
    static List<Committed> proposeAll(RatisReplicatedLog log, long from, long to, int window) throws Exception {
        Semaphore permits = new Semaphore(window);
        List<CompletableFuture<Committed>> futures = new ArrayList<>();
        for (long i = from; i < to; i++) {
            permits.acquire();
            CompletableFuture<Committed> f = log.propose(batch(i, 32));
            f.whenComplete((c, t) -> permits.release());
            futures.add(f);
        }
        List<Committed> out = new ArrayList<>();
        for (CompletableFuture<Committed> f : futures) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    @Timeout(120)
    void threeNodesElectALeaderAndApplyTenThousandBatchesInTheSameOrder() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 1, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            assertThat(leader.sm.readyTerms).containsExactly(leader.log.currentTerm());
            for (Cluster.Member m : c.running()) {
                assertThat(m.log.leaderId()).contains(leader.peer.id());
                assertThat(m.log.peers()).hasSize(3);
            }
            Cluster.Member follower = c.running().stream().filter(m -> m != leader).findFirst().orElseThrow();
            assertThatThrownBy(() -> follower.log.propose(batch(0, 8)).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ReplicationException.NotLeaderException.class)
                    .satisfies(e -> assertThat(((ReplicationException.NotLeaderException) e).leaderHint()).contains(leader.peer.id()));

            int n = 10_000;
            List<Committed> results = proposeAll(leader.log, 0, n, 256);
            assertThat(results).extracting(Committed::term).containsOnly(leader.log.currentTerm());
            assertThat(results.stream().map(Committed::index).distinct().count()).isEqualTo(n);
            long last = results.stream().mapToLong(Committed::index).max().orElseThrow();
            c.awaitApplied(last, Duration.ofSeconds(30));

            List<Applied> reference = leader.sm.applied();
            assertThat(reference).hasSize(n);
            assertThat(reference.stream().map(a -> number(a.batch())).distinct().count()).isEqualTo(n);
            for (Cluster.Member m : c.running()) {
                assertSameLog(m.sm.applied(), reference);
            }
            // Proposals made one after another by one thread are logged in that order, at the index each reported.
            for (int i = 0; i < n; i++) {
                assertThat(number(reference.get(i).batch())).isEqualTo(i);
                assertThat(reference.get(i).index()).isEqualTo(results.get(i).index());
            }
        }
    }

    @Test
    @Timeout(60)
    void aCorruptedBatchIsRejectedOnEveryNodeAndNeverApplied() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 2, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            Committed before = leader.log.propose(batch(1, 16)).get(20, TimeUnit.SECONDS);
            byte[] frame = BatchFrame.encode(batch(2, 16));
            frame[frame.length - 1] ^= 0x40;
            assertThatThrownBy(() -> leader.log.submitFrame(frame).get(20, TimeUnit.SECONDS))
                    .cause().isInstanceOf(ReplicationException.CorruptBatchException.class)
                    .hasMessageContaining("checksum mismatch");
            Committed after = leader.log.propose(batch(3, 16)).get(20, TimeUnit.SECONDS);
            c.awaitApplied(after.index(), Duration.ofSeconds(20));
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.applied()).extracting(a -> number(a.batch())).containsExactly(1L, 3L);
                assertThat(m.sm.rejected()).singleElement().asString().contains("checksum mismatch");
                assertThat(m.log.rejectedBatches()).isEqualTo(1);
            }
            assertThat(after.index()).isGreaterThan(before.index() + 1);
        }
    }

    @Test
    @Timeout(60)
    void proposalsBeyondTheBoundsAreRefusedAtOnce() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 3, cfg -> cfg.withBatchBytesMax(1024).withProposalsInFlightMax(4)).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            assertThatThrownBy(() -> leader.log.propose(new byte[1025]).get())
                    .cause().isInstanceOf(ReplicationException.OverloadedException.class).hasMessageContaining("batchBytesMax");
            List<CompletableFuture<Committed>> fs = new ArrayList<>();
            boolean refused = false;
            for (int i = 0; i < 200 && !refused; i++) {
                CompletableFuture<Committed> f = leader.log.propose(batch(i, 1024));
                if (f.isCompletedExceptionally()) {
                    assertThatThrownBy(f::get).cause().isInstanceOf(ReplicationException.OverloadedException.class)
                            .hasMessageContaining("proposalsInFlightMax 4");
                    refused = true;
                } else {
                    fs.add(f);
                }
            }
            assertThat(refused).isTrue();
            for (CompletableFuture<Committed> f : fs) {
                f.get(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Timeout(60)
    void leadershipCanBeHandedToAnotherPeer() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 4, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            long term = leader.log.currentTerm();
            leader.log.propose(batch(1, 8)).get(20, TimeUnit.SECONDS);
            Cluster.Member next = c.running().stream().filter(m -> m != leader).findFirst().orElseThrow();
            leader.log.transferLeadership(next.peer.id(), Duration.ofSeconds(20));
            Cluster.Member now = c.awaitLeader(Duration.ofSeconds(20));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((now != next || leader.sm.notLeaderTerms.isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                now = c.awaitLeader(Duration.ofSeconds(20));
            }
            assertThat(now).isSameAs(next);
            assertThat(next.log.currentTerm()).isGreaterThan(term);
            assertThat(leader.sm.notLeaderTerms).containsExactly(term);
            assertThat(next.sm.readyTerms).containsExactly(next.log.currentTerm());
            Committed c2 = next.log.propose(batch(2, 8)).get(20, TimeUnit.SECONDS);
            assertThat(c2.term()).isEqualTo(next.log.currentTerm());
            c.awaitApplied(c2.index(), Duration.ofSeconds(20));
            for (Cluster.Member m : c.running()) {
                assertThat(m.sm.applied()).extracting(a -> number(a.batch())).containsExactly(1L, 2L);
            }
        }
    }

    static void assertSameLog(List<Applied> actual, List<Applied> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Applied a = actual.get(i);
            Applied e = expected.get(i);
            assertThat(a.index()).isEqualTo(e.index());
            assertThat(a.term()).isEqualTo(e.term());
            assertThat(a.batch()).isEqualTo(e.batch());
        }
    }
}
