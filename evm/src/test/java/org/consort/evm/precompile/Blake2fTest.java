package org.consort.evm.precompile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.Blake2bDigest;
import org.junit.jupiter.api.Test;

class Blake2fTest {
    private static final long[] IV = {
        0x6a09e667f3bcc908L, 0xbb67ae8584caa73bL, 0x3c6ef372fe94f82bL, 0xa54ff53a5f1d36f1L,
        0x510e527fade682d1L, 0x9b05688c2b3e6c1fL, 0x1f83d9abfb41bd6bL, 0x5be0cd19137e2179L,
    };

    private final Blake2f blake2f = new Blake2f();

    /** EIP-152 input for a one-block BLAKE2b-512 of {@code message} (no key), with {@code rounds}. */
    private static byte[] oneBlockInput(byte[] message, int rounds, int finalFlag) {
        byte[] in = new byte[213];
        in[0] = (byte) (rounds >>> 24);
        in[1] = (byte) (rounds >>> 16);
        in[2] = (byte) (rounds >>> 8);
        in[3] = (byte) rounds;
        long[] h = IV.clone();
        h[0] ^= 0x01010040L; // parameter block: digest length 64, fanout 1, depth 1
        for (int i = 0; i < 8; i++) {
            writeLe(h[i], in, 4 + 8 * i);
        }
        System.arraycopy(message, 0, in, 68, message.length);
        writeLe(message.length, in, 196);
        in[212] = (byte) finalFlag;
        return in;
    }

    private static void writeLe(long v, byte[] b, int off) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static byte[] bouncyCastleBlake2b(byte[] message) {
        Blake2bDigest d = new Blake2bDigest(512);
        d.update(message, 0, message.length);
        byte[] out = new byte[64];
        d.doFinal(out, 0);
        return out;
    }

    @Test
    void twelveRoundsOfOneBlockIsBlake2b512() {
        for (String s : new String[] {"", "abc", "The quick brown fox jumps over the lazy dog"}) {
            byte[] msg = s.getBytes(StandardCharsets.US_ASCII);
            byte[] out = blake2f.compute(oneBlockInput(msg, 12, 1)).orElseThrow();
            assertThat(out).as("message %s", s).isEqualTo(bouncyCastleBlake2b(msg));
        }
    }

    @Test
    void eip152Vector5() {
        // EIP-152 test vector 5: 12 rounds of "abc", final block.
        byte[] out = blake2f.compute(oneBlockInput("abc".getBytes(StandardCharsets.US_ASCII), 12, 1)).orElseThrow();
        assertThat(org.consort.common.Hex.encode(out)).isEqualTo(
                "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                        + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
    }

    @Test
    void roundsChangeTheResultAndSetTheGas() {
        byte[] msg = "abc".getBytes(StandardCharsets.US_ASCII);
        byte[] zeroRounds = oneBlockInput(msg, 0, 1);
        byte[] twelve = oneBlockInput(msg, 12, 1);
        assertThat(blake2f.gasRequirement(zeroRounds)).isZero();
        assertThat(blake2f.gasRequirement(twelve)).isEqualTo(12);
        assertThat(blake2f.gasRequirement(oneBlockInput(msg, -1, 1))).isEqualTo(0xffffffffL);
        assertThat(blake2f.compute(zeroRounds).orElseThrow()).isNotEqualTo(blake2f.compute(twelve).orElseThrow());
        assertThat(blake2f.compute(oneBlockInput(msg, 12, 0)).orElseThrow())
                .isNotEqualTo(blake2f.compute(twelve).orElseThrow());
    }

    @Test
    void rejectsBadLengthAndFlag() {
        assertThat(blake2f.compute(new byte[212])).isEmpty();
        assertThat(blake2f.compute(new byte[214])).isEmpty();
        assertThat(blake2f.compute(new byte[0])).isEmpty();
        assertThat(blake2f.gasRequirement(new byte[212])).isZero();
        byte[] badFlag = oneBlockInput(new byte[0], 12, 2);
        assertThat(blake2f.compute(badFlag)).isEmpty();
    }
}
