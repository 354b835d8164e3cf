package org.consort.evm.precompile;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.consort.common.InvariantViolation;

/**
 * Arithmetic on the BN254 (alt_bn128) curve as EIP-196 and EIP-197 define it: the group G1 over
 * Fp, the twist G2 over Fp2, and the optimal ate pairing into Fp12.
 *
 * <p>No maintained BN254 library is published on Maven Central (Besu's gnark bindings are only on
 * Hyperledger's own repository), so this follows the EIPs with {@link BigInteger} field
 * arithmetic; it favours clarity over speed (a pairing takes milliseconds, far below what its gas
 * pays for at the interpreter's speed). All values are immutable; the class is thread-safe.
 *
 * <p>Tower: Fp2 = Fp[i]/(i^2 + 1), Fp6 = Fp2[v]/(v^3 - xi) with xi = 9 + i, Fp12 = Fp6[w]/(w^2 - v),
 * so w^6 = xi. The twist is y^2 = x^3 + 3/xi, mapped into E(Fp12) by (x, y) -> (x w^2, y w^3).
 */
final class Bn254 {
    /** The base field modulus p. */
    static final BigInteger P = new BigInteger(
            "21888242871839275222246405745257275088696311157297823662689037894645226208583");
    /** The group order r of G1 and G2. */
    static final BigInteger R = new BigInteger(
            "21888242871839275222246405745257275088548364400416034343698204186575808495617");
    /** The BN parameter u; the optimal ate loop runs over 6u + 2. */
    static final BigInteger U = new BigInteger("4965661367192848881");
    private static final BigInteger ATE_LOOP = U.multiply(BigInteger.valueOf(6)).add(BigInteger.TWO);
    private static final BigInteger B1 = BigInteger.valueOf(3);

    private Bn254() {
    }

    // ---------------------------------------------------------------- Fp

    static BigInteger fpMul(BigInteger a, BigInteger b) {
        return a.multiply(b).mod(P);
    }

    static BigInteger fpAdd(BigInteger a, BigInteger b) {
        BigInteger r = a.add(b);
        return r.compareTo(P) >= 0 ? r.subtract(P) : r;
    }

    static BigInteger fpSub(BigInteger a, BigInteger b) {
        BigInteger r = a.subtract(b);
        return r.signum() < 0 ? r.add(P) : r;
    }

    static BigInteger fpNeg(BigInteger a) {
        return a.signum() == 0 ? a : P.subtract(a);
    }

    static BigInteger fpInv(BigInteger a) {
        return a.modInverse(P);
    }

    // ---------------------------------------------------------------- Fp2

    /** a + b i. */
    record Fp2(BigInteger a, BigInteger b) {
        static final Fp2 ZERO = new Fp2(BigInteger.ZERO, BigInteger.ZERO);
        static final Fp2 ONE = new Fp2(BigInteger.ONE, BigInteger.ZERO);
        static final Fp2 XI = new Fp2(BigInteger.valueOf(9), BigInteger.ONE);

        static Fp2 of(BigInteger a) {
            return new Fp2(a, BigInteger.ZERO);
        }

        Fp2 add(Fp2 o) {
            return new Fp2(fpAdd(a, o.a), fpAdd(b, o.b));
        }

        Fp2 sub(Fp2 o) {
            return new Fp2(fpSub(a, o.a), fpSub(b, o.b));
        }

        Fp2 neg() {
            return new Fp2(fpNeg(a), fpNeg(b));
        }

        Fp2 mul(Fp2 o) {
            BigInteger ac = a.multiply(o.a);
            BigInteger bd = b.multiply(o.b);
            BigInteger cross = a.add(b).multiply(o.a.add(o.b)).subtract(ac).subtract(bd);
            return new Fp2(ac.subtract(bd).mod(P), cross.mod(P));
        }

        Fp2 mul(BigInteger k) {
            return new Fp2(fpMul(a, k), fpMul(b, k));
        }

        Fp2 square() {
            // (a + bi)^2 = (a + b)(a - b) + 2ab i
            BigInteger re = a.add(b).multiply(a.subtract(b)).mod(P);
            BigInteger im = a.multiply(b).shiftLeft(1).mod(P);
            return new Fp2(re, im);
        }

