package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.replication.Committed;
import org.consort.replication.RecordingStateMachine.Applied;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LeaderFailoverTest {
    @TempDir
    Path dir;

    /** Proposes numbered batches to whichever node is the ready leader; never reuses a number. */
    static final class Loader implements Runnable {
        final Cluster cluster;
        final Map<Long, Committed> succeeded = new ConcurrentHashMap<>();
        final AtomicLong failed = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final Semaphore window = new Semaphore(64);
        long next;

        Loader(Cluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    RatisReplicatedLog leader = null;
                    for (Cluster.Member m : cluster.members.values()) {
                        RatisReplicatedLog log = m.log;
                        try {
                            if (log != null && log.isLeaderReady()) {
                                leader = log;
                            }
                        } catch (RuntimeException closing) {
                            // the node is being closed by the test
                        }
                    }
                    if (leader == null) {
                        Thread.sleep(5);
                        continue;
                    }
                    if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    long n = next++;
                    leader.propose(RatisReplicatedLogTest.batch(n, 64)).whenComplete((c, t) -> {
                        if (t == null) {
                            succeeded.put(n, c);
                        } else {
                            failed.incrementAndGet();
                        }
                        window.release();
                    });
                }
                window.acquire(64);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitSuccesses(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (succeeded.size() < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + succeeded.size() + " of " + n + " proposals succeeded in " + timeout);
                }
                Thread.sleep(10);
            }
        }
    }

    @Test
    @Timeout(120)
    void killingTheLeaderUnderLoadLosesNothingCommittedAndTheRestartedNodeCatchesUp() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 11, cfg -> cfg).startAll()) {
            Cluster.Member oldLeader = c.awaitLeader(Duration.ofSeconds(20));
            long oldTerm = oldLeader.log.currentTerm();
            Loader loader = new Loader(c);
            Thread t = new Thread(loader, "loader");
            t.start();
            loader.awaitSuccesses(1500, Duration.ofSeconds(40));

            long killedAt = System.nanoTime();
            c.stop(oldLeader);
            Cluster.Member newLeader = c.awaitLeader(Duration.ofSeconds(20));
            long electedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            long firstCommitMs = -1;
            while (firstCommitMs < 0) {
                if (loader.succeeded.values().stream().anyMatch(x -> x.term() > oldTerm)) {
                    firstCommitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                }
                Thread.sleep(5);
                assertThat(System.nanoTime() - killedAt).isLessThan(TimeUnit.SECONDS.toNanos(20));
            }
            System.out.printf("leader closed: new leader ready after %d ms, first commit in the new term after %d ms%n",
                    electedMs, firstCommitMs);
            assertThat(newLeader.log.currentTerm()).isGreaterThan(oldTerm);
            assertThat(oldLeader.sm.notLeaderTerms).contains(oldTerm);

            int before = loader.succeeded.size();
            loader.awaitSuccesses(before + 1500, Duration.ofSeconds(40));
            loader.stop.set(true);
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).isFalse();

            long lastIndex = loader.succeeded.values().stream().mapToLong(Committed::index).max().orElseThrow();
            c.awaitApplied(lastIndex, Duration.ofSeconds(30));
            List<Cluster.Member> survivors = c.running();
            assertThat(survivors).hasSize(2);
            List<Applied> reference = survivors.get(0).sm.applied();
            RatisReplicatedLogTest.assertSameLog(survivors.get(1).sm.applied(), reference);
            Map<Long, Integer> seen = new HashMap<>();
            Map<Long, Long> indexOf = new HashMap<>();
            for (Applied a : reference) {
                long n = RatisReplicatedLogTest.number(a.batch());
                seen.merge(n, 1, Integer::sum);
                indexOf.put(n, a.index());
            }
            assertThat(seen.values()).allMatch(count -> count == 1);
            loader.succeeded.forEach((n, committed) -> {
                assertThat(seen).containsKey(n);
                assertThat(indexOf.get(n)).isEqualTo(committed.index());
            });
            System.out.printf("%d proposals succeeded, %d failed; %d batches applied%n", loader.succeeded.size(),
                    loader.failed.get(), reference.size());

            // The old leader comes back with its log and catches up by itself.
            c.start(oldLeader, c.initial);
            long target = survivors.get(0).log.lastAppliedIndex();
            c.awaitApplied(target, Duration.ofSeconds(30));
            RatisReplicatedLogTest.assertSameLog(oldLeader.sm.applied().subList(0, reference.size()), reference);
        }
    }
}
