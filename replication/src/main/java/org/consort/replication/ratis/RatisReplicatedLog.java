package org.consort.replication.ratis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.consort.common.InvariantViolation;
import org.consort.crypto.Identity;
import org.consort.replication.BatchFrame;
import org.consort.replication.Committed;
import org.consort.replication.LogStateMachine;
import org.consort.replication.Peer;
import org.consort.replication.PeerTrust;
import org.consort.replication.ReplicatedLog;
import org.consort.replication.ReplicationConfig;
import org.consort.replication.ReplicationException;
import org.consort.replication.ReplicationException.CorruptBatchException;
import org.consort.replication.ReplicationException.OverloadedException;
import org.consort.replication.ReplicationException.ProposalTimeoutException;
import org.consort.replication.StoredSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplicatedLog} on Apache Ratis over gRPC with mutual TLS. Proposals are submitted to
 * the local Ratis server directly (no loopback RPC); membership and leadership operations go
 * through a short-lived Ratis client with a bounded retry policy.
 *
 * <p>Settings follow {@code ratis-notes.md}: follower append compose off (a thread per append
 * otherwise), async flush (fsync pipelined, not the unsafe mode), raised election and RPC
 * timeouts and staging timeout for a small shared machine.
 *
 * <p>Threading: thread-safe. Start with {@link #start}; {@link #close} once.
 */
public final class RatisReplicatedLog implements ReplicatedLog {
    private static final Logger LOG = LoggerFactory.getLogger(RatisReplicatedLog.class);
    /** Closed log segments whose entries Ratis keeps on the heap besides the open one. */
    static final int LOG_SEGMENTS_CACHED_MAX = 1;

    private final ReplicationConfig config;
    private final RaftGroupId groupId;
    private final RaftPeerId selfId;
    private final PeerTrust trust;
    private final RaftProperties properties;
    private final Parameters parameters;
    private final RatisStateMachine stateMachine;
    private final RaftServer server;
    private final Semaphore inFlight;
    private final ClientId proposerId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RatisReplicatedLog(ReplicationConfig config, PeerTrust trust, RaftProperties properties, Parameters parameters,
                               RatisStateMachine stateMachine, RaftServer server) {
        this.config = config;
        this.groupId = RaftGroupId.valueOf(config.groupId());
        this.selfId = RaftPeerId.valueOf(config.self().id());
        this.trust = trust;
        this.properties = properties;
        this.parameters = parameters;
        this.stateMachine = stateMachine;
        this.server = server;
        this.inFlight = new Semaphore(config.proposalsInFlightMax());
    }

    /**
     * Starts this node's replication server: recovers its log and latest snapshot from
     * {@code config.storageDir()} (or creates them), then joins the group.
     *
     * @param node               this node's identity; its key id must be {@code config.self().id()}
     * @param serviceCertificate the service certificate that endorses every node certificate
     * @param clock              used for certificate validity checks during TLS handshakes
     */
    public static RatisReplicatedLog start(ReplicationConfig config, Identity node, X509Certificate serviceCertificate,
                                           LogStateMachine target, InstantSource clock) throws IOException {
        Objects.requireNonNull(target, "target");
        if (!node.id().equals(config.self().id())) {
            throw new IllegalArgumentException("node identity has key id " + node.id() + " but the configuration names this node "
                    + config.self().id());
        }
        PeerTrust trust = new PeerTrust(serviceCertificate, config.initialPeers().stream().map(Peer::id).toList(), clock);
        RaftProperties p = properties(config);
        Parameters params = new Parameters();
        GrpcTlsConfig tls = new GrpcTlsConfig(PeerTrust.keyManager(node, serviceCertificate), trust, true);
        GrpcConfigKeys.TLS.setConf(params, tls);
        GrpcConfigKeys.Server.setTlsConf(params, tls);
        GrpcConfigKeys.Admin.setTlsConf(params, tls);
        GrpcConfigKeys.Client.setTlsConf(params, tls);

        RatisStateMachine sm = new RatisStateMachine(target, ids -> {
            Set<String> members = new LinkedHashSet<>(ids);
            members.add(config.self().id());
            trust.setMembers(members);
        }, new SnapshotPolicy(config.snapshotEveryEntries(), SnapshotPolicy.randomFor(config.self().id())));
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(config.groupId()),
                config.initialPeers().stream().map(RatisReplicatedLog::raftPeer).toList());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(config.self().id()))
                .setGroup(group)
                .setProperties(p)
                .setParameters(params)
                .setStateMachine(sm)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        RatisReplicatedLog log = new RatisReplicatedLog(config, trust, p, params, sm, server);
        // A restarted node may have a newer membership in its log than its initial peer list.
        Set<String> members = new LinkedHashSet<>(config.initialPeers().stream().map(Peer::id).toList());
        members.addAll(log.peers().stream().map(Peer::id).toList());
        trust.setMembers(members);
        return log;
    }

    /**
     * The snapshot files kept in {@code storageDir} for {@code groupId} (Ratis' state machine
     * folder of that group), newest (highest log index) first, found without starting Ratis. A file
     * whose name does not follow Ratis' {@code snapshot.<term>_<index>} pattern is not one.
     */
    public static List<StoredSnapshot> storedSnapshots(Path storageDir, java.util.UUID groupId) throws IOException {
        Path dir = stateMachineDir(storageDir, groupId);
        List<StoredSnapshot> found = new ArrayList<>();
        if (!java.nio.file.Files.isDirectory(dir)) {
            return found;
        }
        try (var files = java.nio.file.Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                java.util.regex.Matcher m = SimpleStateMachineStorage.SNAPSHOT_REGEX.matcher(f.getFileName().toString());
                if (m.matches() && java.nio.file.Files.isRegularFile(f)) {
                    found.add(new StoredSnapshot(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), f));
                }
            }
        }
        found.sort(java.util.Comparator.comparingLong(StoredSnapshot::index).thenComparingLong(StoredSnapshot::term)
                .reversed());
        return found;
    }

    /** Ratis' folder of the snapshots of {@code groupId} under {@code storageDir}. */
    static Path stateMachineDir(Path storageDir, java.util.UUID groupId) {
        return storageDir.resolve(RaftGroupId.valueOf(groupId).getUuid().toString())
                .resolve(org.apache.ratis.server.storage.RaftStorageDirectory.STATE_MACHINE_DIR_NAME);
    }

    /**
     * Checks {@code snapshot} against the MD5 digest that Ratis keeps beside it (and sends with it
     * to a follower); an IOException says what is wrong. A snapshot without its digest file is
     * refused too: Ratis itself only takes such a file as its latest when no snapshot has one.
     */
    public static void verifyDigest(StoredSnapshot snapshot) throws IOException {
        java.io.File f = snapshot.file().toFile();
        MD5Hash expected;
        try {
            expected = MD5FileUtil.readStoredMd5ForFile(f);
        } catch (IOException e) {
            throw new IOException("its digest file " + MD5FileUtil.getDigestFileForFile(f).getName() + " is unreadable: "
                    + e.getMessage(), e);
        }
        if (expected == null) {
            throw new IOException("it has no digest file " + MD5FileUtil.getDigestFileForFile(f).getName());
        }
        MD5Hash actual = MD5FileUtil.computeMd5ForFile(f);
        if (!actual.equals(expected)) {
            throw new IOException("its MD5 " + actual + " does not match the " + expected + " recorded beside it");
        }
    }

    static RaftProperties properties(ReplicationConfig c) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, c.self().host());
        GrpcConfigKeys.Server.setPort(p, c.self().port());
        RaftServerConfigKeys.setStorageDir(p, List.of(c.storageDir().toFile()));

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, td(c.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, td(c.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, td(c.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, td(c.electionTimeoutMax()));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, td(c.rpcRequestTimeout()));
        RaftServerConfigKeys.setStagingTimeout(p, td(c.stagingTimeout()));

        // On 2 CPUs the composed follower append starts a thread per append; Ozone turns it off too.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
        // Pipelined fsync stays safe; unsafe-flush acknowledges before fsync (RATIS-1879).
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, true);
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);

        long frameMax = (long) c.batchBytesMax() + BatchFrame.OVERHEAD;
        long mib = 1L << 20;
        long appenderBuffer = Math.max(4 * mib, frameMax + mib);
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(appenderBuffer));
        // Ratis requires the log's write buffer to hold a whole appender buffer.
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(Math.max(8 * mib, appenderBuffer + mib)));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(Math.max(64 * mib, appenderBuffer + mib)));
        // Ratis keeps the entries of the open segment and of up to segment.cache.num.max closed ones on the heap
        // (6 of them by default): with 32 MiB segments that was up to 200 MiB of log entries that every young
        // collection copied and that then died in the old generation. The entries are applied within
        // milliseconds; a follower that falls behind is sent them from disk.
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(2 * frameMax + mib));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, LOG_SEGMENTS_CACHED_MAX);
        RaftServerConfigKeys.Write.setElementLimit(p, Math.max(4096, 2 * c.proposalsInFlightMax()));
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(Math.max(64 * mib, 2 * frameMax)));

        // Also when snapshots are only taken on request (snapshotEveryEntries 0): Ratis drops older files once it takes one.
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        if (c.snapshotEveryEntries() > 0) {
            RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
            RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.snapshotEveryEntries());
            RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
            // Purge as soon as a snapshot covers the entries, so a lagging peer gets the snapshot.
            RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(c.snapshotEveryEntries(), 1024));
        }
        return p;
    }

    private static TimeDuration td(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    static RaftPeer raftPeer(Peer p) {
        return RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build();
    }

    static Peer peer(RaftPeer p) {
        String a = p.getAddress();
        int colon = a.lastIndexOf(':');
        InvariantViolation.check(colon > 0, "peer " + p.getId() + " has an address without a port: " + a);
        return new Peer(p.getId().toString(), a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(groupId);
        } catch (IOException e) {
            throw new ReplicationException("replication group " + groupId + " is not running on this node: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Committed> propose(byte[] batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.length > config.batchBytesMax()) {
            return CompletableFuture.failedFuture(new OverloadedException("batch of " + batch.length
                    + " bytes exceeds batchBytesMax " + config.batchBytesMax()));
        }
        return submitFrame(BatchFrame.encode(batch));
    }

    /** Submits an already framed batch; tests use it to submit a damaged one. */
    CompletableFuture<Committed> submitFrame(byte[] frame) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ReplicationException("replicated log is closed"));
        }
        if (!inFlight.tryAcquire()) {
            return CompletableFuture.failedFuture(new OverloadedException(
                    "too many proposals in flight (proposalsInFlightMax " + config.proposalsInFlightMax() + ")"));
        }
        CompletableFuture<RaftClientReply> sent;
        try {
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(proposerId)
                    .setServerId(selfId)
                    .setGroupId(groupId)
                    .setCallId(callIds.incrementAndGet())
                    .setMessage(Message.valueOf(ByteString.copyFrom(frame)))
                    .setType(RaftClientRequest.writeRequestType())
                    .build();
            sent = server.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            inFlight.release();
            return CompletableFuture.failedFuture(new ReplicationException("cannot submit proposal: " + e.getMessage(), e));
        }
        sent.whenComplete((r, t) -> inFlight.release());
        long timeoutMs = config.proposalTimeout().toMillis();
        return sent.thenApply(this::committed)
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .exceptionallyCompose(t -> CompletableFuture.failedFuture(translate(t, timeoutMs)));
    }

    private Committed committed(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw failure(reply);
        }
        ByteBuffer b = reply.getMessage().getContent().asReadOnlyByteBuffer();
        byte status = b.get();
        long term = b.getLong();
        if (status == RatisStateMachine.REPLY_REJECTED) {
            byte[] text = new byte[b.remaining()];
            b.get(text);
            throw new CorruptBatchException("batch at index " + reply.getLogIndex() + " was rejected on apply: "
                    + new String(text, StandardCharsets.UTF_8));
        }
        return new Committed(term, reply.getLogIndex());
    }

    private ReplicationException failure(RaftClientReply reply) {
        NotLeaderException nle = reply.getNotLeaderException();
        if (nle != null) {
            return notLeader(nle);
        }
        if (reply.getLeaderNotReadyException() != null) {
            return new ReplicationException.NotLeaderException("this node is leader but not ready yet: "
                    + reply.getLeaderNotReadyException().getMessage(), selfId.toString());
        }
        if (reply.getLeaderSteppingDownException() != null) {
            return new ReplicationException.NotLeaderException("leader is stepping down: "
                    + reply.getLeaderSteppingDownException().getMessage(), null);
        }
        RaftException e = reply.getException();
        return new ReplicationException("proposal failed: " + (e == null ? reply : e.getMessage()), e);
    }

    private static ReplicationException.NotLeaderException notLeader(NotLeaderException e) {
        RaftPeer hint = e.getSuggestedLeader();
        return new ReplicationException.NotLeaderException("this node is not the leader"
                + (hint == null ? " and knows no leader" : "; try " + hint.getId()), hint == null ? null : hint.getId().toString());
    }

    private static ReplicationException translate(Throwable t, long timeoutMs) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ReplicationException r) {
            return r;
        }
        if (c instanceof TimeoutException) {
            return new ProposalTimeoutException("proposal not committed within " + timeoutMs + " ms; it may still commit");
        }
        if (c instanceof NotLeaderException nle) {
            return notLeader(nle);
        }
        return new ReplicationException("proposal failed: " + c, c);
    }

    @Override
    public String selfId() {
        return selfId.toString();
    }

    @Override
    public long currentTerm() {
        return division().getInfo().getCurrentTerm();
    }

    @Override
    public Optional<String> leaderId() {
        RaftPeerId id = division().getInfo().getLeaderId();
        return id == null ? Optional.empty() : Optional.of(id.toString());
    }

    @Override
    public boolean isLeader() {
        return division().getInfo().isLeader();
    }

    @Override
    public boolean isLeaderReady() {
        return division().getInfo().isLeaderReady();
    }

    @Override
    public long lastAppliedIndex() {
        return division().getInfo().getLastAppliedIndex();
    }

    PeerTrust trust() {
        return trust;
    }

    /** Batches rejected on apply because their checksum failed. */
    public long rejectedBatches() {
        return stateMachine.rejectedBatches();
    }

    @Override
    public List<Peer> peers() {
        Collection<RaftPeer> current = division().getRaftConf().getCurrentPeers();
        List<Peer> out = new ArrayList<>(current.size());
        for (RaftPeer p : current) {
            out.add(peer(p));
        }
        return out;
    }

    @Override
    public void trustPeer(String peerId) {
        trust.admit(peerId);
    }

    private RaftClient adminClient() {
        List<RaftPeer> members = division().getRaftConf().getCurrentPeers().stream().toList();
        RaftPeerId leader = division().getInfo().getLeaderId();
        RaftClient.Builder b = RaftClient.newBuilder()
                .setProperties(properties)
                .setParameters(parameters)
                .setRaftGroup(RaftGroup.valueOf(groupId, members))
                // The default policy retries forever without sleeping and spun on ReconfigurationInProgressException.
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(config.adminRetryAttempts(),
                        td(config.adminRetrySleep())));
        if (leader != null) {
            b.setLeaderId(leader);
        }
        return b.build();
    }

    @Override
    public void requestSnapshot() {
        stateMachine.requestSnapshot();
    }

    /** Index of the last snapshot Ratis was handed (it may drop the log up to it); -1 if none. For tests. */
    long reportedSnapshotIndex() {
        return stateMachine.reportedSnapshotIndex();
    }

    @Override
    public void stepDown() {
        if (closed.get() || !isLeader()) {
            return;
        }
        // A transfer to no one is Ratis' step-down request.
        TransferLeadershipRequest request = new TransferLeadershipRequest(proposerId, selfId, groupId,
                callIds.incrementAndGet(), null, config.rpcRequestTimeout().toMillis());
        try {
            server.transferLeadershipAsync(request).whenComplete((r, t) -> {
                if (t != null || !r.isSuccess()) {
                    LOG.warn("{}: stepping down failed: {}", selfId, t != null ? t.toString() : failure(r).getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot step down: {}", selfId, e.toString());
        }
    }

    @Override
    public void transferLeadership(String peerId, Duration timeout) {
        Objects.requireNonNull(peerId, "peerId");
        try (RaftClient client = adminClient()) {
            RaftClientReply reply = client.admin().transferLeadership(RaftPeerId.valueOf(peerId), timeout.toMillis());
            if (!reply.isSuccess()) {
                throw new ReplicationException("transfer of leadership to " + peerId + " failed: " + failure(reply).getMessage());
            }
        } catch (IOException e) {
            throw new ReplicationException("transfer of leadership to " + peerId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void addPeer(Peer peer) {
        Objects.requireNonNull(peer, "peer");
        List<Peer> now = peers();
        if (now.stream().anyMatch(p -> p.id().equals(peer.id()))) {
            throw new IllegalArgumentException("peer " + peer.id() + " is already a member");
        }
        trust.admit(peer.id());
        List<Peer> next = new ArrayList<>(now);
        next.add(peer);
        setConfiguration(next, "add peer " + peer.id());
    }

    @Override
    public void removePeer(String peerId) {
        List<Peer> now = peers();
        List<Peer> next = now.stream().filter(p -> !p.id().equals(peerId)).toList();
        if (next.size() == now.size()) {
            throw new IllegalArgumentException("peer " + peerId + " is not a member");
        }
        if (next.isEmpty()) {
            throw new IllegalArgumentException("cannot remove the last member " + peerId);
        }
        setConfiguration(next, "remove peer " + peerId);
    }

    private void setConfiguration(List<Peer> members, String what) {
        try (RaftClient client = adminClient()) {
            RaftClientReply reply = client.admin().setConfiguration(members.stream().map(RatisReplicatedLog::raftPeer).toList());
            if (!reply.isSuccess()) {
                throw new ReplicationException(what + " failed: " + failure(reply).getMessage());
            }
            LOG.info("{}: {} committed; members now {}", selfId, what, members.stream().map(Peer::id).toList());
        } catch (IOException e) {
            throw new ReplicationException(what + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.warn("{}: error while closing the replication server: {}", selfId, e.toString());
        }
    }
}
