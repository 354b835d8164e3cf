package org.consort.node.replication.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.consort.common.InvariantViolation;
import org.consort.replication.Committed;
import org.consort.replication.LogStateMachine;
import org.consort.replication.Peer;
import org.consort.replication.ReplicatedLog;
import org.consort.replication.ReplicationException;

/**
 * One node's view of a {@link Group}: the {@link ReplicatedLog} a node's replicator proposes to.
 * Everything runs on the simulation's one thread; nothing here waits or reads a clock.
 */
final class SimulatedLog implements ReplicatedLog {
    private final Group group;
    private final int node;

    SimulatedLog(Group group, int node) {
        this.group = group;
        this.node = node;
    }

    @Override
    public CompletableFuture<Committed> propose(byte[] batch) {
        return group.propose(node, batch.clone());
    }

    @Override
    public String selfId() {
        return group.ids.get(node);
    }

    @Override
    public long currentTerm() {
        return group.term;
    }

    @Override
    public Optional<String> leaderId() {
        return group.leader < 0 ? Optional.empty() : Optional.of(group.ids.get(group.leader));
    }

    @Override
    public boolean isLeader() {
        Group.Member m = group.members.get(node);
        return m.up && (group.leader == node || m.deposedUnaware);
    }

    @Override
    public boolean isLeaderReady() {
        return group.leader == node && group.members.get(node).readyInLog;
    }

    @Override
    public long lastAppliedIndex() {
        Group.Member m = group.members.get(node);
        return m.delivered == 0 ? 0 : group.committed.get(m.delivered - 1).index();
    }

    @Override
    public List<Peer> peers() {
        List<Peer> out = new ArrayList<>();
        for (int i = 0; i < group.ids.size(); i++) {
            out.add(new Peer(group.ids.get(i), "sim", 1 + i));
        }
        return out;
    }

    @Override
    public void trustPeer(String peerId) {
        // Every simulated node trusts every other: there is no transport.
    }

    @Override
    public void requestSnapshot() {
        // Snapshots are not simulated.
    }

    @Override
    public void stepDown() {
        group.requestStepDown(node);
    }

    @Override
    public void transferLeadership(String peerId, Duration timeout) {
        throw new ReplicationException("membership and leadership transfer are not simulated");
    }

    @Override
    public void addPeer(Peer peer) {
        throw new ReplicationException("membership changes are not simulated");
    }

    @Override
    public void removePeer(String peerId) {
        throw new ReplicationException("membership changes are not simulated");
    }

    @Override
    public void close() {
        // The network crashes and restarts nodes through the group.
    }

    /**
     * A Raft-like model of a replicated log, not Raft: one committed log of (term, index,
     * payload) shared by every node, the leader's uncommitted tail, a leader and a term. The
     * simulation decides every event: a commit of a prefix of the tail, a delivery of the next
     * committed entries to one node, a change of leader that loses part of the tail (the part
     * it keeps is committed later under its old term, as a new Raft leader commits entries of
     * earlier terms), crashes and restarts of nodes.
     *
     * <p>Like Ratis with this project's state machine adapter: a new leader first logs a no-op of
     * its term (it takes an index but is not delivered); the leader is ready, and hears
     * {@code onLeaderReady}, once it has applied that no-op, so every entry of earlier terms
     * first; proposals are refused until then. A proposal completes when the proposer has
     * applied it, and fails when the proposer learns it lost the lead (which the model may
     * delay: until then it still believes it leads and its proposals go nowhere). Such a node
     * hears {@code onNotLeader} only if it had heard {@code onLeaderReady}.
     */
    static final class Group {
        /** A committed entry; {@code payload} is null for a leader's no-op. */
        record Entry(long term, long index, byte[] payload, int proposer, CompletableFuture<Committed> future) {
        }

        /** An entry the leader logged that is not committed yet. */
        record Tail(long term, byte[] payload, int proposer, CompletableFuture<Committed> future) {
        }

        /** The log's state on one node. */
        static final class Member {
            LogStateMachine target;
            boolean up = true;
            /** Committed entries this node has processed (applied, or skipped as no-ops). */
            int delivered;
            /** As the Ratis adapter: the term whose leader-ready was signalled and not yet ended, or -1. */
            long readyTerm = -1;
            /** This node leads the current term and has applied its no-op: proposals are accepted. */
            boolean readyInLog;
            /** Ready in the log, but onLeaderReady not called yet (it is called before the next apply). */
            boolean readySignalPending;
            /** Lost the lead and does not know it yet: proposals go nowhere; see {@link #notice}. */
            boolean deposedUnaware;
            /** Futures of this node's proposals that are not complete. */
            final List<CompletableFuture<Committed>> inFlight = new ArrayList<>();
        }

