package org.consort.evm.precompile;

import ethereum.ckzg4844.CKZG4844JNI;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import org.consort.crypto.Hashes;

/**
 * 0x0a KZG point evaluation (EIP-4844, Cancun): checks that a blob commitment opens to y at z.
 *
 * <p>Input is exactly 192 bytes: versioned hash, z, y, commitment (48), proof (48). The versioned
 * hash must be {@code 0x01 || sha256(commitment)[1:]}. On success the output is
 * FIELD_ELEMENTS_PER_BLOB and BLS_MODULUS as two 32-byte words. The proof is checked by c-kzg-4844
 * with the mainnet trusted setup, both loaded once on first use. Thread-safe: the native library
 * only reads the trusted setup after loading it.
 */
public final class PointEvaluation implements PrecompiledContract {
    public static final long GAS = 50_000;
    public static final int INPUT_LENGTH = 192;
    public static final byte VERSIONED_HASH_VERSION_KZG = 0x01;
    public static final int FIELD_ELEMENTS_PER_BLOB = 4096;
    public static final BigInteger BLS_MODULUS = new BigInteger(
            "52435875175126190479447740508185965837690552500527637822603658699938581184513");

    private static final byte[] SUCCESS_OUTPUT = successOutput();

    private static final class Kzg {
        static final boolean READY = load();

        private static boolean load() {
            CKZG4844JNI.loadNativeLibrary();
            // The mainnet setup ships as a classpath resource (see evm/pom.xml); c-kzg copies it to a temp file.
            CKZG4844JNI.loadTrustedSetupFromResource("/trusted_setup.txt", PointEvaluation.class, 0);
            return true;
        }
    }

    @Override
    public long gasRequirement(byte[] input) {
        return GAS;
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        if (input.length != INPUT_LENGTH) {
            return Optional.empty();
        }
        byte[] versionedHash = Arrays.copyOfRange(input, 0, 32);
        byte[] z = Arrays.copyOfRange(input, 32, 64);
        byte[] y = Arrays.copyOfRange(input, 64, 96);
        byte[] commitment = Arrays.copyOfRange(input, 96, 144);
        byte[] proof = Arrays.copyOfRange(input, 144, 192);
        if (!MessageDigest.isEqual(kzgToVersionedHash(commitment), versionedHash)) {
            return Optional.empty();
        }
        // c-kzg also rejects these, but by exception; checking first keeps failures cheap and explicit.
        if (new BigInteger(1, z).compareTo(BLS_MODULUS) >= 0 || new BigInteger(1, y).compareTo(BLS_MODULUS) >= 0) {
            return Optional.empty();
        }
        boolean valid;
        try {
            valid = Kzg.READY && CKZG4844JNI.verifyKzgProof(commitment, z, y, proof);
        } catch (RuntimeException e) {
            // Malformed commitment or proof (not a valid compressed G1 point).
            return Optional.empty();
        }
        return valid ? Optional.of(SUCCESS_OUTPUT.clone()) : Optional.empty();
    }

    /** {@code 0x01 || sha256(commitment)[1:]}, the versioned hash blob transactions carry. */
    public static byte[] kzgToVersionedHash(byte[] commitment) {
        byte[] h = Hashes.sha256(commitment);
        h[0] = VERSIONED_HASH_VERSION_KZG;
        return h;
    }

    private static byte[] successOutput() {
        byte[] out = new byte[64];
        System.arraycopy(Bytes.leftPad(BigInteger.valueOf(FIELD_ELEMENTS_PER_BLOB), 32), 0, out, 0, 32);
        System.arraycopy(Bytes.leftPad(BLS_MODULUS, 32), 0, out, 32, 32);
        return out;
    }
}
