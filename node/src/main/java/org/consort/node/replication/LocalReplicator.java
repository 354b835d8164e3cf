package org.consort.node.replication;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.consort.common.InvariantViolation;
import org.consort.common.TxId;
import org.consort.crypto.Identity;
import org.consort.kv.Store;
import org.consort.kv.Visibility;
import org.consort.kv.WriteSet;
import org.consort.ledger.Ledger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-node replicator: one writer thread appends executed transactions to the ledger
 * in version order, adds a signature entry every N entries or T ms, forces the file to disk and
 * then advances the commit point to the last durable signature. Group commit: one fsync covers
 * every entry written since the previous one.
 *
 * <p>Bounds: at most {@code pendingEntriesMax} executed transactions wait for the ledger
 * (reservations), plus at most one signature in flight; at most {@code BATCH_ENTRIES_MAX}
 * entries are written between two fsyncs.
 */
public final class LocalReplicator implements Replicator {
    private static final Logger LOG = LoggerFactory.getLogger(LocalReplicator.class);
    /** Entries written between two fsyncs at most. */
    public static final int BATCH_ENTRIES_MAX = 8192;

    private record Item(TxId txId, WriteSet writeSet) {
        boolean isSignature() {
            return writeSet == null;
        }
    }

    private final Store store;
    private final Ledger ledger;
    private final Identity nodeIdentity;
    private final long view;
    private final int signatureIntervalEntries;
    private final long signatureIntervalNanos;
    private final boolean fsync;
    private final InstantSource clock;
    private final LongConsumer onCommit;
    private final Consumer<Throwable> onFatal;
    private final Semaphore reservations;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile long committedSeqno;
    private volatile long lastSignedSeqno;
    private volatile boolean signaturePending;
    private volatile long pendingSignatureSeqno;
    private int entriesSinceSignature;
    private long lastSignatureNanos;

    /**
     * @param view           the view this node orders transactions in
     * @param committedSeqno the commit point at start (last signature found in the ledger)
     * @param unsignedEntries entries after that signature (a restart signs them soon)
     * @param onCommit       called on the writer thread with each new commit point
     * @param onFatal        called when the ledger cannot be written: the node must stop
     */
    public LocalReplicator(Store store, Ledger ledger, Identity nodeIdentity, long view, long committedSeqno,
            int unsignedEntries, int signatureIntervalEntries, long signatureIntervalMs, boolean fsync,
            int pendingEntriesMax, InstantSource clock, LongConsumer onCommit, Consumer<Throwable> onFatal) {
        this.store = store;
        this.ledger = ledger;
        this.nodeIdentity = nodeIdentity;
        this.view = view;
        this.committedSeqno = committedSeqno;
        this.lastSignedSeqno = committedSeqno;
        this.entriesSinceSignature = unsignedEntries;
        this.signatureIntervalEntries = signatureIntervalEntries;
        this.signatureIntervalNanos = TimeUnit.MILLISECONDS.toNanos(signatureIntervalMs);
        this.fsync = fsync;
        this.clock = clock;
        this.onCommit = onCommit;
        this.onFatal = onFatal;
        this.reservations = new Semaphore(pendingEntriesMax);
        this.lastSignatureNanos = nanos();
        this.writer = new Thread(this::run, "ledger-writer");
        this.writer.setDaemon(false);
    }

    public void start() {
        writer.start();
    }

    private long nanos() {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public long view() {
        return view;
    }

    @Override
    public boolean isPrimary() {
        return running;
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
        InvariantViolation.check(txId.view() == view, "append in view " + txId.view() + " while ordering in view " + view);
        queue.add(new Item(txId, ws));
    }

    @Override
    public long committedSeqno() {
        return committedSeqno;
    }

    public long lastSignedSeqno() {
        return lastSignedSeqno;
    }

    /**
     * Orders a signature entry now unless one is already on its way; returns the seqno it will
     * have (or of the one on its way). Used by the writer and at start, where the first entry of
     * a new view must be a signature so that the view is on disk before any TxID of it is issued.
     */
    public synchronized long requestSignature() {
        if (!signaturePending) {
            signaturePending = true;
            store.commit(store.writeTx(), ws -> {
                pendingSignatureSeqno = ws.version();
                queue.add(new Item(new TxId(view, ws.version()), null));
            });
        }
        return pendingSignatureSeqno;
    }

    /** Waits until {@code seqno} is committed; false on timeout or when the writer stopped. */
    public boolean awaitCommit(long seqno, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committedSeqno < seqno) {
            if (System.nanoTime() > deadline || !writer.isAlive()) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    private void run() {
        List<Item> batch = new ArrayList<>();
        try {
            while (running || !queue.isEmpty()) {
                long waitNanos = entriesSinceSignature > 0
                        ? Math.max(0, lastSignatureNanos + signatureIntervalNanos - nanos())
                        : signatureIntervalNanos;
                Item first = queue.poll(Math.max(waitNanos, 100_000), TimeUnit.NANOSECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH_ENTRIES_MAX - 1);
                }
                long signedInBatch = -1;
                for (Item item : batch) {
                    if (item.isSignature()) {
                        ledger.appendSignature(item.txId(), nodeIdentity);
                        signedInBatch = item.txId().seqno();
                        entriesSinceSignature = 0;
                        lastSignatureNanos = nanos();
                        signaturePending = false;
                    } else {
                        ledger.append(item.txId(), item.writeSet().serialize(Visibility.PUBLIC),
                                item.writeSet().serialize(Visibility.PRIVATE));
                        reservations.release();
                        entriesSinceSignature++;
                    }
                }
                batch.clear();
                if (!signaturePending && entriesSinceSignature > 0 && (entriesSinceSignature >= signatureIntervalEntries
                        || nanos() - lastSignatureNanos >= signatureIntervalNanos || !running)) {
                    requestSignature();
                }
                if (first != null || signedInBatch > 0) {
                    ledger.flush(fsync);
                }
                if (signedInBatch > 0) {
                    lastSignedSeqno = signedInBatch;
                    committedSeqno = signedInBatch;
                    onCommit.accept(signedInBatch);
                }
                if (!running && queue.isEmpty() && !signaturePending) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("ledger writer failed; the node must stop", t);
            running = false;
            onFatal.accept(t);
        }
    }

    /** Stops taking writes, signs and flushes what is queued, and waits for the writer. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
