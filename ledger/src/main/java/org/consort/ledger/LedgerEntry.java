package org.consort.ledger;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.consort.common.TxId;
import org.consort.crypto.AesGcm;
import org.consort.crypto.Hashes;

/**
 * One ledger entry in its serialized form (format version 1, big-endian):
 *
 * <pre>
 * offset      size  field
 * 0           4     entryLength: bytes after this field (= 128 + P + C)
 * 4           1     formatVersion = 1
 * 5           1     kind (1 = WRITE_SET, 2 = SIGNATURE)
 * 6           2     flags = 0 (reserved)
 * 8           8     view
 * 16          8     seqno
 * 24          4     secretVersion (ledger secret the private part is encrypted with)
 * 28          32    claimsDigest (zeros when the application gives none)
 * 60          32    commitEvidenceDigest = SHA-256(commit evidence text)
 * 92          4     P = publicLength
 * 96          4     C = ciphertextLength (0 when the private part is empty, else plaintext + 16)
 * 100         P     public part
 * 100+P       C     AES-256-GCM ciphertext followed by its 16-byte tag
 * 100+P+C     32    writeSetDigest = SHA-256(bytes 0 .. 100+P+C)
 * </pre>
 *
 * AES-GCM: IV = seqno (8 bytes) || view (4 bytes); AAD = bytes 0 .. 100+P (header and public
 * part). The Merkle leaf is {@code SHA-256(writeSetDigest || commitEvidenceDigest || claimsDigest)}.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class LedgerEntry {
    public static final int FORMAT_VERSION = 1;
    public static final int HEADER_LENGTH = 100;
    public static final int DIGEST_LENGTH = 32;
    /** Fixed bytes of an entry: header plus trailing digest. */
    public static final int OVERHEAD = HEADER_LENGTH + DIGEST_LENGTH;
    /** Views must fit the 4 bytes the IV gives them. */
    public static final long MAX_VIEW = 0xFFFF_FFFFL;
    static final byte[] ZERO_DIGEST = new byte[32];

    private final byte[] bytes;
    private final TxId txId;
    private final EntryKind kind;
    private final int secretVersion;
    private final int publicLength;
    private final int ciphertextLength;

    private LedgerEntry(byte[] bytes, TxId txId, EntryKind kind, int secretVersion, int publicLength, int ciphertextLength) {
        this.bytes = bytes;
        this.txId = txId;
        this.kind = kind;
        this.secretVersion = secretVersion;
        this.publicLength = publicLength;
        this.ciphertextLength = ciphertextLength;
    }

    /**
     * Builds and encrypts an entry. The caller guarantees that ({@code txId}, secret version)
     * is never encrypted twice with different contents: see {@link Ledger} for why that holds.
     */
    public static LedgerEntry create(TxId txId, EntryKind kind, byte[] publicPart, byte[] privatePart, byte[] claimsDigest,
                                     LedgerSecrets secrets) {
        if (txId.view() > MAX_VIEW) {
            throw new IllegalArgumentException("view " + txId.view() + " exceeds the ledger format's 32-bit view");
        }
        if (claimsDigest.length != DIGEST_LENGTH) {
            throw new IllegalArgumentException("claims digest must be 32 bytes, got " + claimsDigest.length);
        }
        LedgerSecrets.Secret secret = secrets.current();
        int c = privatePart.length == 0 ? 0 : privatePart.length + AesGcm.TAG_LENGTH;
        long total = (long) OVERHEAD + publicPart.length + c;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ledger entry of " + total + " bytes is too large");
        }
        byte[] ce = CommitEvidence.digest(CommitEvidence.of(secrets, secret.version(), txId));
        ByteBuffer b = ByteBuffer.allocate((int) total);
        b.putInt((int) total - 4).put((byte) FORMAT_VERSION).put((byte) kind.code()).putShort((short) 0)
                .putLong(txId.view()).putLong(txId.seqno()).putInt(secret.version()).put(claimsDigest).put(ce)
                .putInt(publicPart.length).putInt(c).put(publicPart);
        if (c > 0) {
            byte[] aad = Arrays.copyOfRange(b.array(), 0, HEADER_LENGTH + publicPart.length);
            b.put(AesGcm.encrypt(secrets.keyOf(secret.version()), iv(txId), aad, privatePart));
        }
        MessageDigest md = Hashes.sha256Digest();
        md.update(b.array(), 0, b.position());
        b.put(md.digest());
        return new LedgerEntry(b.array(), txId, kind, secret.version(), publicPart.length, c);
    }

    /**
     * Parses and checks one serialized entry (lengths, version, kind, flags, digest). Throws
     * {@link MalformedEntryException} saying what is wrong.
     */
    public static LedgerEntry parse(byte[] bytes) {
        if (bytes.length < OVERHEAD) {
            throw new MalformedEntryException("entry of " + bytes.length + " bytes is shorter than the " + OVERHEAD + "-byte minimum");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int length = b.getInt(0);
        if ((long) length + 4 != bytes.length) {
            throw new MalformedEntryException("entry length field " + length + " does not match its " + bytes.length + " bytes");
        }
        int version = bytes[4] & 0xFF;
        if (version != FORMAT_VERSION) {
            throw new MalformedEntryException("unsupported entry format version " + version);
        }
        EntryKind kind;
        try {
            kind = EntryKind.ofCode(bytes[5] & 0xFF);
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException(e.getMessage());
        }
        if (b.getShort(6) != 0) {
            throw new MalformedEntryException("reserved entry flags are not zero");
        }
        long view = b.getLong(8);
        long seqno = b.getLong(16);
        if (view < 0 || view > MAX_VIEW || seqno < 1) {
            throw new MalformedEntryException("entry has an invalid transaction id " + view + "." + seqno);
        }
        int secretVersion = b.getInt(24);
        int p = b.getInt(92);
        int c = b.getInt(96);
        if (p < 0 || c < 0 || (long) OVERHEAD + p + c != bytes.length) {
            throw new MalformedEntryException("entry part lengths (public " + p + ", private " + c + ") do not add up to " + bytes.length);
        }
        if (c != 0 && c < AesGcm.TAG_LENGTH) {
            throw new MalformedEntryException("private part of " + c + " bytes is shorter than its tag");
        }
        MessageDigest md = Hashes.sha256Digest();
        md.update(bytes, 0, bytes.length - DIGEST_LENGTH);
        if (!MessageDigest.isEqual(md.digest(), Arrays.copyOfRange(bytes, bytes.length - DIGEST_LENGTH, bytes.length))) {
            throw new MalformedEntryException("entry digest does not match its contents");
        }
        return new LedgerEntry(bytes.clone(), new TxId(view, seqno), kind, secretVersion, p, c);
    }

    /** AES-GCM IV of the entry at {@code txId}: seqno (8 bytes) || view (4 bytes). */
    static byte[] iv(TxId txId) {
        return ByteBuffer.allocate(AesGcm.IV_LENGTH).putLong(txId.seqno()).putInt((int) txId.view()).array();
    }

    public TxId txId() {
        return txId;
    }

    public EntryKind kind() {
        return kind;
    }

    public int secretVersion() {
        return secretVersion;
    }

    /** The serialized bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    public byte[] publicPart() {
        return Arrays.copyOfRange(bytes, HEADER_LENGTH, HEADER_LENGTH + publicLength);
    }

    public byte[] ciphertext() {
        return Arrays.copyOfRange(bytes, HEADER_LENGTH + publicLength, HEADER_LENGTH + publicLength + ciphertextLength);
    }

    /** Plaintext size of the private part. */
    public int privateLength() {
        return ciphertextLength == 0 ? 0 : ciphertextLength - AesGcm.TAG_LENGTH;
    }

    public byte[] claimsDigest() {
        return Arrays.copyOfRange(bytes, 28, 60);
    }

    public byte[] commitEvidenceDigest() {
        return Arrays.copyOfRange(bytes, 60, 92);
    }

    /** SHA-256 of the serialized entry up to the digest: header, public part and ciphertext. */
    public byte[] writeSetDigest() {
        return Arrays.copyOfRange(bytes, bytes.length - DIGEST_LENGTH, bytes.length);
    }

    /** The Merkle leaf: {@code SHA-256(writeSetDigest || commitEvidenceDigest || claimsDigest)}. */
    public byte[] leaf() {
        byte[] l = leaf;
        if (l == null) {
            l = leaf(writeSetDigest(), commitEvidenceDigest(), claimsDigest());
            leaf = l; // the same value whichever thread computes it first
        }
        return l.clone();
    }

    /** Computed once: the primary and the ledger both need it. */
    private volatile byte[] leaf;

    public static byte[] leaf(byte[] writeSetDigest, byte[] commitEvidenceDigest, byte[] claimsDigest) {
        return Hashes.sha256(writeSetDigest, commitEvidenceDigest, claimsDigest);
    }

    /** Decrypts the private part (empty when there is none); throws if the secret is unknown or the tag fails. */
    public byte[] decryptPrivate(LedgerSecrets secrets) {
        if (ciphertextLength == 0) {
            return new byte[0];
        }
        byte[] aad = Arrays.copyOfRange(bytes, 0, HEADER_LENGTH + publicLength);
        return AesGcm.decrypt(secrets.keyOf(secretVersion), iv(txId), aad, ciphertext());
    }

    /** Raised when serialized entry bytes are not a valid entry. */
    public static final class MalformedEntryException extends RuntimeException {
        public MalformedEntryException(String message) {
            super(message);
        }
    }
}
