package org.consort.replication.ratis;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftConfigurationProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.consort.replication.BatchFrame;
import org.consort.replication.LogStateMachine;
import org.consort.replication.ReplicationException.CorruptBatchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts our {@link LogStateMachine} to Ratis: unframes and checks each committed batch, turns
 * Ratis' leadership notifications into leader-ready / not-leader signals, and keeps snapshots
 * as single files in Ratis' state machine directory.
 *
 * <p>Threading: Ratis calls {@code applyTransaction}, {@code takeSnapshot}, {@code reinitialize}
 * and {@code notifyLeaderReady} on its one state machine updater thread; leadership and
 * configuration notifications come from server threads. Leadership signals are serialised by
 * a lock so "not leader" never overtakes "leader ready" of the same term.
 *
 * <p>Snapshots are taken when Ratis asks ({@link #takeSnapshot}, past its threshold) and the
 * {@link SnapshotPolicy} finds one due, or right after the batch during which one was
 * {@linkplain #requestSnapshot requested}; either is written in the background and handed to
 * Ratis once written.
 */
final class RatisStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(RatisStateMachine.class);
    static final byte REPLY_APPLIED = 0;
    static final byte REPLY_REJECTED = 1;

    private final LogStateMachine target;
    private final Consumer<Set<String>> onMembers;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Object leadership = new Object();
    /** Term in which this node signalled leader-ready and has not yet signalled not-leader; -1 if none. */
    private long readyTerm = -1;
    private final AtomicLong rejectedBatches = new AtomicLong();
    private volatile Path tmpDir;
    /** Writes prepared snapshots off the apply thread, one at a time. */
    private final java.util.concurrent.ExecutorService snapshotWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snapshot-writer");
        t.setDaemon(true);
        return t;
    });
    /** The snapshot being written, with its index; null if none. Apply thread only. */
    private volatile CompletableFuture<Long> writing;
    /** Size of the snapshot file written last; written by the snapshot writer, read after it completed. */
    private volatile long snapshotBytes;
    /** How long closing waits for a snapshot being written. */
    static final long SNAPSHOT_CLOSE_WAIT_MS = 60_000;

    /** When a snapshot is due beyond Ratis' own threshold, or whether one was requested. Apply thread only, but for requests. */
    private final SnapshotPolicy snapshotPolicy;
    /**
     * The snapshot being written was requested and taken after a batch, not when Ratis asked: Ratis does not ask
     * again below its threshold, so once it is written this asks Ratis to take it (purge the log, drop old files).
     * Apply thread only.
     */
    private boolean writingRequested;
    /** Ratis was asked to take the requested snapshot once it was written (cleared if that failed). */
    private volatile boolean reportAsked;
    /** Index of the last snapshot handed to Ratis by {@link #takeSnapshot}; -1 if none. */
    private volatile long reportedIndex = -1;
    private final ClientId reporterId = ClientId.randomId();
    private final AtomicLong reportCalls = new AtomicLong();
    /** How long Ratis may take to act on a request to take the written snapshot. */
    static final long REPORT_TIMEOUT_MS = 60_000;

    RatisStateMachine(LogStateMachine target, Consumer<Set<String>> onMembers, SnapshotPolicy snapshotPolicy) {
        this.target = target;
        this.onMembers = onMembers;
        this.snapshotPolicy = snapshotPolicy;
    }

    long rejectedBatches() {
        return rejectedBatches.get();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        tmpDir = raftStorage.getStorageDir().getTmpDir().toPath();
        deleteUnfinishedSnapshots();
        getLifeCycle().startAndTransition(this::loadLatestSnapshot);
    }

    @Override
    public void pause() {
        // Ratis pauses the state machine before it installs a snapshot sent by the leader.
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        // Called after the leader installed a snapshot on this follower: one of ours being written is older.
        awaitWriting(SNAPSHOT_CLOSE_WAIT_MS);
        loadLatestSnapshot();
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo s = storage.loadLatestSnapshot();
        if (s == null) {
            return;
        }
        TermIndex ti = s.getTermIndex();
        snapshotPolicy.written(Files.size(s.getFile().getPath()));
        TermIndex applied = getLastAppliedTermIndex();
        if (applied != null && applied.getIndex() >= ti.getIndex()) {
            return;
        }
        Path file = s.getFile().getPath();
        if (target.holdsSnapshot(ti.getTerm(), ti.getIndex())) {
            // The node started from this snapshot (and the ledger after it) before the log did.
            LOG.info("{}: snapshot {} at term {} index {} was loaded at start", getId(), file.getFileName(), ti.getTerm(),
                    ti.getIndex());
        } else {
            if (s.getFile().getFileDigest() != null) {
                try {
                    MD5FileUtil.verifySavedMD5(file.toFile(), s.getFile().getFileDigest());
                } catch (IOException e) {
                    // The node checks the file by a digest of its own and decides whether it can do without it.
                    LOG.warn("{}: snapshot {} does not match its MD5 digest: {}", getId(), file.getFileName(), e.getMessage());
                }
            }
            LOG.info("{}: installing snapshot {} at term {} index {}", getId(), file.getFileName(), ti.getTerm(),
                    ti.getIndex());
            target.installSnapshot(ti.getTerm(), ti.getIndex(), file);
        }
        setLastAppliedTermIndex(ti);
        reportedIndex = ti.getIndex();
        snapshotPolicy.started();
    }

    /**
     * Ratis asks after applying, for as long as a snapshot is due. The state is taken on this
     * (the apply) thread and written by {@link #snapshotWriter} while batches go on being applied;
     * until it is written this answers -1 (none new), then its index once, which lets Ratis purge
     * the log up to it. A snapshot that failed to be written is reported as an IOException (Ratis
     * logs it and asks again later).
     */
    @Override
    public long takeSnapshot() throws IOException {
        if (writing != null) {
            if (!writing.isDone()) {
                return -1;
            }
            long index = collectWritten();
            reportedIndex = index;
            return index;
        }
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
        if (latest != null && latest.getIndex() >= last.getIndex()) {
            reportedIndex = latest.getIndex();
            return latest.getIndex();
        }
        if (!snapshotPolicy.due(last.getIndex() - (latest == null ? 0 : latest.getIndex()))) {
            return -1; // Ratis asks again after the next batch
        }
        // A requested one is handed to Ratis by the batch after it is written: Ratis may not ask again before long.
        startSnapshot(last, snapshotPolicy.requested());
        return -1;
    }

    /** The index of the snapshot written, which is done, or an IOException if it failed; none is being written after. */
    private long collectWritten() throws IOException {
        CompletableFuture<Long> done = writing;
        writing = null;
        writingRequested = false;
        try {
            long index = done.join();
            snapshotPolicy.written(snapshotBytes);
            return index;
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IOException("the snapshot could not be written: " + c.getMessage(), c);
        }
    }

    /**
     * Takes the state as of {@code last} (the last applied batch) now, on the apply thread, and
     * writes it on {@link #snapshotWriter}; {@code requested} when it is taken right after a
     * batch because it was requested, not because Ratis asked.
     */
    private void startSnapshot(TermIndex last, boolean requested) throws IOException {
        // Batches applied while it is written are not in it: they count towards the next one. A request made from now on
        // is answered by this snapshot, taken after it.
        snapshotPolicy.started();
        LogStateMachine.SnapshotWriter w = target.prepareSnapshot(last.getTerm(), last.getIndex());
        writing = CompletableFuture.supplyAsync(() -> {
            try {
                write(w, last);
                return last.getIndex();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, snapshotWriter);
        writingRequested = requested;
        reportAsked = false;
    }

    /**
     * Asks for a snapshot at the next opportunity, whatever the schedule (governance's
     * {@code trigger_snapshot}). Made on the apply thread while a batch is applied, the snapshot
     * is taken right after that batch, so nodes that make the request at the same batch take
     * their snapshots at the same index; made elsewhere, after the next batch. If a snapshot is
     * being written then, the requested one follows once it is written and handed to Ratis.
     * Any thread.
     */
    void requestSnapshot() {
        snapshotPolicy.request();
    }

    /** After each applied batch (apply thread): takes a requested snapshot, or gets a written one to Ratis. */
    private void afterBatch(long term, long index) {
        CompletableFuture<Long> w = writing;
        if (w != null && w.isDone() && snapshotPolicy.requested()) {
            // A request waits for it: it is done with here, and Ratis is handed the requested one, newer, instead.
            try {
                collectWritten();
            } catch (IOException e) {
                LOG.error("{}: {}", getId(), e.getMessage(), e);
            }
            w = null;
        }
        if (w == null) {
            if (snapshotPolicy.requested()) {
                try {
                    startSnapshot(TermIndex.valueOf(term, index), true);
                } catch (IOException e) {
                    LOG.error("{}: the requested snapshot at term {} index {} could not be taken: {}", getId(), term, index,
                            e.getMessage(), e);
                }
            }
        } else if (w.isDone() && writingRequested && !reportAsked) {
            reportAsked = true;
            askRatisToTakeWritten();
        }
    }

    /**
     * Asks Ratis to take a snapshot now, which it does on the apply thread by calling
     * {@link #takeSnapshot}: that hands it the one written, so Ratis drops the log it covers and
     * the snapshot files beyond those it retains. Ratis does nothing unless a batch was applied
     * after the latest snapshot (its creation gap, set to 1 here), which holds after a batch.
     */
    private void askRatisToTakeWritten() {
        RaftServer server = getServer().getNow(null);
        if (server == null) {
            return;
        }
        SnapshotManagementRequest r = SnapshotManagementRequest.newCreate(reporterId, getId(), getGroupId(),
                reportCalls.incrementAndGet(), REPORT_TIMEOUT_MS, 1);
        server.snapshotManagementAsync(r).whenComplete((reply, t) -> {
            if (t != null || !reply.isSuccess()) {
                // Asked again after the next batch.
                reportAsked = false;
                LOG.warn("{}: Ratis did not take the written snapshot: {}", getId(), t != null ? t.toString()
                        : reply.getException());
            }
        });
    }

    /** Index of the last snapshot handed to Ratis (which may then drop the log up to it); -1 if none. */
    long reportedSnapshotIndex() {
        return reportedIndex;
    }

    private void write(LogStateMachine.SnapshotWriter w, TermIndex last) throws IOException {
        long started = System.nanoTime();
        File target = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Files.createDirectories(tmpDir);
        Path tmp = Files.createTempFile(tmpDir, "snapshot-", ".part");
        MD5Hash md5;
        try {
            w.write(tmp);
            Files.createDirectories(target.toPath().getParent());
            // The digest file first: Ratis, looking at the folder meanwhile, never sees a snapshot without one.
            md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
            MD5FileUtil.saveMD5File(target, md5);
            Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        snapshotBytes = Files.size(target.toPath());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), last));
        LOG.info("{}: snapshot taken at term {} index {} in {} ms", getId(), last.getTerm(), last.getIndex(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Waits for the snapshot being written, if any; whether it was written matters no more. */
    private void awaitWriting(long timeoutMs) {
        CompletableFuture<Long> w = writing;
        if (w == null) {
            return;
        }
        try {
            w.get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("{}: the snapshot being written did not complete: {}", getId(), e.toString());
        }
        writing = null;
        writingRequested = false;
    }

    /** Files a crash left half-written; the snapshots themselves only appear once complete. */
    private void deleteUnfinishedSnapshots() throws IOException {
        if (!Files.isDirectory(tmpDir)) {
            return;
        }
        try (var files = Files.newDirectoryStream(tmpDir, "snapshot-*.part")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long term = entry.getTerm();
        long index = entry.getIndex();
        byte[] frame = entry.getStateMachineLogEntry().getLogData().toByteArray();
        byte[] payload;
        try {
            payload = BatchFrame.decode(frame);
        } catch (CorruptBatchException e) {
            rejectedBatches.incrementAndGet();
            LOG.error("{}: rejected batch at term {} index {}: {}", getId(), term, index, e.getMessage());
            target.onRejectedBatch(term, index, e.getMessage());
            updateLastAppliedTermIndex(term, index);
            return CompletableFuture.completedFuture(reply(REPLY_REJECTED, term, e.getMessage()));
        }
        // An exception from the node escapes to Ratis, which stops this server: stop loudly, never diverge.
        target.applyBatch(term, index, payload);
        snapshotPolicy.applied(frame.length);
        updateLastAppliedTermIndex(term, index);
        afterBatch(term, index);
        return CompletableFuture.completedFuture(reply(REPLY_APPLIED, term, ""));
    }

    private static Message reply(byte status, long term, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + Long.BYTES + t.length);
        b.put(status).putLong(term).put(t);
        return Message.valueOf(ByteString.copyFrom(b.array()));
    }

    @Override
    public void notifyLeaderReady() {
        RaftServer.Division division = division();
        if (division == null) {
            return;
        }
        synchronized (leadership) {
            long term = division.getInfo().getCurrentTerm();
            if (!division.getInfo().isLeader() || readyTerm == term) {
                return;
            }
            readyTerm = term;
            target.onLeaderReady(term);
        }
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        if (newLeaderId == null || !newLeaderId.equals(groupMemberId.getPeerId())) {
            stepDown();
        }
    }

    @Override
    public void notifyNotLeader(Collection<TransactionContext> pendingEntries) {
        stepDown();
    }

    /** Signals not-leader once for the term in which leader-ready was signalled. */
    void stepDown() {
        synchronized (leadership) {
            if (readyTerm >= 0) {
                long term = readyTerm;
                readyTerm = -1;
                target.onNotLeader(term);
            }
        }
    }

    @Override
    public void notifyConfigurationChanged(long term, long index, RaftConfigurationProto conf) {
        Set<String> ids = new LinkedHashSet<>();
        for (RaftPeerProto p : conf.getPeersList()) {
            ids.add(p.getId().toStringUtf8());
        }
        List<String> current = new ArrayList<>(ids);
        // During a joint configuration the old members still take part: keep trusting them.
        for (RaftPeerProto p : conf.getOldPeersList()) {
            ids.add(p.getId().toStringUtf8());
        }
        onMembers.accept(ids);
        if (conf.getOldPeersCount() == 0) {
            target.onMembershipChanged(List.copyOf(current));
        }
    }

    @Override
    public void close() throws IOException {
        stepDown();
        awaitWriting(SNAPSHOT_CLOSE_WAIT_MS);
        snapshotWriter.shutdownNow();
        super.close();
    }

    private RaftServer.Division division() {
        try {
            return getServer().getNow(null) == null ? null : getServer().getNow(null).getDivision(getGroupId());
        } catch (IOException e) {
            return null;
        }
    }
}
