package org.consort.evm.precompile;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.Optional;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class Bn254PrecompilesTest {
    private static final BigInteger P = Bn254.P;
    private static final BigInteger R = Bn254.R;

    // The G2 generator as Ethereum (EIP-197) uses it: x = X_IM i + X_RE, y = Y_IM i + Y_RE.
    private static final BigInteger X_IM = new BigInteger(
            "11559732032986387107991004021392285783925812861821192530917403151452391805634");
    private static final BigInteger X_RE = new BigInteger(
            "10857046999023057135944570762232829481370756359578518086990519993285655852781");
    private static final BigInteger Y_IM = new BigInteger(
            "4082367875863433681332203403145435568316851327593401208105741076214120093531");
    private static final BigInteger Y_RE = new BigInteger(
            "8495653923123431417604973247489272438418190587263600148770280649306958101930");

    private final Bn254Add add = new Bn254Add();
    private final Bn254Mul mul = new Bn254Mul();
    private final Bn254Pairing pairing = new Bn254Pairing();

    private static byte[] word(BigInteger v) {
        return Bytes.leftPad(v, 32);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    private static byte[] g1(long x, long y) {
        return concat(word(BigInteger.valueOf(x)), word(BigInteger.valueOf(y)));
    }

    private static byte[] g2Generator() {
        return concat(word(X_IM), word(X_RE), word(Y_IM), word(Y_RE));
    }

    private byte[] mulG1(byte[] point, BigInteger k) {
        return mul.compute(concat(point, word(k))).orElseThrow();
    }

    private static byte[] negate(byte[] g1) {
        BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(g1, 32, 64));
        return concat(java.util.Arrays.copyOfRange(g1, 0, 32), word(y.signum() == 0 ? y : P.subtract(y)));
    }

    private static byte[] g2Encode(Bn254.G2 q) {
        return concat(word(q.x().b()), word(q.x().a()), word(q.y().b()), word(q.y().a()));
    }

    private Bn254.G2 generatorG2() {
        return Bn254.parseG2(g2Generator(), 0).orElseThrow();
    }

    @Test
    void gasCostsFollowEip1108() {
        assertThat(add.gasRequirement(new byte[0])).isEqualTo(150);
        assertThat(mul.gasRequirement(new byte[0])).isEqualTo(6000);
        assertThat(pairing.gasRequirement(new byte[0])).isEqualTo(45_000);
        assertThat(pairing.gasRequirement(new byte[192 * 2])).isEqualTo(45_000 + 2 * 34_000);
        assertThat(pairing.gasRequirement(new byte[191])).isEqualTo(45_000);
    }

    @Test
    void addDoublesGenerator() {
        // 2 * (1, 2): x = -23/16 and y = 3/4 (1 - x) - 2 mod p.
        byte[] out = add.compute(concat(g1(1, 2), g1(1, 2))).orElseThrow();
        assertThat(Hex.encode(out)).isEqualTo(
                "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3"
                        + "15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4");
        assertThat(mulG1(g1(1, 2), BigInteger.TWO)).isEqualTo(out);
    }

    @Test
    void addWithInfinityAndShortInput() {
        assertThat(add.compute(new byte[0])).hasValue(new byte[64]);
        assertThat(add.compute(g1(1, 2))).hasValue(g1(1, 2));
        assertThat(add.compute(concat(g1(1, 2), negate(g1(1, 2))))).hasValue(new byte[64]);
        // Input longer than 128 bytes is truncated.
        assertThat(add.compute(concat(g1(1, 2), g1(0, 0), new byte[] {7, 7}))).hasValue(g1(1, 2));
    }

    @Test
    void addRejectsInvalidPoints() {
        assertThat(add.compute(concat(g1(1, 3), g1(1, 2)))).isEmpty();
        assertThat(add.compute(concat(g1(1, 2), g1(0, 1)))).isEmpty();
        // Coordinates at or above p are invalid even when congruent to a valid point.
        byte[] shifted = concat(word(P.add(BigInteger.ONE)), word(BigInteger.TWO));
        assertThat(add.compute(concat(shifted, g1(0, 0)))).isEmpty();
    }

    @Test
    void mulMatchesRepeatedAddAndOrder() {
        byte[] g = g1(1, 2);
        byte[] acc = g;
        for (int i = 2; i <= 9; i++) {
            acc = add.compute(concat(acc, g)).orElseThrow();
            assertThat(mulG1(g, BigInteger.valueOf(i))).as("k=%d", i).isEqualTo(acc);
        }
        assertThat(mulG1(g, R)).isEqualTo(new byte[64]);
        assertThat(mulG1(g, BigInteger.ZERO)).isEqualTo(new byte[64]);
        assertThat(mulG1(g, R.add(BigInteger.valueOf(5)))).isEqualTo(mulG1(g, BigInteger.valueOf(5)));
        BigInteger max = BigInteger.ONE.shiftLeft(256).subtract(BigInteger.ONE);
        assertThat(mulG1(g, max)).isEqualTo(mulG1(g, max.mod(R)));
        assertThat(mulG1(new byte[64], BigInteger.TEN)).isEqualTo(new byte[64]);
        assertThat(mul.compute(concat(g1(1, 3), word(BigInteger.ONE)))).isEmpty();
    }

    @Test
    void g2GeneratorIsValidAndHasOrderR() {
        Bn254.G2 q = generatorG2();
        assertThat(q.isOnCurve()).isTrue();
        assertThat(Bn254.g2Mul(q, R)).isNull();
        // Frobenius acts on G2 as multiplication by p.
        assertThat(q.frobenius()).isEqualTo(Bn254.g2Mul(q, P.mod(R)));
    }

    @Test
    void pairingOfEmptyInputIsOne() {
        assertThat(pairing.compute(new byte[0])).hasValue(Bytes.leftPad(BigInteger.ONE, 32));
    }

    @Test
    void pairingIsBilinear() {
        byte[] g = g1(1, 2);
        Bn254.G2 q = generatorG2();
        BigInteger a = BigInteger.valueOf(1234567);
        BigInteger b = new BigInteger("98765432109876543210");
        byte[] aG = mulG1(g, a);
        byte[] bQ = g2Encode(Bn254.g2Mul(q, b));
        byte[] abG = mulG1(g, a.multiply(b));
        // e(aG, bQ) * e(-abG, Q) = 1
        byte[] input = concat(aG, bQ, negate(abG), g2Generator());
        assertThat(pairing.compute(input)).hasValue(Bytes.leftPad(BigInteger.ONE, 32));
        // e(aG, bQ) * e(abG, Q) != 1
        byte[] wrong = concat(aG, bQ, abG, g2Generator());
        assertThat(pairing.compute(wrong)).hasValue(new byte[32]);
        // A single non-degenerate pairing is not one.
        assertThat(pairing.compute(concat(g, g2Generator()))).hasValue(new byte[32]);
    }

    @Test
    void pairingWithInfinityContributesOne() {
        assertThat(pairing.compute(concat(new byte[64], g2Generator())))
                .hasValue(Bytes.leftPad(BigInteger.ONE, 32));
        assertThat(pairing.compute(concat(g1(1, 2), new byte[128])))
                .hasValue(Bytes.leftPad(BigInteger.ONE, 32));
        // The other point must still be valid.
        assertThat(pairing.compute(concat(g1(1, 3), new byte[128]))).isEmpty();
    }

    @Test
    void pairingRejectsBadInput() {
        assertThat(pairing.compute(new byte[191])).isEmpty();
        assertThat(pairing.compute(new byte[193])).isEmpty();
        // G2 coordinate >= p.
        byte[] badCoord = g2Generator();
        System.arraycopy(word(P), 0, badCoord, 0, 32);
        assertThat(pairing.compute(concat(g1(1, 2), badCoord))).isEmpty();
        // A point on the twist but outside the order-r subgroup.
        Bn254.G2 off = pointOnTwistOutsideSubgroup();
        assertThat(off.isOnCurve()).isTrue();
        assertThat(pairing.compute(concat(g1(1, 2), g2Encode(off)))).isEmpty();
        // Not on the twist at all.
        byte[] notOnCurve = g2Generator();
        notOnCurve[127] ^= 1;
        assertThat(pairing.compute(concat(g1(1, 2), notOnCurve))).isEmpty();
    }

    /** The twist has cofactor > 1, so most points found by solving for y lie outside G2. */
    private static Bn254.G2 pointOnTwistOutsideSubgroup() {
        for (long x = 1; ; x++) {
            Bn254.Fp2 fx = Bn254.Fp2.of(BigInteger.valueOf(x));
            Bn254.Fp2 rhs = fx.square().mul(fx).add(Bn254.B2);
            Optional<Bn254.Fp2> y = sqrt(rhs);
            if (y.isPresent()) {
                Bn254.G2 pt = new Bn254.G2(fx, y.get());
                if (Bn254.g2Mul(pt, R) != null) {
                    return pt;
                }
            }
        }
    }

    /** Square root in Fp2 for p = 3 mod 4 (the "complex" method); empty for non-squares. */
    private static Optional<Bn254.Fp2> sqrt(Bn254.Fp2 a) {
        BigInteger norm = a.a().multiply(a.a()).add(a.b().multiply(a.b())).mod(P);
        BigInteger e = P.add(BigInteger.ONE).shiftRight(2);
        BigInteger alpha = norm.modPow(e, P);
        if (!alpha.multiply(alpha).mod(P).equals(norm)) {
            return Optional.empty();
        }
        BigInteger half = BigInteger.TWO.modInverse(P);
        for (BigInteger s : new BigInteger[] {alpha, P.subtract(alpha)}) {
            BigInteger delta = a.a().add(s).multiply(half).mod(P);
            BigInteger x0 = delta.modPow(e, P);
            if (x0.multiply(x0).mod(P).equals(delta) && x0.signum() != 0) {
                BigInteger x1 = a.b().multiply(x0.shiftLeft(1).modInverse(P)).mod(P);
                Bn254.Fp2 cand = new Bn254.Fp2(x0, x1);
                if (cand.square().equals(a)) {
                    return Optional.of(cand);
                }
            }
        }
        return Optional.empty();
    }
}
