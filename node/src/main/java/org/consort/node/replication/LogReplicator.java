package org.consort.node.replication;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.consort.common.InvariantViolation;
import org.consort.common.TxId;
import org.consort.crypto.Identity;
import org.consort.kv.Store;
import org.consort.kv.Visibility;
import org.consort.kv.WriteSet;
import org.consort.ledger.EntryKind;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerEntry;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.MerkleFrontier;
import org.consort.ledger.SignaturePayload;
import org.consort.replication.LogStateMachine;
import org.consort.replication.ReplicatedLog;
import org.consort.replication.ReplicationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Execute once, replicate results (architecture decision 1) on a {@link ReplicatedLog}.
 *
 * <p><b>On the primary</b> transactions run against the store's speculative head. Each write
 * set committed to the store is handed to {@link #append} in version order; one batcher thread
 * turns them into ledger entries (encrypted here, once), grows a speculative Merkle frontier,
 * adds a signature entry every N entries or T ms, and proposes batches of entries (bounded by
 * count, bytes and proposals in flight) to the log. The primary starts only when the log says it
 * leads and has applied every earlier entry, and it drops its speculative state (the store rolls
 * back to the last applied seqno) the moment it stops leading.
 *
 * <p><b>On every node</b>, the primary included, committed batches arrive in log order:
 * each entry is checked to continue the sequence (seqno dense, view equal to the log term),
 * applied to the store (unless it is this primary's own entry, already there), appended to the
 * ledger (which checks every signature against its own Merkle root) and, at each signature, the
 * commit point advances. A batch that does not fit is ignored the same way on every node, so the
 * nodes never diverge; an invariant that fails stops the node.
 *
 * <p><b>Fatal errors.</b> Anything thrown while a batch is applied (a ledger write that failed on
 * a full disk, a broken invariant, an error) or by the batcher is fatal: the replicator stops
 * ({@link #isPrimary} is false from then on), reports it once to {@code onFatal}, which must stop
 * the node, and the apply call throws it on to the log, which stops replicating on this node.
 * Every later call of the log's apply thread throws at once without reporting it again.
 *
 * <p><b>Threads.</b> {@link #append} runs under the store's commit lock (no other lock taken);
 * the log's apply thread calls {@link #applyBatch} and {@link #onLeaderReady}; the log's own
 * threads call {@link #onNotLeader}; the batcher thread builds and proposes batches. The
 * replicated state is guarded by one monitor, always taken before the store's commit lock.
 * A deterministic simulation starts it with {@link #startDriven} instead and makes every one
 * of these calls, batcher iterations included ({@link #pumpBatcher}), on one thread.
 */
public final class LogReplicator implements Replicator, LogStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(LogReplicator.class);

    /**
     * Bounds and cadence.
     *
     * @param signatureIntervalEntries a signature after at most this many entries
     * @param signatureIntervalMs      ... or after this long with unsigned entries
     * @param fsync                    force the ledger to disk at each batch with a signature
     * @param pendingEntriesMax        executed transactions not yet applied, at most (503 above)
     * @param batchEntriesMax          entries in one replicated batch, at most
     * @param batchBytesMax            bytes of one replicated batch, at most
     * @param proposalsInFlightMax     batches proposed and not yet completed, at most
     * @param entryBytesMax            largest ledger entry accepted from the log
     */
    public record Settings(int signatureIntervalEntries, long signatureIntervalMs, boolean fsync, int pendingEntriesMax,
                           int batchEntriesMax, int batchBytesMax, int proposalsInFlightMax, int entryBytesMax) {
        public Settings {
            if (signatureIntervalEntries < 1 || signatureIntervalMs < 1 || pendingEntriesMax < 1 || batchEntriesMax < 1
                    || proposalsInFlightMax < 1 || entryBytesMax < LedgerEntry.OVERHEAD) {
                throw new IllegalArgumentException("replicator settings must be positive: " + this);
            }
            if (batchBytesMax < entryBytesMax + EntryBatch.HEADER_BYTES + EntryBatch.PER_ENTRY_BYTES) {
                throw new IllegalArgumentException("batchBytesMax " + batchBytesMax + " must hold the largest entry ("
                        + entryBytesMax + " bytes) and the batch header");
            }
        }
    }

    private sealed interface Item permits WriteItem, SignatureItem {
        TxId txId();
    }

    private record WriteItem(TxId txId, WriteSet writeSet) implements Item {
    }

    private record SignatureItem(TxId txId) implements Item {
    }

    /** An entry this primary made that the log has not applied yet. */
    private record Pending(TxId txId, byte[] writeSetDigest, boolean reserved) {
    }

    private final Store store;
    private final Ledger ledger;
    private final LedgerSecrets secrets;
    private final Identity identity;
    private final org.consort.node.tx.ViewHistory views;
    private final Settings settings;
    private final InstantSource clock;
    private final LongConsumer onCommit;
    private final Consumer<Throwable> onFatal;
    private final Semaphore reservations;
    private final Semaphore proposals;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread batcher;
    private final Object mutex = new Object();
    private final AtomicLong ignoredBatches = new AtomicLong();
    private final AtomicLong proposedBatches = new AtomicLong();
    private final AtomicLong proposedEntries = new AtomicLong();
    private volatile ReplicatedLog log;
    private volatile boolean running = true;
    /** Started by {@link #startDriven}: no batcher thread; the caller pumps it (tests only). */
    private volatile boolean driven;
    private volatile Consumer<List<String>> membershipListener = ids -> { };
    private volatile LongConsumer afterApply = seqno -> { };
    private volatile Runnable onPrimary = () -> { };
    private volatile Runnable onInstalled = () -> { };
    private final java.security.SecureRandom snapshotRandom = new java.security.SecureRandom();

    // Guarded by mutex.
    private volatile long primaryView = -1;
    private long appliedSeqno;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private MerkleFrontier speculative;
    private int entriesSinceSignature;
    private long lastSignatureNanos;

    private volatile long committedSeqno;
    private volatile boolean signaturePending;
    private final Object signatureLock = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean steppingDown = new java.util.concurrent.atomic.AtomicBoolean();
    /** Items taken from the queue that did not fit the last batch (batcher thread only). */
    private final Deque<Item> carried = new ArrayDeque<>();

    /**
     * @param onCommit called on the apply thread with each new commit point
     * @param onFatal  called when the node cannot go on safely: it must stop
     */
    public LogReplicator(Store store, Ledger ledger, LedgerSecrets secrets, Identity identity,
            org.consort.node.tx.ViewHistory views, Settings settings, InstantSource clock, LongConsumer onCommit,
            Consumer<Throwable> onFatal) {
        this.store = Objects.requireNonNull(store);
        this.ledger = Objects.requireNonNull(ledger);
        this.secrets = Objects.requireNonNull(secrets);
        this.identity = Objects.requireNonNull(identity);
        this.views = Objects.requireNonNull(views);
        this.settings = Objects.requireNonNull(settings);
        this.clock = Objects.requireNonNull(clock);
        this.onCommit = Objects.requireNonNull(onCommit);
        this.onFatal = Objects.requireNonNull(onFatal);
        this.reservations = new Semaphore(settings.pendingEntriesMax());
        this.proposals = new Semaphore(settings.proposalsInFlightMax());
        this.appliedSeqno = ledger.lastSeqno();
        // A ledger that starts from a snapshot's base holds no signature of the entries up to it, which were signed.
        this.committedSeqno = Math.max(ledger.lastSignature().map(s -> s.txId().seqno()).orElse(0L), ledger.firstSeqno() - 1);
        InvariantViolation.check(store.version() == appliedSeqno, "the store (version " + store.version()
                + ") must hold exactly the ledger (last seqno " + appliedSeqno + ") when replication starts");
        this.batcher = new Thread(this::runBatcher, "ledger-batcher");
    }

    /**
     * Views are the log's terms plus this offset: 0 for a service's own log; a recovered service
     * starts a new log whose terms restart at 1, so its views continue after the old ledger's.
     */
    public void viewOffset(long offset) {
        InvariantViolation.check(offset >= 0, "view offset must not be negative");
        this.viewOffset = offset;
    }

    private volatile long viewOffset;
    private volatile long batchDelayNanos;

    /**
     * How long the batcher waits for more entries before it proposes a batch that is not full
     * (0, the default, proposes at once: batches then grow only while proposals are in flight).
     * Not used when driven on one thread.
     */
    public void batchDelay(java.time.Duration delay) {
        InvariantViolation.check(!delay.isNegative(), "batch delay must not be negative");
        this.batchDelayNanos = delay.toNanos();
    }

    private long viewOf(long term) {
        return term + viewOffset;
    }

    /** Connects the log that this replicator proposes to and is driven by; once, before {@link #start}. */
    public void attach(ReplicatedLog replicatedLog) {
        InvariantViolation.check(this.log == null, "a replicated log is already attached");
        this.log = Objects.requireNonNull(replicatedLog);
    }

    /**
     * The node loaded its state from the snapshot taken at ({@code term}, {@code index}), whose last
     * entry is {@code lastSeqno}, before the log started: when the log installs that snapshot at
     * start, there is nothing to do, nor to read. Once, before {@link #start}.
     */
    public void loadedFromSnapshot(long term, long index, long lastSeqno) {
        synchronized (mutex) {
            loadedSnapshot = new long[] {term, index, lastSeqno};
        }
    }

    /** (term, index, last seqno) of the snapshot loaded before the log started; null if none. Guarded by mutex. */
    private long[] loadedSnapshot;

    @Override
    public boolean holdsSnapshot(long term, long index) {
        synchronized (mutex) {
            return loadedSnapshot != null && loadedSnapshot[0] == term && loadedSnapshot[1] == index
                    && appliedSeqno >= loadedSnapshot[2];
        }
    }

    /** Called (from the log's threads) with the voting members after each membership change. */
    public void onMembership(Consumer<List<String>> listener) {
        this.membershipListener = Objects.requireNonNull(listener);
    }

    /** Called on the apply thread after each entry is applied, with its seqno (before the next entry). */
    public void afterApply(LongConsumer listener) {
        this.afterApply = Objects.requireNonNull(listener);
    }

    /** Called on the apply thread after a snapshot was installed (hooks did not run for what it skipped). */
    public void onInstalled(Runnable listener) {
        this.onInstalled = Objects.requireNonNull(listener);
    }

    /** Called on the apply thread each time this node becomes the primary of a new view. */
    public void onPrimary(Runnable listener) {
        this.onPrimary = Objects.requireNonNull(listener);
    }

    public void start() {
        InvariantViolation.check(log != null, "attach a replicated log before starting");
        lastSignatureNanos = nanos();
        batcher.start();
    }

    /**
     * Starts without the batcher thread, for a deterministic simulation that runs the whole
     * node on one thread: the caller runs each batcher iteration with {@link #pumpBatcher},
     * time comes only from the clock given at construction, and a step-down request goes to the
     * log on the calling thread (so the log's {@code stepDown} must only record it). The node
     * uses {@link #start}.
     */
    public void startDriven() {
        InvariantViolation.check(log != null, "attach a replicated log before starting");
        InvariantViolation.check(batcher.getState() == Thread.State.NEW && !driven, "the replicator is already started");
        driven = true;
        lastSignatureNanos = nanos();
    }

    /**
     * After {@link #startDriven}: one iteration of the batcher on the caller's thread, without
     * waiting (for items, or for room among the proposals in flight: what cannot be proposed
     * now waits for the next call). Returns true when a batch was proposed. A failure is fatal,
     * as on the batcher thread.
     */
    public boolean pumpBatcher() {
        InvariantViolation.check(driven, "pumpBatcher needs a replicator started with startDriven");
        if (!running) {
            return false;
        }
        try {
            return batchOnce(new ArrayList<>(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Throwable t) {
            fatal(t);
            return false;
        }
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---- Replicator: the primary's side -------------------------------------------------

    @Override
    public long view() {
        return primaryView;
    }

    @Override
    public boolean isPrimary() {
        return primaryView >= 0 && running;
    }

    @Override
    public Optional<String> primaryId() {
        ReplicatedLog l = log;
        if (l == null) {
            return Optional.empty();
        }
        try {
            return l.leaderId();
        } catch (ReplicationException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean tryReserve() {
        return reservations.tryAcquire();
    }

    @Override
    public void release() {
        reservations.release();
    }

    @Override
    public void append(TxId txId, WriteSet ws) {
        long v = primaryView;
        if (v < 0 || txId.view() != v || !running) {
            throw new NotPrimaryException("view " + txId.view() + " has ended on this node");
        }
        queue.add(new WriteItem(txId, ws));
    }

    @Override
    public long committedSeqno() {
        return committedSeqno;
    }

    /** The last seqno applied from the log (and written to this node's ledger). */
    public long appliedSeqno() {
        synchronized (mutex) {
            return appliedSeqno;
        }
    }

    /** Batches every node ignored because they did not continue the sequence. */
    public long ignoredBatches() {
        return ignoredBatches.get();
    }

    /** Batches this node proposed as primary. */
    public long proposedBatches() {
        return proposedBatches.get();
    }

    /** Entries in the batches this node proposed as primary. */
    public long proposedEntries() {
        return proposedEntries.get();
    }

    /**
     * Orders a signature entry now unless one is on its way or this node is not the primary.
     * The signature takes the next seqno through the store, like any transaction.
     */
    public void requestSignature() {
        synchronized (signatureLock) {
            long v = primaryView;
            if (signaturePending || v < 0) {
                return;
            }
            signaturePending = true;
            try {
                store.commit(store.writeTx(), ws -> {
                    if (primaryView != v) {
                        throw new NotPrimaryException("view " + v + " ended before its signature");
                    }
                    queue.add(new SignatureItem(new TxId(v, ws.version())));
                });
            } catch (NotPrimaryException e) {
                signaturePending = false;
            }
        }
    }

    private void runBatcher() {
        List<Item> items = new ArrayList<>();
        try {
            while (running) {
                batchOnce(items, true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fatal(t);
        }
    }

    /**
     * One batcher iteration (batcher thread, or the caller of {@link #pumpBatcher}): takes
     * items, proposes at most one batch, and orders a signature when one is due. When
     * {@code blocking}, waits for the first item (until a signature is due) and for room among
     * the proposals in flight; otherwise never waits, and items without room are carried to the
     * next iteration. {@code items} is empty on entry and on return. True when a batch was proposed.
     */
    private boolean batchOnce(List<Item> items, boolean blocking) throws InterruptedException {
        boolean proposed = false;
        items.addAll(carried);
        carried.clear();
        if (items.isEmpty()) {
            Item first;
            if (blocking) {
                long intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.signatureIntervalMs());
                long sinceSignature = nanos() - lastSignatureNanos;
                long waitNanos = entriesSinceSignature == 0 ? intervalNanos
                        : sinceSignature < 0 ? 100_000 : Math.max(100_000, intervalNanos - sinceSignature);
                first = queue.poll(waitNanos, TimeUnit.NANOSECONDS);
            } else {
                first = queue.poll();
            }
            if (first != null) {
                items.add(first);
            }
        }
        if (items.size() < settings.batchEntriesMax()) {
            queue.drainTo(items, settings.batchEntriesMax() - items.size());
        }
        long delay = batchDelayNanos;
        if (blocking && delay > 0 && !items.isEmpty() && items.size() < settings.batchEntriesMax()) {
            // Wait a little for more entries, so that fewer, larger batches carry them.
            long until = System.nanoTime() + delay;
            long left;
            while (items.size() < settings.batchEntriesMax() && (left = until - System.nanoTime()) > 0) {
                Item more = queue.poll(left, TimeUnit.NANOSECONDS);
                if (more == null) {
                    break;
                }
                items.add(more);
                queue.drainTo(items, settings.batchEntriesMax() - items.size());
            }
        }
        if (signatureDue(items.size())) {
            // Ordered now, the signature follows these entries in the same batch instead of a batch and a
            // replication round of its own: the entries committed meanwhile by other threads are queued before it.
            requestSignature();
            if (items.size() < settings.batchEntriesMax()) {
                queue.drainTo(items, settings.batchEntriesMax() - items.size());
            }
        }
        if (!items.isEmpty()) {
            // Wait for room outside the monitor; the view is checked again inside it.
            if (blocking) {
                proposals.acquire();
            } else if (!proposals.tryAcquire()) {
                carried.addAll(items);
                items.clear();
            }
            if (!items.isEmpty()) {
                proposed = proposeUnderMonitor(items);
                if (!proposed) {
                    proposals.release();
                }
                items.clear();
            }
        }
        if (signatureDue(0)) {
            requestSignature(); // the entries carried to the next iteration came after the check above
        }
        return proposed;
    }

    /**
     * Whether a signature is due once {@code taken} more entries (items taken from the queue, not
     * yet batched) are: after signatureIntervalEntries unsigned entries, or signatureIntervalMs after
     * the last signature with any unsigned entry. Batcher thread.
     */
    private boolean signatureDue(int taken) {
        long unsigned = entriesSinceSignature + (long) taken;
        if (!isPrimary() || signaturePending || unsigned == 0) {
            return false;
        }
        long sinceSignature = nanos() - lastSignatureNanos;
        // The clock is the wall clock: when it steps back past the last signature, how long ago that was is unknown.
        return unsigned >= settings.signatureIntervalEntries() || sinceSignature < 0
                || sinceSignature >= TimeUnit.MILLISECONDS.toNanos(settings.signatureIntervalMs());
    }

    /** Builds at most one batch from {@code items} and proposes it; true when a proposal was made. */
    private boolean proposeUnderMonitor(List<Item> items) {
        List<byte[]> batch = new ArrayList<>();
        long bytes = EntryBatch.HEADER_BYTES;
        synchronized (mutex) {
            long v = primaryView;
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                if (v < 0 || it.txId().view() != v) {
                    drop(it);
                    continue;
                }
                LedgerEntry e = entry(it);
                if (!batch.isEmpty() && bytes + EntryBatch.PER_ENTRY_BYTES + e.size() > settings.batchBytesMax()) {
                    // The entry is not recorded as pending: it is built again in the next batch.
                    carried.addAll(items.subList(i, items.size()));
                    break;
                }
                InvariantViolation.check(e.txId().seqno() == speculative.size() + 1, "entry " + e.txId()
                        + " does not follow the " + speculative.size() + " entries of the speculative ledger");
                speculative.append(e.leaf());
                pending.addLast(new Pending(e.txId(), e.writeSetDigest(), it instanceof WriteItem));
                batch.add(e.bytes());
                bytes += EntryBatch.PER_ENTRY_BYTES + e.size();
                if (it instanceof SignatureItem) {
                    entriesSinceSignature = 0;
                    lastSignatureNanos = nanos();
                    signaturePending = false;
                } else {
                    entriesSinceSignature++;
                }
            }
            if (batch.isEmpty()) {
                return false;
            }
            byte[] payload = EntryBatch.encode(batch);
            proposedBatches.incrementAndGet();
            proposedEntries.addAndGet(batch.size());
            log.propose(payload).whenComplete((c, t) -> {
                proposals.release();
                if (t != null) {
                    proposalFailed(v, t);
                }
            });
            return true;
        }
    }

    private LedgerEntry entry(Item it) {
        return switch (it) {
            case WriteItem w -> LedgerEntry.create(w.txId(), EntryKind.WRITE_SET, w.writeSet().serialize(Visibility.PUBLIC),
                    w.writeSet().serialize(Visibility.PRIVATE), new byte[32], secrets);
            case SignatureItem s -> {
                SignaturePayload p = SignaturePayload.sign(s.txId(), speculative.size(), speculative.root(), identity,
                        clock.instant());
                yield LedgerEntry.create(s.txId(), EntryKind.SIGNATURE, p.encode(), new byte[0], new byte[32], secrets);
            }
        };
    }

    /** An item of a view that ended: its version was rolled back; give back what it held. */
    private void drop(Item it) {
        if (it instanceof WriteItem) {
            reservations.release();
        }
    }

    private void proposalFailed(long view, Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        if (!running) {
            return;
        }
        if (c instanceof ReplicationException.ProposalTimeoutException) {
            // It may still commit; if the view ends instead, the speculation is dropped then. But the log may also
            // never have logged it while this node goes on leading (its answer is lost behind the timeout): a
            // signature proposed now tells which, since it follows the batch if the batch is in the log and leaves
            // a gap that every node ignores (ending this view) if not. Else, with nothing unsigned to prompt another
            // signature and no more writes, this primary would wait for the lost batch for ever.
            LOG.warn("a batch of view {} is not committed yet: {}", view, c.getMessage());
            if (primaryView == view) {
                requestSignature();
            }
            return;
        }
        // Not leader, overloaded or closed: what follows this batch cannot commit in order.
        LOG.warn("a batch of view {} was not accepted by the log ({}); dropping this view's speculative entries", view,
                c.getMessage());
        synchronized (mutex) {
            if (primaryView == view) {
                discard("a proposal failed: " + c.getMessage());
                stepDown();
            }
        }
    }

    /** The longest wait between two requests to step down. */
    static final long STEP_DOWN_RETRY_MS_MAX = 2_000;

    /** Waits of {@link #stepDownUntilDone}. */
    interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    /**
     * Asks the log to step down until this node no longer leads the term it asked in: a leader
     * whose view ended cannot write, and if one request is lost or refused the network would have
     * no primary until something else ended the term. Waits 100 ms after each request, doubling
     * up to {@link #STEP_DOWN_RETRY_MS_MAX}.
     */
    static void stepDownUntilDone(ReplicatedLog l, java.util.function.BooleanSupplier running, Sleeper sleeper)
            throws InterruptedException {
        long term = l.currentTerm();
        long waitMs = 100;
        for (int attempt = 1; running.getAsBoolean(); attempt++) {
            try {
                l.stepDown();
            } catch (RuntimeException e) {
                LOG.warn("could not step down after the view ended: {}", e.getMessage());
            }
            sleeper.sleep(waitMs);
            if (!l.isLeader() || l.currentTerm() != term) {
                return;
            }
            LOG.warn("still the leader of term {} without a view after {} requests to step down; asking again", term,
                    attempt);
            waitMs = Math.min(waitMs * 2, STEP_DOWN_RETRY_MS_MAX);
        }
    }

    // ---- LogStateMachine: every node ----------------------------------------------------

    @Override
    public void applyBatch(long term, long index, byte[] payload) {
        checkNotFailed();
        try {
            applyBatchOrThrow(term, index, payload);
        } catch (RuntimeException | Error t) {
            fatal(t);
            throw t;
        }
    }

    /** After a fatal error, the log's apply thread gets no further: it stops replicating on this node. */
    private void checkNotFailed() {
        Throwable f = fatalError;
        if (f != null) {
            throw new IllegalStateException("this node stopped after a fatal error: " + f, f);
        }
    }

    private void applyBatchOrThrow(long term, long index, byte[] payload) {
        List<LedgerEntry> entries;
        try {
            entries = EntryBatch.decode(payload, settings.entryBytesMax());
        } catch (EntryBatch.MalformedBatchException e) {
            // Every node decodes the same bytes the same way, so every node ignores it.
            ignore(term, index, "malformed: " + e.getMessage(), null);
            return;
        }
        if (entries.isEmpty()) {
            ignore(term, index, "no entries", null);
            return;
        }
        long lastSignature = -1;
        synchronized (mutex) {
            if (viewOf(term) < ledger.lastTxId().view()) {
                // Only a replay gets here: terms never decrease along the log and every applied entry's view is the
                // term it was logged in. Ratis replays the whole log after a restart (there is no snapshot), and this
                // batch was processed before the ledger's last entry was: what it applied is in the ledger already,
                // and what it did not (it was ignored, say for a gap) must stay out even if it now seems to fit the
                // ledger's end. Batches of the last entry's term or later decide as they did the first time.
                return;
            }
            String misfit = misfit(term, entries);
            if (misfit != null) {
                ignore(term, index, misfit, entries.get(0).txId());
                return;
            }
            for (LedgerEntry e : entries) {
                long s = e.txId().seqno();
                if (s <= appliedSeqno) {
                    continue; // replayed after a restart: already in the ledger and the store
                }
                applyOne(e);
                if (e.kind() == EntryKind.SIGNATURE) {
                    lastSignature = s;
                }
            }
        }
        ledger.flush(lastSignature > 0 && settings.fsync());
        if (lastSignature > 0) {
            committedSeqno = lastSignature;
            onCommit.accept(lastSignature);
        }
    }

    /** Why the batch cannot be applied, or null. Depends only on the log and the applied state. */
    private String misfit(long term, List<LedgerEntry> entries) {
        long expected = entries.get(0).txId().seqno();
        for (LedgerEntry e : entries) {
            if (e.txId().view() != viewOf(term)) {
                return "entry " + e.txId() + " was proposed in view " + e.txId().view() + " but logged in term " + term
                        + " (view " + viewOf(term) + ")";
            }
            if (e.txId().seqno() != expected) {
                return "entry " + e.txId() + " breaks the batch's sequence (expected seqno " + expected + ")";
            }
            expected++;
        }
        long first = entries.get(0).txId().seqno();
        if (first > appliedSeqno + 1) {
            return "batch starts at seqno " + first + " but seqno " + (appliedSeqno + 1) + " is next";
        }
        return null;
    }

    private void ignore(long term, long index, String why, TxId first) {
        ignoredBatches.incrementAndGet();
        LOG.warn("ignoring the batch at term {} index {}: {}", term, index, why);
        synchronized (mutex) {
            if (first != null && first.view() == primaryView) {
                discard("this primary's batch was ignored: " + why);
                stepDown();
            }
        }
    }

    /** Mutex held. */
    private void applyOne(LedgerEntry e) {
        long s = e.txId().seqno();
        Pending own = pending.peekFirst();
        boolean mine = own != null && own.txId().equals(e.txId()) && Arrays.equals(own.writeSetDigest(), e.writeSetDigest());
        if (mine) {
            pending.removeFirst();
            if (own.reserved()) {
                reservations.release();
            }
        } else {
            if (store.version() >= s || primaryView >= 0) {
                // Another primary's entry: it takes a seqno this node holds speculatively, or (when this node holds
                // none, all its entries applied) it still ends this node's view, which has lost the lead.
                discard("entry " + e.txId() + " from another primary ends this node's view");
            }
            InvariantViolation.check(store.version() == s - 1, "store at version " + store.version()
                    + " cannot apply entry " + e.txId());
            byte[] priv;
            try {
                priv = e.decryptPrivate(secrets);
            } catch (RuntimeException ex) {
                throw new InvariantViolation("entry " + e.txId() + " cannot be decrypted with this node's ledger secrets: "
                        + ex.getMessage());
            }
            WriteSet ws = e.kind() == EntryKind.WRITE_SET
                    ? WriteSet.deserialize(s, s - 1, e.publicPart(), priv)
                    : WriteSet.deserialize(s, s - 1, new byte[0], new byte[0]);
            store.apply(ws);
            if (e.txId().view() != views.currentView()) {
                views.startView(e.txId().view(), s);
            }
        }
        ledger.appendEntry(e);
        appliedSeqno = s;
        afterApply.accept(s);
    }

    /** Mutex held: forget every speculative entry and stop acting as primary. */
    private void discard(String why) {
        long v = primaryView;
        primaryView = -1;
        long dropped = store.version() - appliedSeqno;
        store.rollback(appliedSeqno);
        views.rollback(appliedSeqno);
        for (Pending p : pending) {
            if (p.reserved()) {
                reservations.release();
            }
        }
        pending.clear();
        speculative = null;
        signaturePending = false;
        if (v >= 0) {
            LOG.info("view {} ended on this node ({}); {} speculative entries after seqno {} dropped", v, why, dropped,
                    appliedSeqno);
        }
    }

    private void stepDown() {
        ReplicatedLog l = log;
        if (l == null || !running) {
            return;
        }
        if (driven) {
            // One thread runs everything: a thread of its own would make the order of events depend on the scheduler.
            l.stepDown();
            return;
        }
        if (!steppingDown.compareAndSet(false, true)) {
            return; // a step-down is already being asked for
        }
        Thread t = new Thread(() -> {
            try {
                stepDownUntilDone(l, () -> running, Thread::sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                steppingDown.set(false);
            }
        }, "step-down");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void onRejectedBatch(long term, long index, String reason) {
        // A checksum failure on this node only (every node checks its own copy): this node
        // can no longer follow the sequence, and must stop rather than diverge.
        fatal(new InvariantViolation("the committed batch at term " + term + " index " + index
                + " failed its checksum on this node: " + reason));
    }

    @Override
    public void onLeaderReady(long term) {
        checkNotFailed();
        try {
            leaderReady(term);
        } catch (RuntimeException | Error t) {
            fatal(t);
            throw t;
        }
    }

    private void leaderReady(long term) {
        long view = viewOf(term);
        synchronized (mutex) {
            if (primaryView >= 0) {
                discard("this node leads a new term " + term);
            }
            InvariantViolation.check(store.version() == appliedSeqno, "leader of term " + term + " holds store version "
                    + store.version() + " but applied seqno " + appliedSeqno);
            speculative = ledger.frontier();
            InvariantViolation.check(speculative.size() == appliedSeqno, "the ledger's Merkle tree holds "
                    + speculative.size() + " entries, not " + appliedSeqno);
            views.startView(view, appliedSeqno + 1);
            entriesSinceSignature = 0;
            lastSignatureNanos = nanos();
            primaryView = view;
            LOG.info("primary in view {} from seqno {}", view, appliedSeqno + 1);
        }
        // The first entry of a view is a signature: it commits what earlier views left unsigned.
        requestSignature();
        onPrimary.run();
    }

    @Override
    public void onNotLeader(long term) {
        synchronized (mutex) {
            if (primaryView == viewOf(term)) {
                discard("no longer the leader of term " + term);
            }
        }
    }

    /**
     * Takes this node's state as of its last signed seqno, plus the entries applied after it, for
     * a {@link NodeSnapshot}. Runs on the log's apply thread and holds the mutex only to force the
     * ledger to disk (the log may drop what the snapshot covers once it is written), freeze the
     * store's version and copy the tail; the returned writer serialises and encrypts the store
     * (with the ledger secret current now) and may run on another thread while batches are applied.
     */
    @Override
    public SnapshotWriter prepareSnapshot(long term, long index) throws IOException {
        checkNotFailed();
        try {
            return snapshotWriter(term, index);
        } catch (RuntimeException | Error t) {
            fatal(t);
            throw t;
        }
    }

    private SnapshotWriter snapshotWriter(long term, long index) throws IOException {
        Store.Frozen frozen;
        org.consort.ledger.LedgerBase base;
        List<byte[]> tail = new ArrayList<>();
        java.util.Map<Long, Long> viewStarts = new java.util.LinkedHashMap<>();
        LedgerSecrets.Secret secret;
        synchronized (mutex) {
            ledger.flush(true);
            long signed = Math.max(committedSeqno, ledger.firstSeqno() - 1);
            TxId at = ledger.txId(signed).orElseThrow(() -> new IOException("the ledger holds no entry at seqno " + signed));
            for (long q = signed + 1; q <= appliedSeqno; q++) {
                long seqno = q;
                tail.add(ledger.entry(q).orElseThrow(() -> new IOException("the ledger lacks applied seqno " + seqno)).bytes());
            }
            views.asMap().forEach((v, start) -> {
                if (start <= appliedSeqno) {
                    viewStarts.put(v, start);
                }
            });
            base = new org.consort.ledger.LedgerBase(at, ledger.frontier(signed));
            frozen = store.freeze(signed);
            secret = secrets.current();
        }
        return file -> {
            NodeSnapshot.write(file, term, index, base, viewStarts, frozen, tail, secret, snapshotRandom);
            LOG.info("snapshot at term {} index {}: store at seqno {}, {} entries after it", term, index,
                    base.last().seqno(), tail.size());
        };
    }

    /**
     * Installs a {@link NodeSnapshot}: at start (the latest local one, which the ledger already
     * covers: nothing to do but the entries it lacks), or because the leader sent one to this node,
     * too far behind or new. A node whose ledger ends before the snapshot's signed seqno starts its
     * ledger again from the snapshot's base (the old chunks are kept aside) and its store from the
     * snapshot's; then the entries after the base are applied as any others.
     */
    @Override
    public void installSnapshot(long term, long index, Path file) throws IOException {
        checkNotFailed();
        try {
            install(term, index, file);
        } catch (RuntimeException | Error t) {
            fatal(t);
            throw t;
        }
    }

    private void install(long term, long index, Path file) throws IOException {
        NodeSnapshot snap;
        try {
            snap = NodeSnapshot.read(file, secrets, settings.entryBytesMax());
        } catch (NodeSnapshot.MalformedSnapshotException e) {
            if (ledgerHolds(file)) {
                // A damaged snapshot of what this node's ledger holds already (the node started from an older one, or
                // from the whole ledger): the log may go on after it.
                LOG.warn("{}; this node's ledger holds every entry it covered (up to seqno {}), so it is not needed",
                        e.getMessage(), appliedSeqno());
                return;
            }
            throw new IOException(e.getMessage() + "; this node's ledger (up to seqno " + appliedSeqno() + ") does not hold"
                    + " what it covered, so the node cannot go on from it: move it aside and restart the node so that it"
                    + " gets a snapshot from the primary", e);
        }
        long base = snap.base().last().seqno();
        synchronized (mutex) {
            if (appliedSeqno >= snap.lastSeqno()) {
                return;
            }
            if (primaryView >= 0) {
                discard("installing a snapshot");
            }
            if (appliedSeqno < base) {
                LOG.info("installing the snapshot at term {} index {}: this node's ledger ends at seqno {}, the snapshot's store is"
                        + " at seqno {}; the ledger starts again from there", term, index, appliedSeqno, base);
                store.install(snap.store());
                ledger.rebase(snap.base());
                java.util.Map<Long, Long> known = new java.util.LinkedHashMap<>();
                snap.views().forEach((v, start) -> {
                    if (start <= base) {
                        known.put(v, start);
                    }
                });
                views.reset(known);
                appliedSeqno = base;
                committedSeqno = base;
            }
            for (byte[] bytes : snap.tail()) {
                LedgerEntry e;
                try {
                    e = LedgerEntry.parse(bytes);
                } catch (RuntimeException ex) {
                    throw new IOException("snapshot entry is malformed: " + ex.getMessage(), ex);
                }
                if (e.txId().seqno() > appliedSeqno) {
                    applyOne(e);
                }
            }
        }
        ledger.flush(true);
        onCommit.accept(committedSeqno);
        onInstalled.run();
    }

    /**
     * Whether the (damaged) snapshot in {@code file} covered nothing that the ledger does not hold:
     * its base and each of its entries match the ledger's, byte for byte.
     */
    private boolean ledgerHolds(Path file) {
        NodeSnapshot.Outline o;
        try {
            o = NodeSnapshot.outline(file, settings.entryBytesMax());
        } catch (IOException e) {
            return false;
        }
        long base = o.base().last().seqno();
        synchronized (mutex) {
            if (base < ledger.firstSeqno() - 1 || o.lastSeqno() > appliedSeqno
                    || !ledger.txId(base).equals(Optional.of(o.base().last()))
                    || !ledger.frontier(base).equals(o.base().frontier())) {
                return false;
            }
            for (int i = 0; i < o.tail().size(); i++) {
                byte[] expected = o.tail().get(i);
                if (!ledger.entry(base + 1 + i).map(e -> Arrays.equals(e.bytes(), expected)).orElse(false)) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void onMembershipChanged(List<String> peerIds) {
        membershipListener.accept(peerIds);
    }

    /** Stops the replicator and reports {@code t} to {@code onFatal}, the first time only. */
    private void fatal(Throwable t) {
        synchronized (fatalLock) {
            if (fatalError != null || !running) {
                return; // reported already, or closed: the node is stopping anyway
            }
            fatalError = t;
            running = false;
        }
        onFatal.accept(t);
    }

    private final Object fatalLock = new Object();
    /** The first fatal error; null while the replicator may go on. */
    private volatile Throwable fatalError;

    /** Stops the batcher; entries not applied yet stay in the log for whichever primary follows. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        batcher.interrupt();
        try {
            batcher.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