        final List<String> ids;
        final List<Member> members = new ArrayList<>();
        final List<Entry> committed = new ArrayList<>();
        final List<Tail> tail = new ArrayList<>();
        /** Proposal failures the log reports later (a refused proposal), in order. */
        final List<Runnable> deferred = new ArrayList<>();
        private final Consumer<String> trace;
        long term;
        int leader = -1;
        boolean stepDownRequested;
        /** Set by the simulation: the next proposal the leader gets is refused (reported later, not logged). */
        boolean refuseNextProposal;
        /** ... and the proposer sees only a timeout: the refusal is lost behind it (as behind Ratis' orTimeout). */
        boolean refusalSeenAsTimeout;

        Group(List<String> ids, Consumer<String> trace) {
            this.ids = List.copyOf(ids);
            this.trace = trace;
            for (int i = 0; i < ids.size(); i++) {
                members.add(new Member());
            }
        }

        int size() {
            return members.size();
        }

        int upCount() {
            int n = 0;
            for (Member m : members) {
                n += m.up ? 1 : 0;
            }
            return n;
        }

        boolean hasQuorum() {
            return upCount() > size() / 2;
        }

        CompletableFuture<Committed> propose(int node, byte[] payload) {
            Member m = members.get(node);
            CompletableFuture<Committed> f = new CompletableFuture<>();
            if (!m.up) {
                f.completeExceptionally(new ReplicationException("the replication server of node " + node + " is closed"));
                return f;
            }
            if (m.deposedUnaware) {
                // Logged in its own copy under a term that is over: it never commits.
                m.inFlight.add(f);
                trace.accept("log: node " + node + " proposes in an ended term; the batch goes nowhere");
                return f;
            }
            if (leader != node || !m.readyInLog) {
                f.completeExceptionally(new ReplicationException.NotLeaderException(
                        "node " + node + (leader == node ? " leads but is not ready" : " is not the leader"),
                        leader < 0 ? null : ids.get(leader)));
                return f;
            }
            m.inFlight.add(f);
            if (refuseNextProposal) {
                refuseNextProposal = false;
                boolean timeout = refusalSeenAsTimeout;
                trace.accept("log: refuses a proposal of node " + node + " (never logged; reported later"
                        + (timeout ? " as a timeout)" : ")"));
                deferred.add(() -> fail(m, f, timeout ? new ReplicationException.ProposalTimeoutException("no reply in time")
                        : new ReplicationException("proposal refused: the leader is out of room")));
                return f;
            }
            tail.add(new Tail(term, payload, node, f));
            return f;
        }

        void requestStepDown(int node) {
            if (node == leader && members.get(node).up) {
                stepDownRequested = true;
                trace.accept("log: node " + node + " asks to step down");
            }
        }

        /** The leader commits the first {@code count} entries of its tail; false when it cannot. */
        boolean commit(int count) {
            if (leader < 0 || !members.get(leader).up || !hasQuorum() || tail.isEmpty()) {
                return false;
            }
            int n = Math.min(count, tail.size());
            for (int i = 0; i < n; i++) {
                Tail t = tail.remove(0);
                committed.add(new Entry(t.term(), committed.size() + 1, t.payload(), t.proposer(), t.future()));
            }
            trace.accept("log: commits " + n + " entries, up to index " + committed.size());
            return true;
        }

        /** Delivers up to {@code count} committed entries to {@code node}, in order; returns how many. */
        int deliver(int node, int count) {
            Member m = members.get(node);
            int n = 0;
            while (m.up && n < count && m.delivered < committed.size()) {
                signalReadyIfPending(node);
                Entry e = committed.get(m.delivered);
                m.delivered++;
                n++;
                if (e.payload() == null) {
                    if (e.term() == term && leader == node) {
                        m.readyInLog = true;
                        m.readySignalPending = true;
                    }
                    continue;
                }
                m.target.applyBatch(e.term(), e.index(), e.payload());
                if (e.proposer() == node && e.future() != null && !e.future().isDone()) {
                    m.inFlight.remove(e.future());
                    e.future().complete(new Committed(e.term(), e.index()));
                }
            }
            return n;
        }

        /** The Ratis adapter's notifyLeaderReady, on the apply thread, right after the leader applied its no-op. */
        boolean signalReadyIfPending(int node) {
            Member m = members.get(node);
            if (!m.readySignalPending) {
                return false;
            }
            m.readySignalPending = false;
            if (leader == node && m.readyTerm != term) {
                m.readyTerm = term;
                trace.accept("log: node " + node + " hears it is the ready leader of term " + term);
                m.target.onLeaderReady(term);
            }
            return true;
        }

