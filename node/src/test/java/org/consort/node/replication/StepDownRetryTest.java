package org.consort.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.consort.replication.Committed;
import org.consort.replication.Peer;
import org.consort.replication.ReplicatedLog;
import org.junit.jupiter.api.Test;

/** A leader whose view ended asks to step down until it no longer leads that term. */
class StepDownRetryTest {

    /** A log whose leader ignores (or refuses) the first {@code ignored} requests to step down. */
    private static final class StubbornLeader implements ReplicatedLog {
        int ignored;
        boolean refuseByThrowing;
        long term = 7;
        boolean leader = true;
        int requests;

        @Override
        public void stepDown() {
            requests++;
            if (requests <= ignored) {
                if (refuseByThrowing) {
                    throw new IllegalStateException("refused");
                }
                return;
            }
            leader = false;
        }

        @Override
        public long currentTerm() {
            return term;
        }

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public CompletableFuture<Committed> propose(byte[] batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String selfId() {
            return "n0";
        }

        @Override
        public Optional<String> leaderId() {
            return leader ? Optional.of("n0") : Optional.empty();
        }

        @Override
        public boolean isLeaderReady() {
            return leader;
        }

        @Override
        public long lastAppliedIndex() {
            return 0;
        }

        @Override
        public List<Peer> peers() {
            return List.of();
        }

        @Override
        public void trustPeer(String peerId) {
        }

        @Override
        public void requestSnapshot() {
        }

        @Override
        public void transferLeadership(String peerId, Duration timeout) {
        }

        @Override
        public void addPeer(Peer peer) {
        }

        @Override
        public void removePeer(String peerId) {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void lostOrRefusedRequestsAreRepeatedWithGrowingWaitsUntilTheLeadEnds() throws Exception {
        for (boolean throwing : new boolean[] {false, true}) {
            StubbornLeader log = new StubbornLeader();
            log.ignored = 6;
            log.refuseByThrowing = throwing;
            List<Long> waits = new ArrayList<>();
            LogReplicator.stepDownUntilDone(log, () -> true, waits::add);
            assertThat(log.requests).isEqualTo(7);
            assertThat(log.isLeader()).isFalse();
            assertThat(waits).containsExactly(100L, 200L, 400L, 800L, 1600L, 2000L, 2000L);
        }
    }

    @Test
    void aNewTermEndsTheRequestsEvenWhenThisNodeLeadsIt() throws Exception {
        StubbornLeader log = new StubbornLeader();
        log.ignored = Integer.MAX_VALUE;
        List<Long> waits = new ArrayList<>();
        // Re-elected in term 8 during the second wait: that lead is a new view and must not be given up.
        LogReplicator.stepDownUntilDone(log, () -> true, ms -> {
            waits.add(ms);
            if (waits.size() == 2) {
                log.term = 8;
            }
        });
        assertThat(log.requests).isEqualTo(2);
        assertThat(log.isLeader()).isTrue();
    }

    @Test
    void aStoppingNodeStopsAsking() throws Exception {
        StubbornLeader log = new StubbornLeader();
        log.ignored = Integer.MAX_VALUE;
        int[] checks = {0};
        LogReplicator.stepDownUntilDone(log, () -> checks[0]++ < 3, ms -> { });
        assertThat(log.requests).isEqualTo(3);
    }
}