        /** Multiplication by xi = 9 + i. */
        Fp2 mulXi() {
            BigInteger re = a.multiply(BigInteger.valueOf(9)).subtract(b).mod(P);
            BigInteger im = b.multiply(BigInteger.valueOf(9)).add(a).mod(P);
            return new Fp2(re, im);
        }

        Fp2 conjugate() {
            return new Fp2(a, fpNeg(b));
        }

        Fp2 inverse() {
            BigInteger norm = a.multiply(a).add(b.multiply(b)).mod(P);
            BigInteger inv = fpInv(norm);
            return new Fp2(fpMul(a, inv), fpMul(fpNeg(b), inv));
        }

        Fp2 pow(BigInteger e) {
            Fp2 result = ONE;
            for (int i = e.bitLength() - 1; i >= 0; i--) {
                result = result.square();
                if (e.testBit(i)) {
                    result = result.mul(this);
                }
            }
            return result;
        }

        boolean isZero() {
            return a.signum() == 0 && b.signum() == 0;
        }
    }

    // ---------------------------------------------------------------- Fp6

    /** c0 + c1 v + c2 v^2. */
    record Fp6(Fp2 c0, Fp2 c1, Fp2 c2) {
        static final Fp6 ZERO = new Fp6(Fp2.ZERO, Fp2.ZERO, Fp2.ZERO);
        static final Fp6 ONE = new Fp6(Fp2.ONE, Fp2.ZERO, Fp2.ZERO);

        Fp6 add(Fp6 o) {
            return new Fp6(c0.add(o.c0), c1.add(o.c1), c2.add(o.c2));
        }

        Fp6 sub(Fp6 o) {
            return new Fp6(c0.sub(o.c0), c1.sub(o.c1), c2.sub(o.c2));
        }

        Fp6 neg() {
            return new Fp6(c0.neg(), c1.neg(), c2.neg());
        }

        Fp6 mul(Fp6 o) {
            Fp2 t0 = c0.mul(o.c0);
            Fp2 t1 = c1.mul(o.c1);
            Fp2 t2 = c2.mul(o.c2);
            Fp2 r0 = c1.add(c2).mul(o.c1.add(o.c2)).sub(t1).sub(t2).mulXi().add(t0);
            Fp2 r1 = c0.add(c1).mul(o.c0.add(o.c1)).sub(t0).sub(t1).add(t2.mulXi());
            Fp2 r2 = c0.add(c2).mul(o.c0.add(o.c2)).sub(t0).sub(t2).add(t1);
            return new Fp6(r0, r1, r2);
        }

        /** Multiplication by v: (c0, c1, c2) -> (xi c2, c0, c1). */
        Fp6 mulV() {
            return new Fp6(c2.mulXi(), c0, c1);
        }

        Fp6 inverse() {
            Fp2 t0 = c0.square().sub(c1.mul(c2).mulXi());
            Fp2 t1 = c2.square().mulXi().sub(c0.mul(c1));
            Fp2 t2 = c1.square().sub(c0.mul(c2));
            Fp2 t3 = c0.mul(t0).add(c2.mul(t1).add(c1.mul(t2)).mulXi());
            Fp2 inv = t3.inverse();
            return new Fp6(t0.mul(inv), t1.mul(inv), t2.mul(inv));
        }

        boolean isZero() {
            return c0.isZero() && c1.isZero() && c2.isZero();
        }
    }

    // ---------------------------------------------------------------- Fp12

    /** c0 + c1 w. */
    record Fp12(Fp6 c0, Fp6 c1) {
        static final Fp12 ONE = new Fp12(Fp6.ONE, Fp6.ZERO);

        /** gamma[k] = xi^(k (p - 1) / 6): the Frobenius map sends w^k to gamma[k] w^k. */
        private static final Fp2[] GAMMA = frobeniusCoefficients();

        private static Fp2[] frobeniusCoefficients() {
            BigInteger sixth = P.subtract(BigInteger.ONE).divide(BigInteger.valueOf(6));
            Fp2[] g = new Fp2[6];
            for (int k = 0; k < 6; k++) {
                g[k] = Fp2.XI.pow(sixth.multiply(BigInteger.valueOf(k)));
            }
            return g;
        }

