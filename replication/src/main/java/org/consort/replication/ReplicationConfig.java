package org.consort.replication;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Everything that configures one node's replicated log, with every bound named in one place.
 *
 * @param groupId              the replication group; all peers of a network share it
 * @param self                 this node
 * @param initialPeers         the group's members when this node starts (includes {@code self});
 *                             a joining node lists the members it joins plus itself
 * @param storageDir           where the log, its metadata and snapshots live
 * @param proposalsInFlightMax proposals proposed and not yet completed, at most; beyond it
 *                             {@code propose} refuses at once
 * @param batchBytesMax        largest batch payload {@code propose} accepts
 * @param proposalTimeout      a proposal not committed within it fails (it may still commit)
 * @param electionTimeoutMin   lower bound of the randomised election timeout; raised from
 *                             Ratis' 150 ms because GC pauses and a 2-core machine cause spurious
 *                             elections otherwise
 * @param electionTimeoutMax   upper bound of the election timeout
 * @param rpcRequestTimeout    timeout of one replication RPC
 * @param stagingTimeout       how long a new peer may take to catch up before it is admitted
 *                             (Ratis' 900 ms default gave NOPROGRESS on this kind of machine)
 * @param adminRetryAttempts   attempts of one membership or leadership operation
 * @param adminRetrySleep      pause between those attempts
 * @param snapshotEveryEntries take a snapshot (and purge the log up to it) every this many
 *                             applied entries; 0 turns automatic snapshots off
 *
 * <p>Immutable; safe to share between threads.
 */
public record ReplicationConfig(UUID groupId, Peer self, List<Peer> initialPeers, Path storageDir,
                                int proposalsInFlightMax, int batchBytesMax, Duration proposalTimeout,
                                Duration electionTimeoutMin, Duration electionTimeoutMax, Duration rpcRequestTimeout,
                                Duration stagingTimeout, int adminRetryAttempts, Duration adminRetrySleep,
                                long snapshotEveryEntries) {
    /** Default for {@link #proposalsInFlightMax}. */
    public static final int DEFAULT_PROPOSALS_IN_FLIGHT_MAX = 1024;
    /** Default for {@link #batchBytesMax}: 4 MiB. */
    public static final int DEFAULT_BATCH_BYTES_MAX = 4 << 20;
    /** Largest {@link #batchBytesMax} allowed: the transport's message limit is derived from it. */
    public static final int BATCH_BYTES_LIMIT = 64 << 20;

    public ReplicationConfig {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(storageDir, "storageDir");
        initialPeers = List.copyOf(initialPeers);
        Set<String> ids = new HashSet<>();
        for (Peer p : initialPeers) {
            if (!ids.add(p.id())) {
                throw new IllegalArgumentException("peer id listed twice: " + p.id());
            }
        }
        if (!initialPeers.contains(self)) {
            throw new IllegalArgumentException("initialPeers must include this node " + self);
        }
        positive(proposalsInFlightMax, "proposalsInFlightMax");
        positive(batchBytesMax, "batchBytesMax");
        if (batchBytesMax > BATCH_BYTES_LIMIT) {
            throw new IllegalArgumentException("batchBytesMax " + batchBytesMax + " exceeds " + BATCH_BYTES_LIMIT);
        }
        positive(proposalTimeout, "proposalTimeout");
        positive(electionTimeoutMin, "electionTimeoutMin");
        positive(electionTimeoutMax, "electionTimeoutMax");
        if (electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
            throw new IllegalArgumentException("electionTimeoutMax " + electionTimeoutMax + " must exceed electionTimeoutMin "
                    + electionTimeoutMin);
        }
        positive(rpcRequestTimeout, "rpcRequestTimeout");
        positive(stagingTimeout, "stagingTimeout");
        positive(adminRetryAttempts, "adminRetryAttempts");
        positive(adminRetrySleep, "adminRetrySleep");
        if (snapshotEveryEntries < 0) {
            throw new IllegalArgumentException("snapshotEveryEntries must not be negative: " + snapshotEveryEntries);
        }
    }

    /** A configuration with the defaults measured to suit a small, noisy 2-core machine. */
    public static ReplicationConfig defaults(UUID groupId, Peer self, List<Peer> initialPeers, Path storageDir) {
        return new ReplicationConfig(groupId, self, initialPeers, storageDir, DEFAULT_PROPOSALS_IN_FLIGHT_MAX,
                DEFAULT_BATCH_BYTES_MAX, Duration.ofSeconds(30), Duration.ofMillis(1000), Duration.ofMillis(2000),
                Duration.ofSeconds(5), Duration.ofSeconds(60), 20, Duration.ofMillis(500), 0);
    }

    public ReplicationConfig withProposalsInFlightMax(int n) {
        return new ReplicationConfig(groupId, self, initialPeers, storageDir, n, batchBytesMax, proposalTimeout,
                electionTimeoutMin, electionTimeoutMax, rpcRequestTimeout, stagingTimeout, adminRetryAttempts,
                adminRetrySleep, snapshotEveryEntries);
    }

    public ReplicationConfig withBatchBytesMax(int n) {
        return new ReplicationConfig(groupId, self, initialPeers, storageDir, proposalsInFlightMax, n, proposalTimeout,
                electionTimeoutMin, electionTimeoutMax, rpcRequestTimeout, stagingTimeout, adminRetryAttempts,
                adminRetrySleep, snapshotEveryEntries);
    }

    public ReplicationConfig withSnapshotEveryEntries(long n) {
        return new ReplicationConfig(groupId, self, initialPeers, storageDir, proposalsInFlightMax, batchBytesMax,
                proposalTimeout, electionTimeoutMin, electionTimeoutMax, rpcRequestTimeout, stagingTimeout,
                adminRetryAttempts, adminRetrySleep, n);
    }

    public ReplicationConfig withElectionTimeouts(Duration min, Duration max) {
        return new ReplicationConfig(groupId, self, initialPeers, storageDir, proposalsInFlightMax, batchBytesMax,
                proposalTimeout, min, max, rpcRequestTimeout, stagingTimeout, adminRetryAttempts, adminRetrySleep,
                snapshotEveryEntries);
    }

    private static void positive(long v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + v);
        }
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
