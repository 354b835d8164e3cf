package org.consort.evm.precompile;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class ModExpTest {
    private final ModExp modexp = new ModExp();

    private static String word(long v) {
        return String.format("%064x", v);
    }

    private static final String SECP_P_MINUS_1 = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
    private static final String SECP_P = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";

    @Test
    void eip198FermatExample() {
        byte[] in = Hex.decode(word(1) + word(32) + word(32) + "03" + SECP_P_MINUS_1 + SECP_P);
        assertThat(Hex.encode(modexp.compute(in).orElseThrow())).isEqualTo(word(1));
        // EIP-2565: words = ceil(32/8) = 4 -> complexity 16; iterations = 255; 16 * 255 / 3 = 1360.
        assertThat(modexp.gasRequirement(in)).isEqualTo(1360);
    }

    @Test
    void eip198ZeroModulusExample() {
        byte[] in = Hex.decode(word(0) + word(32) + word(32) + SECP_P_MINUS_1 + SECP_P);
        // The base is empty (0), 0^(p-1) mod p = 0.
        assertThat(Hex.encode(modexp.compute(in).orElseThrow())).isEqualTo(word(0));
        byte[] zeroMod = Hex.decode(word(1) + word(1) + word(2) + "03" + "05" + "0000");
        assertThat(modexp.compute(zeroMod)).hasValue(new byte[2]);
    }

    @Test
    void outputHasModulusLengthAndInputIsZeroPadded() {
        // base 2, exp 10, mod given as 4 bytes of which only 2 are present: 0x03e8 0000 = 65536000.
        byte[] in = Hex.decode(word(1) + word(1) + word(4) + "02" + "0a" + "03e8");
        byte[] out = modexp.compute(in).orElseThrow();
        assertThat(out).hasSize(4);
        assertThat(new BigInteger(1, out)).isEqualTo(BigInteger.valueOf(1024));
        assertThat(modexp.compute(Hex.decode(word(0) + word(0) + word(0)))).hasValue(new byte[0]);
        assertThat(modexp.compute(new byte[0])).hasValue(new byte[0]);
    }

    @Test
    void minimumGasIs200() {
        assertThat(modexp.gasRequirement(new byte[0])).isEqualTo(200);
        assertThat(modexp.gasRequirement(Hex.decode(word(1) + word(1) + word(1) + "02" + "03" + "05"))).isEqualTo(200);
    }

    @Test
    void hugeLengthsSaturateWithoutAllocating() {
        String max = "ff".repeat(32);
        assertThat(modexp.gasRequirement(Hex.decode(max + word(1) + word(1)))).isEqualTo(Long.MAX_VALUE);
        assertThat(modexp.gasRequirement(Hex.decode(word(1) + word(1) + max))).isEqualTo(Long.MAX_VALUE);
        assertThat(modexp.gasRequirement(Hex.decode(word(1) + max + word(1) + "0201"))).isEqualTo(Long.MAX_VALUE);
        // Huge exponent length but empty base and modulus: complexity 0, so the minimum; output empty.
        byte[] cheap = Hex.decode(word(0) + max + word(0));
        assertThat(modexp.gasRequirement(cheap)).isEqualTo(200);
        assertThat(modexp.compute(cheap)).hasValue(new byte[0]);
        // A modulus length no array can hold fails instead of allocating.
        assertThat(modexp.compute(Hex.decode(word(1) + word(1) + max))).isEmpty();
        assertThat(modexp.compute(Hex.decode(word(1) + word(1) + word(1L << 40)))).isEmpty();
    }

    @Test
    void iterationCountUsesExponentHeadAndLength() {
        // expLen 64 (> 32): 8 * (64 - 32) + (bitlen(head) - 1); head = 0x01 followed by zeros -> bitlen 249.
        String exp = "01" + "00".repeat(63);
        byte[] in = Hex.decode(word(8) + word(64) + word(8) + "00".repeat(7) + "02" + exp + "00".repeat(7) + "07");
        long iterations = 8 * 32 + 248;
        assertThat(modexp.gasRequirement(in)).isEqualTo(Math.max(200, iterations / 3));
        // A zero head with expLen > 32 adds nothing for the head.
        String zeroExp = "00".repeat(64);
        byte[] in2 = Hex.decode(word(64) + word(64) + word(64) + "00".repeat(64) + zeroExp + "00".repeat(63) + "07");
        assertThat(modexp.gasRequirement(in2)).isEqualTo(64L * 256 / 3);
        // The exponent head lies beyond the input: read as zeros.
        byte[] in3 = Hex.decode(word(1000) + word(32) + word(1000));
        assertThat(modexp.gasRequirement(in3)).isEqualTo(Math.max(200, 125L * 125 / 3));
    }

    @Test
    void matchesBigIntegerOnRandomInputs() {
        java.util.Random rnd = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            int bl = rnd.nextInt(40);
            int el = rnd.nextInt(40);
            int ml = 1 + rnd.nextInt(40);
            byte[] b = new byte[bl];
            byte[] e = new byte[el];
            byte[] m = new byte[ml];
            rnd.nextBytes(b);
            rnd.nextBytes(e);
            rnd.nextBytes(m);
            byte[] in = Hex.decode(word(bl) + word(el) + word(ml) + Hex.encode(b) + Hex.encode(e) + Hex.encode(m));
            BigInteger mod = new BigInteger(1, m);
            BigInteger expected = mod.signum() == 0 ? BigInteger.ZERO
                    : new BigInteger(1, b).modPow(new BigInteger(1, e), mod);
            byte[] out = modexp.compute(in).orElseThrow();
            assertThat(out).hasSize(ml);
            assertThat(new BigInteger(1, out)).isEqualTo(expected);
        }
    }
}