        Fp12 mul(Fp12 o) {
            Fp6 t0 = c0.mul(o.c0);
            Fp6 t1 = c1.mul(o.c1);
            Fp6 r1 = c0.add(c1).mul(o.c0.add(o.c1)).sub(t0).sub(t1);
            return new Fp12(t0.add(t1.mulV()), r1);
        }

        Fp12 square() {
            // (a + b w)^2 = (a^2 + v b^2) + 2ab w, with a^2 + v b^2 = (a + b)(a + v b) - ab - v ab.
            Fp6 ab = c0.mul(c1);
            Fp6 r0 = c0.add(c1).mul(c0.add(c1.mulV())).sub(ab).sub(ab.mulV());
            return new Fp12(r0, ab.add(ab));
        }

        Fp12 conjugate() {
            return new Fp12(c0, c1.neg());
        }

        Fp12 inverse() {
            Fp6 t = c0.mul(c0).sub(c1.mul(c1).mulV());
            Fp6 inv = t.inverse();
            return new Fp12(c0.mul(inv), c1.mul(inv).neg());
        }

        /** x -> x^p. Coefficients of w^0..w^5 are c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2. */
        Fp12 frobenius() {
            return new Fp12(
                    new Fp6(c0.c0.conjugate(), c0.c1.conjugate().mul(GAMMA[2]), c0.c2.conjugate().mul(GAMMA[4])),
                    new Fp6(c1.c0.conjugate().mul(GAMMA[1]), c1.c1.conjugate().mul(GAMMA[3]),
                            c1.c2.conjugate().mul(GAMMA[5])));
        }

        Fp12 pow(BigInteger e) {
            Fp12 result = ONE;
            for (int i = e.bitLength() - 1; i >= 0; i--) {
                result = result.square();
                if (e.testBit(i)) {
                    result = result.mul(this);
                }
            }
            return result;
        }

        boolean isOne() {
            return equals(ONE);
        }
    }

    // ---------------------------------------------------------------- G1

    /** An affine point on y^2 = x^3 + 3 over Fp; {@code null} stands for the point at infinity. */
    record G1(BigInteger x, BigInteger y) {
        boolean isOnCurve() {
            return fpMul(y, y).equals(fpAdd(fpMul(fpMul(x, x), x), B1));
        }

        G1 negate() {
            return new G1(x, fpNeg(y));
        }
    }

