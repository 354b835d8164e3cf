package org.consort.node.replication;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.consort.common.TxId;
import org.consort.crypto.AesGcm;
import org.consort.crypto.Hashes;
import org.consort.crypto.Hmac;
import org.consort.ledger.LedgerBase;
import org.consort.ledger.LedgerEntry;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.MerkleFrontier;

/**
 * A node's state as one file, for the replicated log's snapshots: the store as of the last
 * signed seqno S (encrypted: it holds private maps in plaintext otherwise), the Merkle frontier
 * and TxId at S (the ledger base of a node that installs it), the views, and the ledger entries
 * applied after S exactly as the primary made them. A node installs it when it joins or is too
 * far behind; a restarted node finds its ledger already covers it.
 *
 * <p>Layout (big-endian): magic {@code CNSN}, u32 format 1, u64 term, u64 index, u64 S,
 * u64 view of S, u32 view count and (u64 view, u64 first seqno) each, u32 peak count and the
 * 32-byte peaks, u32 secret version, 12-byte IV, u32 length and the AES-256-GCM ciphertext of
 * the store snapshot (key derived from that ledger secret for snapshots only; AAD = every byte
 * before the IV), u32 entry count and (u32 length, entry) each, then SHA-256 of all of the above.
 *
 * @param term         log term the snapshot was taken at
 * @param index        log index the snapshot was taken at
 * @param base         TxId and Merkle frontier of the last signed entry
 * @param views        first seqno of each view, for views starting at or before the last entry
 * @param store        the store snapshot at {@code base.last().seqno()}, in plaintext
 * @param tail         serialized ledger entries after the base, in order
 */
public record NodeSnapshot(long term, long index, LedgerBase base, Map<Long, Long> views, byte[] store, List<byte[]> tail) {
    static final byte[] MAGIC = {'C', 'N', 'S', 'N'};
    static final int FORMAT = 1;
    /** Largest snapshot file read. */
    public static final long FILE_BYTES_MAX = 4L << 30;
    private static final String KEY_INFO = "consort snapshot store v1";

    /** Seqno of the last entry the snapshot holds. */
    public long lastSeqno() {
        return base.last().seqno() + tail.size();
    }

    /** A snapshot that cannot be read: the node must not install it. */
    public static final class MalformedSnapshotException extends IOException {
        MalformedSnapshotException(Path file, String message) {
            super("snapshot " + file.getFileName() + ": " + message);
        }
    }

    /** Writes this snapshot to {@code file}, encrypting the store with the current ledger secret. */
    public void write(Path file, LedgerSecrets secrets, SecureRandom random) throws IOException {
        write(file, secrets.current(), random);
    }

    /** Writes this snapshot to {@code file}, encrypting the store with {@code secret}. */
    public void write(Path file, LedgerSecrets.Secret secret, SecureRandom random) throws IOException {
        writeFile(file, term, index, base, views, store.length, out -> out.write(store), tail, secret, random);
    }

    /**
     * Writes the snapshot of {@code store} with these fields to {@code file}, the same bytes as
     * {@link #write(Path, LedgerSecrets.Secret, SecureRandom)} of a record holding
     * {@code store.snapshot()}, but made, encrypted and written a block at a time: a store of a
     * million records never exists as one array, nor does its ciphertext.
     */
    public static void write(Path file, long term, long index, LedgerBase base, Map<Long, Long> views,
            org.consort.kv.Store.Frozen store, List<byte[]> tail, LedgerSecrets.Secret secret, SecureRandom random)
            throws IOException {
        writeFile(file, term, index, base, views, store.snapshotBytes(), store::writeSnapshot, tail, secret, random);
    }

