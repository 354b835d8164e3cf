package org.consort.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.consort.common.InvariantViolation;
import org.consort.common.TxId;
import org.consort.crypto.Identity;

/**
 * The ledger of one node: an append-only sequence of entries (seqno 1, 2, ...) in chunk
 * files of one directory, with the Merkle tree over them and the signature entries that sign
 * its roots. The ledger is the source of truth on disk; {@link #open} replays it.
 *
 * <p><b>IV uniqueness.</b> The AES-GCM IV of an entry is (seqno, view). Within one view the
 * primary gives each seqno to one entry only; a seqno is reused only after a rollback
 * ({@link #truncate}), and the replacement comes from a higher view. This class enforces it:
 * an entry with a private part at a seqno that was truncated away must have a view above
 * every truncated entry, and after {@link #open} such entries must have a view above every
 * view in the files (unflushed entries lost in a crash may have used the last view).
 *
 * <p><b>Failed writes.</b> Entries are buffered and written to the open chunk in whole
 * entries. When a write, truncation, fsync or rename of a chunk fails (a full disk, an I/O
 * error), the ledger fails for good: the buffered entries are discarded, never written again
 * (a retried partial buffer would put the start of the buffer on disk a second time, after the
 * bytes the failed write left, and make the file corrupt), the open chunk is cut back to its
 * last entry written in full when the file system allows it, and every later append, flush,
 * truncation or rebase throws, naming the first failure ({@link #failure()}). What the cut could
 * not remove is a prefix of the entries that were being written, which {@link #open} drops as a
 * torn tail. A node whose ledger failed must stop; on restart its log gives it the entries again.
 *
 * <p><b>Torn tail.</b> {@link #open} accepts damage in one place only: the end of the open chunk,
 * where an unfinished last write leaves the first bytes of an entry (possibly followed by zeros).
 * Such a tail is cut off and reported in {@link #openReport()}. A damaged entry that is complete
 * with a matching digest, whose length field contradicts its header, or that is followed by a
 * complete entry (with a seqno not below its own) is corruption: {@link LedgerCorruptException}
 * names the file and seqno. See {@link ChunkFiles#scan}.
 *
 * <p><b>Threads.</b> One writer thread appends, truncates and flushes, in seqno order. All
 * methods are synchronized, so readers ({@link #receipt}, {@link #lastSignature},
 * {@link #entry}) may run on other threads.
 */
public final class Ledger implements AutoCloseable {
    private final Path dir;
    private final LedgerConfig config;
    private final LedgerSecrets secrets;
    private MerkleTree tree;
    /** Seqno of the last entry summarised by the folder's base (0 when the folder holds every entry). */
    private long baseSeqno;
    private TxId baseTxId = new TxId(0, 0);
    private final List<ChunkFiles.Chunk> chunks = new ArrayList<>();
    private long[] offsets = new long[1024];
    private long[] signatureSeqnos = new long[64];
    private int signatureCount;
    private SignaturePayload lastSignature;
    private TxId lastTxId = new TxId(0, 0);
    private final OpenReport openReport;

    private final long viewFloorAfterOpen;
    private final boolean reopenedWithEntries;
    private long truncatedUpToSeqno;
    private long truncatedMaxView = -1;

    /** Held locked while open, so two nodes can never write one directory. */
    static final String LOCK_FILE = "consort-ledger.lock";
    private final FileChannel lockChannel;
    private FileChannel openChannel;
    private final ByteBuffer buffer;
    private long openChunkSize;
    /** Bytes of the open chunk written to the file in whole entries (the buffer holds the rest). */
    private long openFlushedSize;
    private boolean closed;
    /** The first write that failed; once set, nothing is written any more. */
    private IOException failure;
    private final ChunkChannels channels;

