package org.consort.crypto;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * Ethereum-style ECDSA over secp256k1: public-key recovery, signing with a recovery id, and
 * addresses, backed by ACINQ's bindings to the native libsecp256k1.
 *
 * <p>All methods are static and thread-safe (the native context is immutable once created).
 * Invalid signatures and keys give empty results instead of exceptions, because callers (the EVM's
 * ecrecover, transaction validation) must treat them as ordinary data.
 */
public final class Secp256k1 {
    /** The order n of the curve's base point. */
    public static final BigInteger N =
            new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
    /** n / 2: EIP-2 rejects transaction signatures with s above it. */
    public static final BigInteger HALF_N = N.shiftRight(1);

    public static final int ADDRESS_LENGTH = 20;

    private Secp256k1() {
    }

    /** An ECDSA signature with the recovery id (0..3) that selects the signer's public key. */
    public record Signature(byte[] r, byte[] s, int recId) {
        public Signature {
            Objects.requireNonNull(r, "r");
            Objects.requireNonNull(s, "s");
            if (r.length != 32 || s.length != 32) {
                throw new IllegalArgumentException("r and s must be 32 bytes each");
            }
            r = r.clone();
            s = s.clone();
        }

        @Override
        public byte[] r() {
            return r.clone();
        }

        @Override
        public byte[] s() {
            return s.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature other && recId == other.recId
                    && Arrays.equals(r, other.r) && Arrays.equals(s, other.s);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(r) + Arrays.hashCode(s)) + recId;
        }

        @Override
        public String toString() {
            return "Signature[r=" + org.consort.common.Hex.encode(r) + ", s="
                    + org.consort.common.Hex.encode(s) + ", recId=" + recId + "]";
        }
    }

    private static final class Native {
        // Loaded on first use so that classes that merely mention Secp256k1 need no native library.
        static final fr.acinq.secp256k1.Secp256k1 LIB = fr.acinq.secp256k1.Secp256k1.get();
    }

    /**
     * The 64-byte public key (x || y, without the 0x04 prefix) that signed {@code hash32}, or empty
     * when the signature is invalid: r, s or the hash not 32 bytes, r or s outside [1, n-1], a
     * recovery id outside 0..3, or no curve point for r.
     */
    public static Optional<byte[]> recoverPublicKey(byte[] hash32, byte[] r32, byte[] s32, int recId) {
        if (hash32 == null || r32 == null || s32 == null
                || hash32.length != 32 || r32.length != 32 || s32.length != 32) {
            return Optional.empty();
        }
        if (recId < 0 || recId > 3 || !inScalarRange(r32) || !inScalarRange(s32)) {
            return Optional.empty();
        }
        byte[] compact = new byte[64];
        System.arraycopy(r32, 0, compact, 0, 32);
        System.arraycopy(s32, 0, compact, 32, 32);
        byte[] pub;
        try {
            pub = Native.LIB.ecdsaRecover(compact, hash32, recId);
        } catch (RuntimeException e) {
            // The library signals an unrecoverable signature by throwing.
            return Optional.empty();
        }
        if (pub == null || pub.length != 65 || pub[0] != 0x04) {
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(pub, 1, 65));
    }

    /** The 20-byte Ethereum address that signed {@code hash32}, or empty (see {@link #recoverPublicKey}). */
    public static Optional<byte[]> recoverAddress(byte[] hash32, byte[] r32, byte[] s32, int recId) {
        return recoverPublicKey(hash32, r32, s32, recId).map(Secp256k1::addressOfPublicKey);
    }

    /**
     * Signs a 32-byte hash deterministically (RFC 6979) with a low s, as EIP-2 requires.
     *
     * @throws IllegalArgumentException if the hash is not 32 bytes or the private key is not in [1, n-1]
     */
    public static Signature sign(byte[] hash32, byte[] privKey32) {
        if (hash32 == null || hash32.length != 32) {
            throw new IllegalArgumentException("hash must be 32 bytes");
        }
        byte[] pub64 = publicKey(privKey32);
        byte[] compact;
        try {
            compact = Native.LIB.sign(hash32, privKey32, null); // no extra entropy: RFC 6979 deterministic
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("signing failed: " + e.getMessage(), e);
        }
        if (compact.length != 64) {
            // Some bindings return DER; the compact form is what Ethereum uses.
            compact = Native.LIB.der2compact(compact);
        }
        byte[] r = Arrays.copyOfRange(compact, 0, 32);
        byte[] s = Arrays.copyOfRange(compact, 32, 64);
        if (!isLowS(s)) {
            s = toBytes32(N.subtract(new BigInteger(1, s)));
        }
        // The library does not report the recovery id; find the one that yields our key.
        for (int recId = 0; recId < 4; recId++) {
            Optional<byte[]> rec = recoverPublicKey(hash32, r, s, recId);
            if (rec.isPresent() && Arrays.equals(rec.get(), pub64)) {
                return new Signature(r, s, recId);
            }
        }
        throw new IllegalStateException("no recovery id reproduces the signer's public key");
    }

    /**
     * The 64-byte uncompressed public key (x || y) of a private key.
     *
     * @throws IllegalArgumentException if the key is not 32 bytes in [1, n-1]
     */
    public static byte[] publicKey(byte[] privKey32) {
        if (privKey32 == null || privKey32.length != 32 || !inScalarRange(privKey32)) {
            throw new IllegalArgumentException("private key must be 32 bytes in [1, n-1]");
        }
        byte[] pub = Native.LIB.pubkeyCreate(privKey32);
        if (pub.length == 33) {
            pub = Native.LIB.pubkeyParse(pub);
        }
        return Arrays.copyOfRange(pub, 1, 65);
    }

    /** The 20-byte Ethereum address of a private key. */
    public static byte[] address(byte[] privKey32) {
        return addressOfPublicKey(publicKey(privKey32));
    }

    /** The last 20 bytes of keccak256 of a 64-byte public key (x || y). */
    public static byte[] addressOfPublicKey(byte[] pub64) {
        if (pub64 == null || pub64.length != 64) {
            throw new IllegalArgumentException("public key must be 64 bytes (x || y)");
        }
        byte[] h = Hashes.keccak256(pub64);
        return Arrays.copyOfRange(h, 12, 32);
    }

    /** Whether s (big-endian, any length) is at most n/2, the EIP-2 rule for transaction signatures. */
    public static boolean isLowS(byte[] s) {
        return new BigInteger(1, s).compareTo(HALF_N) <= 0;
    }

    /** Whether a big-endian unsigned value lies in [1, n-1], the valid range for r, s and private keys. */
    public static boolean inScalarRange(byte[] v) {
        if (v == null || v.length == 0) {
            return false;
        }
        BigInteger x = new BigInteger(1, v);
        return x.signum() > 0 && x.compareTo(N) < 0;
    }

    private static byte[] toBytes32(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - len, out, 32 - len, len);
        return out;
    }
}