    /** Writes the plaintext store to a stream. */
    private interface StoreWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void writeFile(Path file, long term, long index, LedgerBase base, Map<Long, Long> views, long storeLength,
            StoreWriter storeWriter, List<byte[]> tail, LedgerSecrets.Secret secret, SecureRandom random) throws IOException {
        if (storeLength + AesGcm.TAG_LENGTH > 0xFFFF_FFFFL) {
            throw new IOException("the store snapshot of " + storeLength + " bytes does not fit the format's u32 length");
        }
        ByteBuffer head = ByteBuffer.allocate(4 + 4 + 8 * 4 + 4 + views.size() * 16 + 4 + base.frontier().peaks().size() * 32 + 4);
        head.put(MAGIC).putInt(FORMAT).putLong(term).putLong(index).putLong(base.last().seqno()).putLong(base.last().view());
        head.putInt(views.size());
        views.forEach((v, start) -> head.putLong(v).putLong(start));
        List<byte[]> peaks = base.frontier().peaks();
        head.putInt(peaks.size());
        peaks.forEach(head::put);
        head.putInt(secret.version());
        byte[] header = head.array();
        byte[] iv = new byte[AesGcm.IV_LENGTH];
        random.nextBytes(iv);
        MessageDigest md = Hashes.sha256Digest();
        try (OutputStream file0 = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
             OutputStream out = new java.security.DigestOutputStream(new java.io.BufferedOutputStream(file0, 64 << 10), md)) {
            out.write(header);
            out.write(iv);
            out.write(ByteBuffer.allocate(4).putInt((int) (storeLength + AesGcm.TAG_LENGTH)).array());
            CountingStream counted = new CountingStream(AesGcm.encryptingStream(storeKey(secret), iv, header, out));
            storeWriter.writeTo(counted);
            counted.close(); // appends the tag
            if (counted.count != storeLength) {
                throw new IOException("the store snapshot came to " + counted.count + " bytes, not the " + storeLength + " counted");
            }
            out.write(ByteBuffer.allocate(4).putInt(tail.size()).array());
            for (byte[] e : tail) {
                out.write(ByteBuffer.allocate(4).putInt(e.length).array());
                out.write(e);
            }
            out.flush();
            file0.write(md.digest());
        }
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Counts what passes through to {@code out}. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    private static byte[] storeKey(LedgerSecrets.Secret secret) {
        return Hmac.hkdfSha256(secret.key(), KEY_INFO, AesGcm.KEY_LENGTH);
    }

    /** Reads and decrypts a snapshot; MalformedSnapshotException saying what is wrong. */
    public static NodeSnapshot read(Path file, LedgerSecrets secrets, int entryBytesMax) throws IOException {
        byte[] all = readBounded(file);
        byte[] expected = Arrays.copyOfRange(all, all.length - 32, all.length);
        MessageDigest md = Hashes.sha256Digest();
        md.update(all, 0, all.length - 32);
        if (!MessageDigest.isEqual(expected, md.digest())) {
            throw new MalformedSnapshotException(file, "its SHA-256 does not match its content");
        }
        return parse(file, all, Objects.requireNonNull(secrets, "secrets"), entryBytesMax);
    }

    /**
     * What a snapshot file says of its base and of the entries after it, read without checking its
     * digest and without decrypting its store: for a damaged snapshot, whether a ledger already
     * holds everything it covered (its base and every entry of it must then match that ledger's).
     * Nothing in it is to be trusted but by such a comparison.
     *
     * @param base the TxId and Merkle frontier of the snapshot's store
     * @param tail the serialized entries after the base
     */
    public record Outline(LedgerBase base, List<byte[]> tail) {
        public long lastSeqno() {
            return base.last().seqno() + tail.size();
        }
    }

    /** The {@link Outline} of {@code file}; MalformedSnapshotException if not even that can be read. */
    public static Outline outline(Path file, int entryBytesMax) throws IOException {
        NodeSnapshot s = parse(file, readBounded(file), null, entryBytesMax);
        return new Outline(s.base(), s.tail());
    }

    private static byte[] readBounded(Path file) throws IOException {
        long size = Files.size(file);
        if (size > FILE_BYTES_MAX || size < 32 + 4) {
            throw new MalformedSnapshotException(file, "size " + size + " is outside 36.." + FILE_BYTES_MAX + " bytes");
        }
        return Files.readAllBytes(file);
    }

    /** Parses the snapshot in {@code all} (its digest last); without {@code secrets}, the store is left out (empty). */
    private static NodeSnapshot parse(Path file, byte[] all, LedgerSecrets secrets, int entryBytesMax) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(all, 0, all.length - 32);
        try {
            byte[] magic = new byte[4];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC) || b.getInt() != FORMAT) {
                throw new MalformedSnapshotException(file, "not a Consort node snapshot of format " + FORMAT);
            }
            long term = b.getLong();
            long index = b.getLong();
            long seqno = b.getLong();
            long view = b.getLong();
            int viewCount = count(b, 16, file, "views");
            Map<Long, Long> views = new LinkedHashMap<>();
            for (int i = 0; i < viewCount; i++) {
                views.put(b.getLong(), b.getLong());
            }
            int peakCount = count(b, 32, file, "peaks");
            List<byte[]> peaks = new ArrayList<>();
            for (int i = 0; i < peakCount; i++) {
                byte[] p = new byte[32];
                b.get(p);
                peaks.add(p);
            }
            int version = b.getInt();
            byte[] header = Arrays.copyOfRange(all, 0, b.position());
            byte[] iv = new byte[AesGcm.IV_LENGTH];
            b.get(iv);
            int ctLength = count(b, 1, file, "store bytes");
            byte[] store = new byte[0];
            if (secrets == null) {
                b.position(b.position() + ctLength);
            } else {
                byte[] ciphertext = new byte[ctLength];
                b.get(ciphertext);
                LedgerSecrets.Secret secret = secrets.get(version).orElseThrow(() -> new MalformedSnapshotException(file,
                        "its store is encrypted with ledger secret version " + version + ", which this node does not hold"));
                try {
                    store = AesGcm.decrypt(storeKey(secret), iv, header, ciphertext);
                } catch (AesGcm.AuthenticationFailedException e) {
                    throw new MalformedSnapshotException(file, "its store does not decrypt: " + e.getMessage());
                }
            }
            int tailCount = count(b, LedgerEntry.OVERHEAD + 4, file, "entries");
            List<byte[]> tail = new ArrayList<>(tailCount);
            for (int i = 0; i < tailCount; i++) {
                int len = b.getInt();
                if (len < LedgerEntry.OVERHEAD || len > entryBytesMax || len > b.remaining()) {
                    throw new MalformedSnapshotException(file, "entry " + i + " claims " + len + " bytes");
                }
                byte[] e = new byte[len];
                b.get(e);
                tail.add(e);
            }
            if (b.hasRemaining()) {
                throw new MalformedSnapshotException(file, b.remaining() + " trailing bytes");
            }
            return new NodeSnapshot(term, index, new LedgerBase(new TxId(view, seqno), MerkleFrontier.of(seqno, peaks)), views,
                    store, tail);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new MalformedSnapshotException(file, "truncated or inconsistent: " + e.getMessage());
        }
    }

    private static int count(ByteBuffer b, int unitBytes, Path file, String what) throws MalformedSnapshotException {
        int n = b.getInt();
        if (n < 0 || (long) n * unitBytes > b.remaining()) {
            throw new MalformedSnapshotException(file, "claims " + n + " " + what + " in " + b.remaining() + " bytes");
        }
        return n;
    }
}
