package org.consort.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.crypto.digests.KeccakDigest;

/** The hash functions Consort uses: SHA-256 (ledger, Merkle tree) and Keccak-256 (Ethereum). */
public final class Hashes {
    public static final int SHA256_LENGTH = 32;
    public static final int KECCAK256_LENGTH = 32;

    private Hashes() {
    }

    public static byte[] sha256(byte[]... parts) {
        MessageDigest md = sha256Digest();
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    /** Cloned for each use: cheaper than a provider lookup on every hash of the write path. */
    private static final MessageDigest SHA256_PROTOTYPE = newSha256();

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** A fresh SHA-256 digest object (not thread-safe; one per use). */
    public static MessageDigest sha256Digest() {
        try {
            return (MessageDigest) SHA256_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    public static byte[] keccak256(byte[] data) {
        return keccak256(data, 0, data.length);
    }

    public static byte[] keccak256(byte[] data, int offset, int length) {
        KeccakDigest d = new KeccakDigest(256);
        d.update(data, offset, length);
        byte[] out = new byte[KECCAK256_LENGTH];
        d.doFinal(out, 0);
        return out;
    }
}
