package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class Secp256k1Test {
    // The well-known key of the official Ethereum state tests and its address.
    private static final byte[] TEST_KEY =
            Hex.decode("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");
    private static final String TEST_ADDRESS = "a94f5374fce5edbc8e2a8697c15331677e6ebf0b";

    // Signature from the state test CallEcrecover0 (v = 28, and a high s that ecrecover accepts).
    private static final byte[] HASH =
            Hex.decode("18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c");
    private static final byte[] R =
            Hex.decode("73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f");
    private static final byte[] S =
            Hex.decode("eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549");

    @Test
    void addressOfKnownKey() {
        assertThat(Hex.encode(Secp256k1.address(TEST_KEY))).isEqualTo(TEST_ADDRESS);
        assertThat(Secp256k1.publicKey(TEST_KEY)).hasSize(64);
    }

    @Test
    void recoversKnownSignatureWithHighS() {
        assertThat(Secp256k1.isLowS(S)).isFalse();
        assertThat(Secp256k1.recoverAddress(HASH, R, S, 1)).get()
                .extracting(Hex::encode).isEqualTo(TEST_ADDRESS);
        // The other parity gives some other key, never ours.
        assertThat(Secp256k1.recoverAddress(HASH, R, S, 0))
                .hasValueSatisfying(a -> assertThat(Hex.encode(a)).isNotEqualTo(TEST_ADDRESS));
    }

    @Test
    void signThenRecoverRoundTrips() {
        Random rnd = new Random(42);
        for (int i = 0; i < 50; i++) {
            byte[] key = new byte[32];
            rnd.nextBytes(key);
            key[0] &= 0x7f;
            key[31] |= 1;
            byte[] hash = new byte[32];
            rnd.nextBytes(hash);
            Secp256k1.Signature sig = Secp256k1.sign(hash, key);
            assertThat(Secp256k1.isLowS(sig.s())).isTrue();
            assertThat(sig.recId()).isBetween(0, 1);
            assertThat(Secp256k1.recoverAddress(hash, sig.r(), sig.s(), sig.recId()))
                    .get().isEqualTo(Secp256k1.address(key));
        }
    }

    @Test
    void signingIsDeterministic() {
        byte[] hash = Hashes.keccak256(new byte[] {1, 2, 3});
        assertThat(Secp256k1.sign(hash, TEST_KEY)).isEqualTo(Secp256k1.sign(hash, TEST_KEY));
    }

    @Test
    void rejectsOutOfRangeRAndS() {
        byte[] zero = new byte[32];
        byte[] n = toBytes32(Secp256k1.N);
        byte[] nMinus1 = toBytes32(Secp256k1.N.subtract(BigInteger.ONE));
        assertThat(Secp256k1.recoverAddress(HASH, zero, S, 1)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, R, zero, 1)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, n, S, 1)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, R, n, 1)).isEmpty();
        assertThat(Secp256k1.inScalarRange(nMinus1)).isTrue();
        assertThat(Secp256k1.inScalarRange(n)).isFalse();
    }

    @Test
    void rejectsBadShapesWithoutThrowing() {
        assertThat(Secp256k1.recoverAddress(new byte[31], R, S, 0)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, Arrays.copyOf(R, 33), S, 0)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, R, S, 4)).isEmpty();
        assertThat(Secp256k1.recoverAddress(HASH, R, S, -1)).isEmpty();
        assertThat(Secp256k1.recoverAddress(null, R, S, 0)).isEmpty();
    }

    @Test
    void unrecoverableRGivesEmpty() {
        // x = 5 is not the x-coordinate of any curve point (5^3 + 7 = 132 is a non-residue mod p).
        byte[] r = toBytes32(BigInteger.valueOf(5));
        boolean anyPresent = false;
        for (int recId = 0; recId < 2; recId++) {
            anyPresent |= Secp256k1.recoverAddress(HASH, r, S, recId).isPresent();
        }
        assertThat(anyPresent).isFalse();
    }

    @Test
    void lowSBoundary() {
        assertThat(Secp256k1.isLowS(toBytes32(Secp256k1.HALF_N))).isTrue();
        assertThat(Secp256k1.isLowS(toBytes32(Secp256k1.HALF_N.add(BigInteger.ONE)))).isFalse();
    }

    @Test
    void rejectsInvalidPrivateKeys() {
        assertThatThrownBy(() -> Secp256k1.publicKey(new byte[32]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Secp256k1.publicKey(toBytes32(Secp256k1.N)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Secp256k1.sign(new byte[31], TEST_KEY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] toBytes32(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - len, out, 32 - len, len);
        return out;
    }
}