        /**
         * A new term with {@code newLeader} (may be the old one), after {@code skippedTerms}
         * elections that nobody won. The tail keeps its first {@code keep} entries: the new
         * leader has them and commits them under their own terms; the rest is lost.
         */
        void elect(int newLeader, int keep, int skippedTerms) {
            InvariantViolation.check(members.get(newLeader).up, "a node that is down cannot be elected");
            depose();
            int lost = tail.size() - Math.min(keep, tail.size());
            while (tail.size() > keep) {
                tail.remove(tail.size() - 1);
            }
            term += 1 + skippedTerms;
            leader = newLeader;
            Member m = members.get(newLeader);
            if (m.deposedUnaware) {
                // A node stands for election only after it stopped leading.
                notice(newLeader, true);
            }
            m.readyInLog = false;
            m.readySignalPending = false;
            tail.add(new Tail(term, null, newLeader, null));
            trace.accept("log: node " + newLeader + " leads term " + term + " (" + tail.size() + " entries in its tail, "
                    + lost + " lost)");
        }

        /** The leader loses the lead; nobody leads until {@link #elect}. */
        void depose() {
            stepDownRequested = false;
            if (leader < 0) {
                return;
            }
            Member old = members.get(leader);
            old.readyInLog = false;
            old.readySignalPending = false;
            if (old.up) {
                old.deposedUnaware = true;
            }
            trace.accept("log: node " + leader + " no longer leads term " + term);
            leader = -1;
        }

        /**
         * A node that lost the lead learns it: its proposals in flight fail and, if it had been
         * told it was the ready leader, it is told it is not any more ({@code signalFirst}: in
         * that order, else the other way round).
         */
        void notice(int node, boolean signalFirst) {
            Member m = members.get(node);
            if (!m.deposedUnaware) {
                return;
            }
            m.deposedUnaware = false;
            trace.accept("log: node " + node + " learns it lost the lead");
            if (signalFirst) {
                signalNotLeader(m);
            }
            failInFlight(m, () -> new ReplicationException.NotLeaderException("node " + node + " lost the lead",
                    leader < 0 ? null : ids.get(leader)));
            if (!signalFirst) {
                signalNotLeader(m);
            }
        }

        private static void signalNotLeader(Member m) {
            if (m.readyTerm >= 0) {
                long t = m.readyTerm;
                m.readyTerm = -1;
                m.target.onNotLeader(t);
            }
        }

        /** Runs the oldest deferred failure; false when there is none. */
        boolean runDeferred() {
            if (deferred.isEmpty()) {
                return false;
            }
            deferred.remove(0).run();
            return true;
        }

        /** A node's process dies: its proposals fail, it leads no more. */
        void crash(int node) {
            Member m = members.get(node);
            if (leader == node) {
                depose();
            }
            m.up = false;
            m.deposedUnaware = false;
            m.readyInLog = false;
            m.readySignalPending = false;
            m.readyTerm = -1;
            failInFlight(m, () -> new ReplicationException("the replication server of node " + node + " is closed"));
        }

        /**
         * A node comes back with a new state machine. {@code fromDelivered}: the committed
         * entries it does not get again (0: the whole log is replayed, as Ratis does without a
         * snapshot).
         */
        void restart(int node, LogStateMachine target, int fromDelivered) {
            Member m = members.get(node);
            InvariantViolation.check(!m.up, "node " + node + " is already up");
            m.target = target;
            m.up = true;
            m.delivered = fromDelivered;
        }

        private static void failInFlight(Member m, java.util.function.Supplier<RuntimeException> why) {
            List<CompletableFuture<Committed>> fs = new ArrayList<>(m.inFlight);
            m.inFlight.clear();
            for (CompletableFuture<Committed> f : fs) {
                f.completeExceptionally(why.get());
            }
        }

        private static void fail(Member m, CompletableFuture<Committed> f, RuntimeException why) {
            m.inFlight.remove(f);
            f.completeExceptionally(why);
        }

        /** The proposal of the leader's oldest in-flight future times out; it may still commit. */
        boolean timeOutOldestProposal() {
            if (leader < 0) {
                return false;
            }
            Member m = members.get(leader);
            if (m.inFlight.isEmpty()) {
                return false;
            }
            CompletableFuture<Committed> f = m.inFlight.get(0);
            trace.accept("log: a proposal of node " + leader + " times out (it may still commit)");
            fail(m, f, new ReplicationException.ProposalTimeoutException("no reply in time"));
            return true;
        }

        /** Logs {@code payload} in the leader's tail as if the leader had proposed it. */
        boolean logForeign(byte[] payload, String what) {
            if (leader < 0) {
                return false;
            }
            tail.add(new Tail(term, payload, -1, null));
            trace.accept("log: the leader logs " + what + " in term " + term);
            return true;
        }

        /** Replaces the payload of tail entry {@code i} (a batch damaged before the leader logged it). */
        void replaceTail(int i, byte[] payload, String what) {
            Tail t = tail.get(i);
            tail.set(i, new Tail(t.term(), payload, t.proposer(), t.future()));
            trace.accept("log: " + what);
        }

        boolean everythingDelivered() {
            for (Member m : members) {
                if (m.up && m.delivered < committed.size()) {
                    return false;
                }
            }
            return true;
        }
    }
}
