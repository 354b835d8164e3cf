package org.consort.evm.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The limb arithmetic against a plain BigInteger reference of the yellow paper's definitions. */
class UInt256PropertyTest {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);
    private static final BigInteger HALF = BigInteger.ONE.shiftLeft(255);

    @Provide
    Arbitrary<BigInteger> words() {
        // Mix full-width values with small ones and boundary values, where carries and signs bite.
        return Arbitraries.oneOf(
                Arbitraries.bigIntegers().between(BigInteger.ZERO, MOD.subtract(BigInteger.ONE)),
                Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.valueOf(300)),
                Arbitraries.of(BigInteger.ZERO, BigInteger.ONE, MOD.subtract(BigInteger.ONE), HALF,
                        HALF.subtract(BigInteger.ONE), BigInteger.ONE.shiftLeft(64), BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE),
                        BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE), BigInteger.ONE.shiftLeft(192)));
    }

    private interface Op {
        void apply(long[] s, int a, int b, int r);
    }

    private static BigInteger run(Op op, BigInteger a, BigInteger b) {
        long[] s = new long[12];
        UInt256.fromBig(a, s, 0);
        UInt256.fromBig(b, s, 4);
        op.apply(s, 0, 4, 8);
        return UInt256.toBig(s, 8);
    }

    private static BigInteger signed(BigInteger v) {
        return v.compareTo(HALF) >= 0 ? v.subtract(MOD) : v;
    }

    private static BigInteger unsigned(BigInteger v) {
        return v.mod(MOD);
    }

    @Property
    void addSubMul(@ForAll("words") BigInteger a, @ForAll("words") BigInteger b) {
        assertThat(run(UInt256::add, a, b)).isEqualTo(a.add(b).mod(MOD));
        assertThat(run(UInt256::sub, a, b)).isEqualTo(a.subtract(b).mod(MOD));
        assertThat(run(UInt256::mul, a, b)).isEqualTo(a.multiply(b).mod(MOD));
    }

    @Property
    void division(@ForAll("words") BigInteger a, @ForAll("words") BigInteger b) {
        BigInteger div = b.signum() == 0 ? BigInteger.ZERO : a.divide(b);
        BigInteger mod = b.signum() == 0 ? BigInteger.ZERO : a.mod(b);
        assertThat(run(UInt256::div, a, b)).isEqualTo(div);
        assertThat(run(UInt256::mod, a, b)).isEqualTo(mod);
        BigInteger sa = signed(a);
        BigInteger sb = signed(b);
        BigInteger sdiv = sb.signum() == 0 ? BigInteger.ZERO : unsigned(sa.abs().divide(sb.abs()).multiply(
                BigInteger.valueOf(sa.signum() * sb.signum())));
        BigInteger smod = sb.signum() == 0 ? BigInteger.ZERO : unsigned(sa.abs().mod(sb.abs()).multiply(
                BigInteger.valueOf(sa.signum() < 0 ? -1 : 1)));
        assertThat(run(UInt256::sdiv, a, b)).isEqualTo(sdiv);
        assertThat(run(UInt256::smod, a, b)).isEqualTo(smod);
    }

    @Provide
    Arbitrary<BigInteger> anyWidth() {
        // Values of every bit length, so divisors with 1..8 32-bit digits and the quotient-digit
        // correction steps of long division are all exercised.
        return Arbitraries.integers().between(1, 256).flatMap(bits -> Arbitraries.bigIntegers()
                .between(BigInteger.ONE.shiftLeft(bits - 1), BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)));
    }

    @Property(tries = 3000)
    void divisionAcrossWidths(@ForAll("anyWidth") BigInteger a, @ForAll("anyWidth") BigInteger b) {
        assertThat(run(UInt256::div, a, b)).isEqualTo(a.divide(b));
        assertThat(run(UInt256::mod, a, b)).isEqualTo(a.mod(b));
        BigInteger sa = signed(a);
        BigInteger sb = signed(b);
        assertThat(run(UInt256::sdiv, a, b)).isEqualTo(unsigned(sa.abs().divide(sb.abs())
                .multiply(BigInteger.valueOf(sa.signum() * sb.signum()))));
        assertThat(run(UInt256::smod, a, b)).isEqualTo(unsigned(sa.abs().mod(sb.abs())
                .multiply(BigInteger.valueOf(sa.signum() < 0 ? -1 : 1))));
    }

    @Property
    void modularArithmetic(@ForAll("words") BigInteger a, @ForAll("words") BigInteger b, @ForAll("words") BigInteger n) {
        long[] s = new long[16];
        UInt256.fromBig(a, s, 0);
        UInt256.fromBig(b, s, 4);
        UInt256.fromBig(n, s, 8);
        UInt256.addmod(s, 0, 4, 8, 12);
        assertThat(UInt256.toBig(s, 12)).isEqualTo(n.signum() == 0 ? BigInteger.ZERO : a.add(b).mod(n));
        UInt256.mulmod(s, 0, 4, 8, 12);
        assertThat(UInt256.toBig(s, 12)).isEqualTo(n.signum() == 0 ? BigInteger.ZERO : a.multiply(b).mod(n));
    }

    @Property
    void exp(@ForAll("words") BigInteger a, @ForAll("words") BigInteger b) {
        long[] scratch = new long[8];
        assertThat(run((s, x, y, r) -> UInt256.exp(s, x, y, r, scratch), a, b)).isEqualTo(a.modPow(b, MOD));
    }

    @Property
    void comparisons(@ForAll("words") BigInteger a, @ForAll("words") BigInteger b) {
        long[] s = new long[8];
        UInt256.fromBig(a, s, 0);
        UInt256.fromBig(b, s, 4);
        assertThat(Integer.signum(UInt256.compareUnsigned(s, 0, 4))).isEqualTo(a.compareTo(b));
        assertThat(Integer.signum(UInt256.compareSigned(s, 0, 4))).isEqualTo(signed(a).compareTo(signed(b)));
    }

    @Property
    void shiftsByteAndSignExtend(@ForAll("words") BigInteger v, @ForAll("words") BigInteger n) {
        int sh = n.compareTo(BigInteger.valueOf(256)) >= 0 ? 256 : n.intValue();
        BigInteger shl = sh >= 256 ? BigInteger.ZERO : v.shiftLeft(sh).mod(MOD);
        BigInteger shr = sh >= 256 ? BigInteger.ZERO : v.shiftRight(sh);
        BigInteger sar = unsigned(signed(v).shiftRight(Math.min(sh, 256)));
        assertThat(run(UInt256::shl, n, v)).isEqualTo(shl);
        assertThat(run((s, a, b, r) -> UInt256.shr(s, a, b, r, false), n, v)).isEqualTo(shr);
        assertThat(run((s, a, b, r) -> UInt256.shr(s, a, b, r, true), n, v)).isEqualTo(sar);

        BigInteger bytePos = n.mod(BigInteger.valueOf(40));
        BigInteger expectedByte = bytePos.intValue() >= 32 ? BigInteger.ZERO
                : v.shiftRight(8 * (31 - bytePos.intValue())).and(BigInteger.valueOf(0xFF));
        assertThat(run(UInt256::byteOp, bytePos, v)).isEqualTo(expectedByte);

        BigInteger ext;
        if (n.compareTo(BigInteger.valueOf(31)) >= 0) {
            ext = v;
        } else {
            int bits = 8 * (n.intValue() + 1);
            BigInteger low = v.mod(BigInteger.ONE.shiftLeft(bits));
            ext = low.testBit(bits - 1) ? unsigned(low.subtract(BigInteger.ONE.shiftLeft(bits))) : low;
        }
        assertThat(run(UInt256::signExtend, n, v)).isEqualTo(ext);
    }

    @Property
    void bytesRoundTrip(@ForAll("words") BigInteger v) {
        long[] s = new long[8];
        UInt256.fromBig(v, s, 0);
        byte[] b = new byte[32];
        UInt256.toBytes(s, 0, b, 0);
        assertThat(new BigInteger(1, b)).isEqualTo(v);
        UInt256.fromBytes(b, 0, s, 4);
        assertThat(UInt256.toBig(s, 4)).isEqualTo(v);
        assertThat(UInt256.byteLength(s, 0)).isEqualTo((v.bitLength() + 7) / 8);
    }
}