    /** Opens the chunk files the ledger writes; tests substitute channels that fail like a full disk. */
    @FunctionalInterface
    interface ChunkChannels {
        FileChannel open(Path file, java.nio.file.OpenOption... options) throws IOException;
    }
    /** Receipts for recent entries all use the latest few signatures: keep them decoded. */
    private final java.util.LinkedHashMap<Long, SignaturePayload> recentSignatures = new java.util.LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, SignaturePayload> eldest) {
            return size() > 16;
        }
    };

    /** What {@link #open} found: entries and signatures replayed, and any torn tail it dropped. */
    public record OpenReport(long entries, long signatures, TxId lastTxId, Optional<String> truncatedTail) {
    }

    private final boolean withholdUnknown;
    /** While opening: entries up to this seqno are checked and indexed, not decrypted nor replayed. */
    private final long replayAfter;
    private int maxSecretVersion;

    /** The highest ledger secret version an entry of this folder is encrypted with (0 if none is). */
    public synchronized int maxSecretVersion() {
        return maxSecretVersion;
    }

    private Ledger(Path dir, LedgerConfig config, LedgerSecrets secrets, long replayAfter, Consumer<ReplayedEntry> replay,
            boolean withholdUnknown, ChunkChannels channels) throws IOException {
        this.channels = Objects.requireNonNull(channels);
        if (replayAfter < 0) {
            throw new IllegalArgumentException("replayAfter must not be negative: " + replayAfter);
        }
        this.withholdUnknown = withholdUnknown;
        this.replayAfter = replayAfter;
        this.dir = dir;
        this.config = config;
        this.secrets = secrets;
        this.buffer = ByteBuffer.allocate(config.writeBufferBytes());
        Files.createDirectories(dir);
        lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        java.nio.channels.FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("ledger directory " + dir + " is already open (by this or another process)");
        }
        try {
            Optional<LedgerBase> base = LedgerBase.read(dir);
            baseSeqno = base.map(b -> b.last().seqno()).orElse(0L);
            tree = base.map(b -> MerkleTree.fromFrontier(b.frontier())).orElseGet(MerkleTree::new);
            baseTxId = base.map(LedgerBase::last).orElse(new TxId(0, 0));
            lastTxId = baseTxId;
            replayAll(replay);
        } catch (IOException | RuntimeException | Error e) {
            lockChannel.close();
            throw e;
        }
        ChunkFiles.Chunk last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
        if (last != null && last.open()) {
            openChannel = channels.open(last.path(), StandardOpenOption.WRITE, StandardOpenOption.READ);
            openChunkSize = openChannel.size();
            openFlushedSize = openChunkSize;
            openChannel.position(openChunkSize);
        }
        viewFloorAfterOpen = replayedMaxView;
        reopenedWithEntries = lastTxId.seqno() > 0 || replayTorn.isPresent();
        openReport = new OpenReport(lastTxId.seqno(), signatureCount, lastTxId, replayTorn);
    }

    private long replayedMaxView;
    private Optional<String> replayTorn = Optional.empty();

    private void replayAll(Consumer<ReplayedEntry> replay) throws IOException {
        List<ChunkFiles.Chunk> found = ChunkFiles.list(dir, baseSeqno + 1);
        Optional<String> torn = Optional.empty();
        long view = lastTxId.view();
        for (ChunkFiles.Chunk c : found) {
            ChunkFiles.ScanResult r = ChunkFiles.scan(c, view, config.maxEntryBytes(), (e, off) -> replayOne(c, e, off, replay));
            view = r.lastView();
            if (r.tornTail().isPresent()) {
                torn = r.tornTail();
                if (r.validLength() < ChunkFiles.FILE_HEADER_LENGTH) {
                    Files.delete(c.path());
                    fsyncDir();
                    continue;
                }
                try (FileChannel ch = FileChannel.open(c.path(), StandardOpenOption.WRITE)) {
                    ch.truncate(r.validLength());
                    ch.force(true);
                }
            }
            if (r.lastSeqno() < c.first()) {
                // An open chunk with a header and no entries: keep it open for the next append.
                chunks.add(c);
            } else {
                chunks.add(c.open() ? c : new ChunkFiles.Chunk(c.path(), c.first(), r.lastSeqno(), false));
            }
        }
        replayedMaxView = view;
        replayTorn = torn;
    }

    /**
     * Opens (creating if needed) the ledger in {@code dir}, replaying every entry in order to
     * {@code replay} (may be null) with private parts decrypted. A torn last entry of the open
     * chunk is truncated and reported in {@link #openReport()}; other damage throws
     * {@link LedgerCorruptException} naming the file and seqno. Signature entries are checked
     * against the recomputed Merkle root while replaying.
     */
    public static Ledger open(Path dir, LedgerConfig config, LedgerSecrets secrets, Consumer<ReplayedEntry> replay) throws IOException {
        return open(dir, config, secrets, 0, replay);
    }

    /**
     * As {@link #open}, but replays only the entries after seqno {@code replayAfter} (a node that
     * starts from a snapshot of its store at that seqno): the entries up to it are still read,
     * their digests checked and every signature checked against the Merkle root, but their private
     * parts are not decrypted and {@code replay} does not see them. The ledger may end before
     * {@code replayAfter}; then nothing is replayed.
     */
    public static Ledger open(Path dir, LedgerConfig config, LedgerSecrets secrets, long replayAfter,
            Consumer<ReplayedEntry> replay) throws IOException {
        return new Ledger(Objects.requireNonNull(dir), Objects.requireNonNull(config), Objects.requireNonNull(secrets),
                replayAfter, replay, false, FileChannel::open);
    }

    /** As {@link #open(Path, LedgerConfig, LedgerSecrets, Consumer)}, writing chunk files through {@code channels}. */
    static Ledger open(Path dir, LedgerConfig config, LedgerSecrets secrets, Consumer<ReplayedEntry> replay,
            ChunkChannels channels) throws IOException {
        return new Ledger(Objects.requireNonNull(dir), Objects.requireNonNull(config), Objects.requireNonNull(secrets), 0,
                replay, false, channels);
    }

    /**
     * As {@link #open}, but an entry whose ledger secret is not in {@code secrets} is replayed
     * with its private part withheld instead of failing: a recovering node rebuilds the public
     * state before its members give the secrets back.
     */
    public static Ledger openWithholding(Path dir, LedgerConfig config, LedgerSecrets secrets, Consumer<ReplayedEntry> replay)
            throws IOException {
        return new Ledger(Objects.requireNonNull(dir), Objects.requireNonNull(config), Objects.requireNonNull(secrets), 0,
                replay, true, FileChannel::open);
    }

    private void replayOne(ChunkFiles.Chunk c, LedgerEntry e, long offset, Consumer<ReplayedEntry> replay) {
        if (e.kind() == EntryKind.SIGNATURE) {
            SignaturePayload p;
            try {
                p = SignaturePayload.decode(e.publicPart());
            } catch (IllegalArgumentException ex) {
                throw new LedgerCorruptException(c.path(), e.txId().seqno(), "signature entry: " + ex.getMessage());
            }
            if (!p.txId().equals(e.txId()) || p.treeSize() != tree.size() || !Arrays.equals(p.root(), tree.root())) {
                throw new LedgerCorruptException(c.path(), e.txId().seqno(), "signature entry does not sign the Merkle root of the entries before it");
            }
            addSignature(e.txId().seqno(), p);
        }
        byte[] priv = new byte[0];
        boolean withheld = false;
        boolean replayed = replay != null && e.txId().seqno() > replayAfter;
        if (replayed) {
            if (withholdUnknown && e.privateLength() > 0 && secrets.get(e.secretVersion()).isEmpty()) {
                withheld = true;
            } else {
                try {
                    priv = e.decryptPrivate(secrets);
                } catch (RuntimeException ex) {
                    throw new LedgerCorruptException(c.path(), e.txId().seqno(), "private part cannot be decrypted: "
                            + ex.getMessage());
                }
            }
        }
        record(e, offset);
        if (replayed) {
            replay.accept(new ReplayedEntry(e.txId(), e.kind(), e.publicPart(), priv, e.claimsDigest(), withheld));
        }
    }

    public OpenReport openReport() {
        return openReport;
    }

    public Path directory() {
        return dir;
    }

    /** TxId of the last entry (0.0 when empty). */
    public synchronized TxId lastTxId() {
        return lastTxId;
    }

    public synchronized long lastSeqno() {
        return lastTxId.seqno();
    }

    /** Current Merkle root over every entry. */
    public synchronized byte[] root() {
        return tree.root();
    }

    /** The compact Merkle frontier over every entry (the primary grows a copy speculatively). */
    public synchronized MerkleFrontier frontier() {
        return tree.frontier();
    }

    /** The frontier over entries 1 .. {@code seqno} (not below the folder's base). */
    public synchronized MerkleFrontier frontier(long seqno) {
        return tree.frontier(seqno);
    }

    /** The TxId of the entry at {@code seqno}, the base's last one included; empty when not held. */
    public synchronized Optional<TxId> txId(long seqno) {
        if (seqno == baseSeqno) {
            return Optional.of(baseTxId);
        }
        return entry(seqno).map(LedgerEntry::txId);
    }

    /** Seqno of the first entry this folder holds (1, or one after its base). */
    public synchronized long firstSeqno() {
        return baseSeqno + 1;
    }

    /**
     * Makes the ledger start again from {@code base} (a node that installs a snapshot because it
     * is too far behind, or joins from one): every chunk file moves to a {@code superseded-*}
     * folder beside them, kept for audit, and the next entry appended is {@code base.last().seqno() + 1}.
     */
    public synchronized void rebase(LedgerBase base) {
        checkWritable();
        try {
            flushBuffer();
            if (openChannel != null) {
                openChannel.force(true);
                openChannel.close();
                openChannel = null;
            }
            if (!chunks.isEmpty()) {
                Path archive = dir.resolve("superseded-" + (baseSeqno + 1) + "-" + lastTxId.seqno() + "-by-base-"
                        + base.last().seqno());
                Files.createDirectories(archive);
                for (ChunkFiles.Chunk c : chunks) {
                    Files.move(c.path(), archive.resolve(c.path().getFileName()), StandardCopyOption.ATOMIC_MOVE);
                }
                if (Files.exists(dir.resolve(LedgerBase.FILE))) {
                    Files.copy(dir.resolve(LedgerBase.FILE), archive.resolve(LedgerBase.FILE));
                }
            }
            base.write(dir);
            fsyncDir();
        } catch (IOException e) {
            throw failed("cannot rebase the ledger on seqno " + base.last().seqno(), e);
        }
        chunks.clear();
        baseSeqno = base.last().seqno();
        baseTxId = base.last();
        tree = MerkleTree.fromFrontier(base.frontier());
        lastTxId = base.last();
        offsets = new long[1024];
        signatureCount = 0;
        lastSignature = null;
        recentSignatures.clear();
        openChunkSize = 0;
        openFlushedSize = 0;
        buffer.clear();
    }

    /** Appends a write set with zero claims digest. */
    public AppendResult append(TxId txId, byte[] publicPart, byte[] privatePart) {
        return append(txId, publicPart, privatePart, LedgerEntry.ZERO_DIGEST);
    }

    /** Appends a write set: {@code txId.seqno} must be the next seqno and its view not below the last. */
    public synchronized AppendResult append(TxId txId, byte[] publicPart, byte[] privatePart, byte[] claimsDigest) {
        checkWritable();
        checkNext(txId);
        if (privatePart.length > 0) {
            checkIvFresh(txId);
        }
        return write(LedgerEntry.create(txId, EntryKind.WRITE_SET, publicPart, privatePart, claimsDigest, secrets));
    }

    /** Appends an entry serialized by another node (a follower's path); it is parsed and checked first. */
    public synchronized AppendResult appendSerialized(byte[] serialized) {
        checkWritable();
        if (serialized.length > config.maxEntryBytes()) {
            throw new IllegalArgumentException("entry of " + serialized.length + " bytes exceeds maxEntryBytes " + config.maxEntryBytes());
        }
        return appendEntry(LedgerEntry.parse(serialized));
    }

    /**
     * Appends an entry made or parsed elsewhere (its digest was checked then); a signature must
     * sign this ledger's Merkle root, else the ledgers diverged ({@link InvariantViolation}).
     */
    public synchronized AppendResult appendEntry(LedgerEntry e) {
        checkWritable();
        checkNext(e.txId());
        if (e.kind() == EntryKind.SIGNATURE) {
            SignaturePayload p = SignaturePayload.decode(e.publicPart());
            InvariantViolation.check(p.treeSize() == tree.size() && Arrays.equals(p.root(), tree.root()),
                    "replicated signature at " + e.txId() + " does not sign this ledger's Merkle root: the ledgers diverged");
            return writeSignature(e, p);
        }
        return write(e);
    }

    /**
     * Appends a signature entry at {@code txId} signing the root of every entry before it with
     * the node's key. Closes the open chunk afterwards once it has reached the chunk size.
     */
    public synchronized AppendResult appendSignature(TxId txId, Identity node) {
        checkWritable();
        checkNext(txId);
        SignaturePayload p = SignaturePayload.sign(txId, tree.size(), tree.root(), node, config.clock().instant());
        LedgerEntry e = LedgerEntry.create(txId, EntryKind.SIGNATURE, p.encode(), new byte[0], LedgerEntry.ZERO_DIGEST, secrets);
        return writeSignature(e, p);
    }

    private AppendResult writeSignature(LedgerEntry e, SignaturePayload p) {
        AppendResult r = write(e);
        addSignature(e.txId().seqno(), p);
        if (openChunkSize >= config.chunkSizeBytes()) {
            closeOpenChunk();
        }
        return r;
    }

    /** The most recent signature, if any. */
    public synchronized Optional<SignaturePayload> lastSignature() {
        return Optional.ofNullable(lastSignature);
    }

    /** Writes buffered entries to the file and, when {@code fsync}, forces them to disk. */
    public synchronized void flush(boolean fsync) {
        checkWritable();
        try {
            flushBuffer();
            if (fsync && openChannel != null) {
                openChannel.force(false);
            }
        } catch (IOException e) {
            throw failed("cannot flush the ledger", e);
        }
    }

    /** The write that failed and stopped this ledger from writing (see the class comment), if one did. */
    public synchronized Optional<IOException> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Rolls back to {@code seqno}: entries after it are removed from the files, the tree and
     * the index. Callers must never truncate entries that are committed.
     */
    public synchronized void truncate(long seqno) {
        checkWritable();
        if (seqno < baseSeqno || seqno > lastTxId.seqno()) {
            throw new IllegalArgumentException("cannot truncate to " + seqno + ": ledger holds " + (baseSeqno + 1) + ".."
                    + lastTxId.seqno());
        }
        if (seqno == lastTxId.seqno()) {
            return;
        }
        try {
            flushBuffer();
            truncatedMaxView = Math.max(truncatedMaxView, lastTxId.view());
            truncatedUpToSeqno = Math.max(truncatedUpToSeqno, lastTxId.seqno());
            if (openChannel != null) {
                openChannel.close();
                openChannel = null;
            }
            while (!chunks.isEmpty() && chunks.get(chunks.size() - 1).first() > seqno) {
                Files.delete(chunks.remove(chunks.size() - 1).path());
            }
            if (!chunks.isEmpty()) {
                ChunkFiles.Chunk c = chunks.remove(chunks.size() - 1);
                boolean ends = !c.open() && c.last() == seqno;
                if (ends) {
                    chunks.add(c);
                } else {
                    Path openPath = dir.resolve(ChunkFiles.openName(c.first()));
                    if (!c.open()) {
                        Files.move(c.path(), openPath, StandardCopyOption.ATOMIC_MOVE);
                    }
                    openChannel = channels.open(openPath, StandardOpenOption.WRITE, StandardOpenOption.READ);
                    long cut = offsets[(int) (seqno - baseSeqno)]; // offset of seqno + 1
                    openChannel.truncate(cut);
                    openChannel.force(true);
                    openChannel.position(cut);
                    openChunkSize = cut;
                    openFlushedSize = cut;
                    chunks.add(new ChunkFiles.Chunk(openPath, c.first(), -1, true));
                }
            }
            fsyncDir();
        } catch (IOException e) {
            throw failed("cannot truncate the ledger to seqno " + seqno, e);
        }
        tree.truncate(seqno);
        recentSignatures.keySet().removeIf(k -> k > seqno);
        while (signatureCount > 0 && signatureSeqnos[signatureCount - 1] > seqno) {
            signatureCount--;
        }
        lastSignature = signatureCount == 0 ? null : readSignature(signatureSeqnos[signatureCount - 1]);
        lastTxId = seqno == baseSeqno ? baseTxId : readEntry(seqno).txId();
    }

    /** The entry at {@code seqno}, read from disk. */
    public synchronized Optional<LedgerEntry> entry(long seqno) {
        if (seqno <= baseSeqno || seqno > lastTxId.seqno()) {
            return Optional.empty();
        }
        return Optional.of(readEntry(seqno));
    }

    /**
     * A receipt for the entry at {@code seqno}: empty until a signature entry covers it (the
     * first signature with a higher seqno is used).
     */
    public synchronized Optional<Receipt> receipt(long seqno) {
        if (seqno <= baseSeqno || seqno > lastTxId.seqno()) {
            return Optional.empty();
        }
        int lo = 0;
        int hi = signatureCount;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (signatureSeqnos[mid] > seqno) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (lo == signatureCount) {
            return Optional.empty();
        }
        SignaturePayload sig = readSignature(signatureSeqnos[lo]);
        LedgerEntry e = readEntry(seqno);
        String ce = CommitEvidence.of(secrets, e.secretVersion(), e.txId());
        InvariantViolation.check(Arrays.equals(CommitEvidence.digest(ce), e.commitEvidenceDigest()),
                "commit evidence of " + e.txId() + " does not match its stored digest: wrong ledger secret?");
        MerkleProof proof = tree.inclusionProof(seqno - 1, sig.treeSize());
        return Optional.of(new Receipt(e.txId(), e.writeSetDigest(), ce, e.claimsDigest(), proof, sig));
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (failure == null) {
                flushBuffer();
                if (openChannel != null) {
                    openChannel.force(false);
                }
            }
        } catch (IOException e) {
            throw failed("cannot write the ledger's last entries", e);
        } finally {
            closed = true;
            try {
                if (openChannel != null) {
                    openChannel.close();
                    openChannel = null;
                }
            } finally {
                lockChannel.close();
            }
        }
    }

    // ---- internals ----

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ledger in " + dir + " is closed");
        }
    }

    /** Open, and no write failed. */
    private void checkWritable() {
        checkOpen();
        if (failure != null) {
            throw new UncheckedIOException("the ledger in " + dir + " accepts no more writes since a write failed: "
                    + failure.getMessage(), failure);
        }
    }

    /**
     * A write failed: the ledger fails for good. The buffered entries are discarded, so that no
     * part of them is ever written again, and the open chunk is cut back to the entries written
     * in full before. If the cut fails too, the file ends with a prefix of the entries that were
     * being written: {@link #open} drops it as a torn tail.
     */
    private UncheckedIOException failed(String what, IOException e) {
        if (failure == null) {
            failure = e;
            buffer.clear();
            if (openChannel != null) {
                try {
                    openChannel.truncate(openFlushedSize);
                    openChannel.position(openFlushedSize);
                    openChunkSize = openFlushedSize;
                    openChannel.force(true);
                } catch (IOException | RuntimeException cut) {
                    e.addSuppressed(cut);
                }
            }
        }
        return new UncheckedIOException(what + " in " + dir + ": " + e.getMessage()
                + "; the ledger accepts no more writes (its file ends at its last complete entry, or with a torn tail"
                + " that is dropped when it is opened again)", e);
    }

    private void checkNext(TxId txId) {
        checkOpen();
        if (txId.seqno() != lastTxId.seqno() + 1) {
            throw new IllegalArgumentException("next ledger seqno is " + (lastTxId.seqno() + 1) + ", not " + txId.seqno());
        }
        if (txId.view() < lastTxId.view()) {
            throw new IllegalArgumentException("view " + txId.view() + " is below the ledger's last view " + lastTxId.view());
        }
    }

    private void checkIvFresh(TxId txId) {
        if (reopenedWithEntries && txId.view() <= viewFloorAfterOpen) {
            throw new IllegalStateException("after reopening, entries with private parts must use a view above "
                    + viewFloorAfterOpen + " so that no AES-GCM IV (seqno, view) is reused");
        }
        if (txId.seqno() <= truncatedUpToSeqno && txId.view() <= truncatedMaxView) {
            throw new IllegalStateException("seqno " + txId.seqno() + " was rolled back; its replacement needs a view above "
                    + truncatedMaxView + " so that no AES-GCM IV (seqno, view) is reused");
        }
    }

    private AppendResult write(LedgerEntry e) {
        if (e.size() > config.maxEntryBytes()) {
            throw new IllegalArgumentException("entry of " + e.size() + " bytes exceeds maxEntryBytes " + config.maxEntryBytes());
        }
        try {
            if (openChannel == null) {
                startChunk(e.txId().seqno());
            }
            byte[] bytes = e.bytes();
            long offset = openChunkSize;
            if (bytes.length > buffer.remaining()) {
                flushBuffer();
            }
            if (bytes.length > buffer.capacity()) {
                writeFully(ByteBuffer.wrap(bytes));
                openFlushedSize += bytes.length;
            } else {
                buffer.put(bytes);
            }
            openChunkSize += bytes.length;
            record(e, offset);
            return new AppendResult(e.txId(), e.leaf(), bytes);
        } catch (IOException ex) {
            throw failed("cannot append seqno " + e.txId().seqno() + " to the ledger", ex);
        }
    }

    private void record(LedgerEntry e, long offset) {
        long seqno = e.txId().seqno();
        if (seqno >= Integer.MAX_VALUE - 8) {
            // The in-memory offset index is an array; a ledger this long needs snapshots and a paged index.
            throw new IllegalStateException("ledger index holds at most " + (Integer.MAX_VALUE - 9) + " entries");
        }
        long slot = seqno - 1 - baseSeqno;
        if (slot >= offsets.length) {
            offsets = Arrays.copyOf(offsets, Math.max(offsets.length * 2, (int) slot + 1));
        }
        offsets[(int) slot] = offset;
        tree.append(e.leaf());
        lastTxId = e.txId();
        if (e.privateLength() > 0 && e.secretVersion() > maxSecretVersion) {
            maxSecretVersion = e.secretVersion();
        }
    }

    private void addSignature(long seqno, SignaturePayload p) {
        if (signatureCount == signatureSeqnos.length) {
            signatureSeqnos = Arrays.copyOf(signatureSeqnos, signatureCount * 2);
        }
        signatureSeqnos[signatureCount++] = seqno;
        lastSignature = p;
    }

    private void startChunk(long first) throws IOException {
        Path p = dir.resolve(ChunkFiles.openName(first));
        openChannel = channels.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        fsyncDir();
        chunks.add(new ChunkFiles.Chunk(p, first, -1, true));
        buffer.clear();
        buffer.put(ChunkFiles.header(first));
        openChunkSize = ChunkFiles.FILE_HEADER_LENGTH;
        openFlushedSize = 0;
    }

    private void closeOpenChunk() {
        try {
            flushBuffer();
            openChannel.force(true);
            openChannel.close();
            openChannel = null;
            ChunkFiles.Chunk c = chunks.remove(chunks.size() - 1);
            Path target = dir.resolve(ChunkFiles.committedName(c.first(), lastTxId.seqno()));
            Files.move(c.path(), target, StandardCopyOption.ATOMIC_MOVE);
            fsyncDir();
            chunks.add(new ChunkFiles.Chunk(target, c.first(), lastTxId.seqno(), false));
        } catch (IOException e) {
            throw failed("cannot close the ledger chunk", e);
        }
    }

    private void flushBuffer() throws IOException {
        if (openChannel != null && buffer.position() > 0) {
            buffer.flip();
            int n = buffer.remaining();
            writeFully(buffer);
            openFlushedSize += n;
            buffer.clear();
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            openChannel.write(b);
        }
    }

    private void fsyncDir() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some file systems cannot open or sync a directory; the rename itself is still atomic.
        }
    }

    private SignaturePayload readSignature(long seqno) {
        SignaturePayload p = recentSignatures.get(seqno);
        if (p == null) {
            p = SignaturePayload.decode(readEntry(seqno).publicPart());
            recentSignatures.put(seqno, p);
        }
        return p;
    }

    private LedgerEntry readEntry(long seqno) {
        ChunkFiles.Chunk c = chunkOf(seqno);
        long offset = offsets[(int) (seqno - 1 - baseSeqno)];
        if (c.open() && offset + 4 > openFlushedSize && failure == null) {
            try {
                flushBuffer();
            } catch (IOException e) {
                throw failed("cannot write the buffered entries to the ledger", e);
            }
        }
        try {
            try (FileChannel ch = c.open() ? null : FileChannel.open(c.path(), StandardOpenOption.READ)) {
                FileChannel src = c.open() ? openChannel : ch;
                ByteBuffer len = ByteBuffer.allocate(4);
                readFully(src, len, offset);
                int total = len.getInt(0) + 4;
                ByteBuffer all = ByteBuffer.allocate(total);
                readFully(src, all, offset);
                LedgerEntry e = LedgerEntry.parse(all.array());
                InvariantViolation.check(e.txId().seqno() == seqno, "ledger index points at seqno " + e.txId().seqno() + " for " + seqno);
                return e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read seqno " + seqno + " from " + c.path(), e);
        } catch (LedgerEntry.MalformedEntryException e) {
            throw new LedgerCorruptException(c.path(), seqno, e.getMessage());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new java.io.EOFException("unexpected end of ledger file");
            }
        }
    }

    private ChunkFiles.Chunk chunkOf(long seqno) {
        for (int i = chunks.size() - 1; i >= 0; i--) {
            if (chunks.get(i).first() <= seqno) {
                return chunks.get(i);
            }
        }
        throw new IllegalStateException("no chunk holds seqno " + seqno);
    }
}