    /**
     * Parses 64 bytes (x, y) at {@code offset}; empty if a coordinate is not below p or the point is
     * not on the curve. (0, 0) is the point at infinity, returned as {@code Optional.of(INFINITY_G1)}.
     */
    static Optional<G1> parseG1(byte[] in, int offset) {
        BigInteger x = Bytes.unsigned(in, offset, 32);
        BigInteger y = Bytes.unsigned(in, offset + 32, 32);
        if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
            return Optional.empty();
        }
        if (x.signum() == 0 && y.signum() == 0) {
            return Optional.of(INFINITY_G1);
        }
        G1 p = new G1(x, y);
        return p.isOnCurve() ? Optional.of(p) : Optional.empty();
    }

    /** Marker for the point at infinity in parse results; arithmetic uses {@code null}. */
    static final G1 INFINITY_G1 = new G1(BigInteger.ZERO, BigInteger.ZERO);

    static G1 g1Add(G1 a, G1 b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        BigInteger lambda;
        if (a.x.equals(b.x)) {
            if (!a.y.equals(b.y) || a.y.signum() == 0) {
                return null; // a = -b
            }
            BigInteger xx = fpMul(a.x, a.x);
            lambda = fpMul(fpAdd(fpAdd(xx, xx), xx), fpInv(fpAdd(a.y, a.y)));
        } else {
            lambda = fpMul(fpSub(b.y, a.y), fpInv(fpSub(b.x, a.x)));
        }
        BigInteger x3 = fpSub(fpSub(fpMul(lambda, lambda), a.x), b.x);
        BigInteger y3 = fpSub(fpMul(lambda, fpSub(a.x, x3)), a.y);
        return new G1(x3, y3);
    }

    static G1 g1Mul(G1 p, BigInteger k) {
        // Every point of E(Fp) has order dividing r (cofactor 1), so k may be reduced mod r.
        // G1 is computed as the Fp2 points with zero imaginary parts: the formulas do not involve b.
        Jacobian j = Jacobian.multiply(Fp2.of(p.x), Fp2.of(p.y), k.mod(R));
        if (j.isInfinity()) {
            return null;
        }
        Fp2[] xy = j.toAffine();
        return new G1(xy[0].a(), xy[1].a());
    }

    /** 64 bytes (x, y), zeros for infinity ({@code null}). */
    static byte[] encodeG1(G1 p) {
        byte[] out = new byte[64];
        if (p != null) {
            System.arraycopy(Bytes.leftPad(p.x, 32), 0, out, 0, 32);
            System.arraycopy(Bytes.leftPad(p.y, 32), 0, out, 32, 32);
        }
        return out;
    }

    // ---------------------------------------------------------------- G2

    /** The twist's b' = 3 / xi. */
    static final Fp2 B2 = Fp2.of(B1).mul(Fp2.XI.inverse());
    /** xi^((p-1)/3) and xi^((p-1)/2): the twisted Frobenius multiplies x and y by them. */
    private static final Fp2 FROB_X = Fp2.XI.pow(P.subtract(BigInteger.ONE).divide(BigInteger.valueOf(3)));
    private static final Fp2 FROB_Y = Fp2.XI.pow(P.subtract(BigInteger.ONE).divide(BigInteger.TWO));

    /** An affine point on the twist over Fp2; {@code null} stands for the point at infinity. */
    record G2(Fp2 x, Fp2 y) {
        boolean isOnCurve() {
            return y.square().equals(x.square().mul(x).add(B2));
        }

        G2 negate() {
            return new G2(x, y.neg());
        }

        /** The p-power Frobenius endomorphism carried through the twist. */
        G2 frobenius() {
            return new G2(x.conjugate().mul(FROB_X), y.conjugate().mul(FROB_Y));
        }
    }

    static final G2 INFINITY_G2 = new G2(Fp2.ZERO, Fp2.ZERO);

    /**
     * Parses 128 bytes (x_im, x_re, y_im, y_re) at {@code offset}; empty unless every coordinate is
     * below p and the point is infinity (all zero) or on the twist and in the order-r subgroup.
     */
    static Optional<G2> parseG2(byte[] in, int offset) {
        BigInteger xIm = Bytes.unsigned(in, offset, 32);
        BigInteger xRe = Bytes.unsigned(in, offset + 32, 32);
        BigInteger yIm = Bytes.unsigned(in, offset + 64, 32);
        BigInteger yRe = Bytes.unsigned(in, offset + 96, 32);
        for (BigInteger c : List.of(xIm, xRe, yIm, yRe)) {
            if (c.compareTo(P) >= 0) {
                return Optional.empty();
            }
        }
        G2 q = new G2(new Fp2(xRe, xIm), new Fp2(yRe, yIm));
        if (q.x.isZero() && q.y.isZero()) {
            return Optional.of(INFINITY_G2);
        }
        if (!q.isOnCurve() || g2Mul(q, R) != null) {
            return Optional.empty();
        }
        return Optional.of(q);
    }

    static G2 g2Add(G2 a, G2 b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        Fp2 lambda;
        if (a.x.equals(b.x)) {
            if (!a.y.equals(b.y) || a.y.isZero()) {
                return null;
            }
            lambda = tangentSlope(a);
        } else {
            lambda = b.y.sub(a.y).mul(b.x.sub(a.x).inverse());
        }
        return addWithSlope(a, b, lambda);
    }

    static G2 g2Mul(G2 p, BigInteger k) {
        Jacobian j = Jacobian.multiply(p.x, p.y, k);
        if (j.isInfinity()) {
            return null;
        }
        Fp2[] xy = j.toAffine();
        return new G2(xy[0], xy[1]);
    }

    /**
     * Jacobian coordinates (x = X/Z^2, y = Y/Z^3; Z = 0 is infinity) on a curve y^2 = x^3 + b over
     * Fp2, used for scalar multiplication without a field inversion per step. The formulas hold for
     * any b, so G1 uses them too, embedded in Fp2.
     */
    private record Jacobian(Fp2 x, Fp2 y, Fp2 z) {
        static final Jacobian INFINITY = new Jacobian(Fp2.ONE, Fp2.ONE, Fp2.ZERO);

        boolean isInfinity() {
            return z.isZero();
        }

        static Jacobian multiply(Fp2 ax, Fp2 ay, BigInteger k) {
            Jacobian acc = INFINITY;
            for (int i = k.bitLength() - 1; i >= 0; i--) {
                acc = acc.twice();
                if (k.testBit(i)) {
                    acc = acc.plusAffine(ax, ay);
                }
            }
            return acc;
        }

        Jacobian twice() {
            if (isInfinity()) {
                return this;
            }
            Fp2 a = x.square();
            Fp2 b = y.square();
            Fp2 c = b.square();
            Fp2 d = x.add(b).square().sub(a).sub(c);
            d = d.add(d);
            Fp2 e = a.add(a).add(a);
            Fp2 x3 = e.square().sub(d).sub(d);
            Fp2 c8 = c.add(c);
            c8 = c8.add(c8);
            c8 = c8.add(c8);
            Fp2 y3 = e.mul(d.sub(x3)).sub(c8);
            Fp2 z3 = y.mul(z);
            return new Jacobian(x3, y3, z3.add(z3));
        }

        Jacobian plusAffine(Fp2 x2, Fp2 y2) {
            if (isInfinity()) {
                return new Jacobian(x2, y2, Fp2.ONE);
            }
            Fp2 zz = z.square();
            Fp2 u2 = x2.mul(zz);
            Fp2 s2 = y2.mul(z).mul(zz);
            Fp2 h = u2.sub(x);
            Fp2 rr = s2.sub(y);
            if (h.isZero()) {
                return rr.isZero() ? twice() : INFINITY;
            }
            Fp2 hh = h.square();
            Fp2 i = hh.add(hh);
            i = i.add(i);
            Fp2 j = h.mul(i);
            rr = rr.add(rr);
            Fp2 v = x.mul(i);
            Fp2 x3 = rr.square().sub(j).sub(v).sub(v);
            Fp2 yj = y.mul(j);
            Fp2 y3 = rr.mul(v.sub(x3)).sub(yj).sub(yj);
            Fp2 z3 = z.add(h).square().sub(zz).sub(hh);
            return new Jacobian(x3, y3, z3);
        }

        Fp2[] toAffine() {
            Fp2 zi = z.inverse();
            Fp2 zi2 = zi.square();
            return new Fp2[] {x.mul(zi2), y.mul(zi2).mul(zi)};
        }
    }

    private static Fp2 tangentSlope(G2 t) {
        Fp2 xx = t.x.square();
        return xx.add(xx).add(xx).mul(t.y.add(t.y).inverse());
    }

    private static G2 addWithSlope(G2 a, G2 b, Fp2 lambda) {
        Fp2 x3 = lambda.square().sub(a.x).sub(b.x);
        Fp2 y3 = lambda.mul(a.x.sub(x3)).sub(a.y);
        return new G2(x3, y3);
    }

    // ---------------------------------------------------------------- pairing

    /**
     * The line through T with slope lambda, evaluated at P: yP - lambda xP w + (lambda xT - yT) w^3.
     * Vertical lines and constant factors lie in Fp6 and vanish in the final exponentiation.
     */
    private static Fp12 line(G2 t, Fp2 lambda, G1 p) {
        Fp6 c0 = new Fp6(Fp2.of(p.y), Fp2.ZERO, Fp2.ZERO);
        Fp6 c1 = new Fp6(lambda.mul(p.x).neg(), lambda.mul(t.x).sub(t.y), Fp2.ZERO);
        return new Fp12(c0, c1);
    }

    /** The Miller loop of the optimal ate pairing for P in G1 and Q in G2, both finite. */
    static Fp12 millerLoop(G1 p, G2 q) {
        Fp12 f = Fp12.ONE;
        G2 t = q;
        for (int i = ATE_LOOP.bitLength() - 2; i >= 0; i--) {
            Fp2 lambda = tangentSlope(t);
            f = f.square().mul(line(t, lambda, p));
            t = addWithSlope(t, t, lambda);
            if (ATE_LOOP.testBit(i)) {
                f = f.mul(chord(t, q, p));
                t = addWithSlope(t, q, chordSlope(t, q));
            }
        }
        G2 q1 = q.frobenius();
        G2 q2 = q1.frobenius().negate();
        f = f.mul(chord(t, q1, p));
        t = addWithSlope(t, q1, chordSlope(t, q1));
        return f.mul(chord(t, q2, p));
    }

    private static Fp2 chordSlope(G2 t, G2 q) {
        // For Q of order r the loop never meets T = +-Q: its multiples stay far below r.
        InvariantViolation.check(!t.x.equals(q.x), "Miller loop met T = +-Q; G2 subgroup check missed");
        return q.y.sub(t.y).mul(q.x.sub(t.x).inverse());
    }

    private static Fp12 chord(G2 t, G2 q, G1 p) {
        return line(t, chordSlope(t, q), p);
    }

    private static final BigInteger HARD_EXPONENT = hardExponent();
    /** HARD_EXPONENT = sum of HARD_DIGITS[i] p^i: f^HARD is then a product of Frobenius images. */
    private static final BigInteger[] HARD_DIGITS = pAdicDigits(HARD_EXPONENT, 4);

    private static BigInteger[] pAdicDigits(BigInteger e, int n) {
        BigInteger[] digits = new BigInteger[n];
        BigInteger rest = e;
        for (int i = 0; i < n; i++) {
            BigInteger[] qr = rest.divideAndRemainder(P);
            digits[i] = qr[1];
            rest = qr[0];
        }
        InvariantViolation.check(rest.signum() == 0, "hard exponent has more than " + n + " p-adic digits");
        return digits;
    }

    private static BigInteger hardExponent() {
        BigInteger p2 = P.multiply(P);
        BigInteger n = p2.multiply(p2).subtract(p2).add(BigInteger.ONE);
        BigInteger[] qr = n.divideAndRemainder(R);
        InvariantViolation.check(qr[1].signum() == 0, "r must divide p^4 - p^2 + 1");
        return qr[0];
    }

    /** f^((p^12 - 1) / r), as (p^6 - 1)(p^2 + 1) then (p^4 - p^2 + 1) / r. */
    static Fp12 finalExponentiation(Fp12 f) {
        Fp12 t = f.conjugate().mul(f.inverse());
        t = t.frobenius().frobenius().mul(t);
        // t^(d0 + d1 p + d2 p^2 + d3 p^3) = prod frob^i(t)^di, computed as one joint exponentiation
        // (one squaring chain of ~254 steps instead of ~762).
        Fp12[] bases = new Fp12[4];
        bases[0] = t;
        for (int i = 1; i < 4; i++) {
            bases[i] = bases[i - 1].frobenius();
        }
        Fp12[] table = new Fp12[16];
        table[0] = Fp12.ONE;
        for (int mask = 1; mask < 16; mask++) {
            int low = Integer.numberOfTrailingZeros(mask);
            table[mask] = table[mask & (mask - 1)].mul(bases[low]);
        }
        int bits = 0;
        for (BigInteger d : HARD_DIGITS) {
            bits = Math.max(bits, d.bitLength());
        }
        Fp12 result = Fp12.ONE;
        for (int b = bits - 1; b >= 0; b--) {
            result = result.square();
            int mask = 0;
            for (int i = 0; i < 4; i++) {
                if (HARD_DIGITS[i].testBit(b)) {
                    mask |= 1 << i;
                }
            }
            if (mask != 0) {
                result = result.mul(table[mask]);
            }
        }
        return result;
    }

    /** Whether the product of e(P_i, Q_i) is 1; pairs with a point at infinity contribute 1. */
    static boolean pairingCheck(List<G1> ps, List<G2> qs) {
        Fp12 f = Fp12.ONE;
        for (int i = 0; i < ps.size(); i++) {
            G1 p = ps.get(i);
            G2 q = qs.get(i);
            if (p == INFINITY_G1 || q == INFINITY_G2) {
                continue;
            }
            f = f.mul(millerLoop(p, q));
        }
        return finalExponentiation(f).isOne();
    }
}
