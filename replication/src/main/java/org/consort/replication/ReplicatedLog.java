package org.consort.replication;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A replicated, ordered log of opaque batches with leader election: the leader proposes
 * batches, a majority commits them, and every node's {@link LogStateMachine} applies them in
 * the same order.
 *
 * <p>Threading: every method is thread-safe. {@link #propose} never blocks; the membership
 * methods block for at most their bounded retries.
 */
public interface ReplicatedLog extends AutoCloseable {

    /**
     * Leader only: proposes one batch. Completes with its term and index once a majority has
     * committed it and this node has applied it; fails with
     * {@link ReplicationException.NotLeaderException} (with a leader hint when known),
     * {@link ReplicationException.OverloadedException} when too many proposals are in flight
     * or the batch is too large, {@link ReplicationException.ProposalTimeoutException}, or
     * another {@link ReplicationException}.
     *
     * <p>Batches proposed one after another by one thread are logged in that order (tested with
     * 10,000 in flight windows of 256); a batch whose proposal failed may still be committed, so
     * the applier must check its own sequence numbers.
     */
    CompletableFuture<Committed> propose(byte[] batch);

    /** Id of this node. */
    String selfId();

    /** The current term (the view). */
    long currentTerm();

    /** The leader this node knows of, if any. */
    Optional<String> leaderId();

    /** True when this node is the leader. */
    boolean isLeader();

    /** True when this node is the leader and has applied every entry of earlier terms. */
    boolean isLeaderReady();

    /** Index of the last entry applied on this node. */
    long lastAppliedIndex();

    /** The group's current voting members. */
    List<Peer> peers();

    /**
     * Lets a peer that is not (yet) a member connect: every current member must trust a node
     * before it is added, since the leader starts copying the log to it before the change
     * commits. Membership changes update the trusted set by themselves afterwards.
     */
    void trustPeer(String peerId);

    /**
     * Asks for a snapshot at the next opportunity, whatever the schedule (governance's
     * {@code trigger_snapshot}). Made while a batch is applied (from
     * {@link LogStateMachine#applyBatch}), the snapshot is taken right after that batch, so the
     * nodes, which make the same request at the same batch, take theirs at the same index. Made
     * from another thread, it is taken after the next batch. If a snapshot is being written then,
     * the requested one follows it. Taken even when scheduled snapshots are off.
     */
    void requestSnapshot();

    /**
     * If this node leads, gives up leadership so that a new term starts (this node may win it
     * again); returns at once, the election follows.
     */
    void stepDown();

    /** Asks the leader to hand leadership to {@code peerId}; waits up to {@code timeout}. */
    void transferLeadership(String peerId, Duration timeout);

    /** Adds a voting member; returns when the new configuration is committed. */
    void addPeer(Peer peer);

    /** Removes a voting member; returns when the new configuration is committed. */
    void removePeer(String peerId);

    /** Stops this node's replication server; proposals in flight fail. */
    @Override
    void close();
}
