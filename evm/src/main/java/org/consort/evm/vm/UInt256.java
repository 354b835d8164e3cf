package org.consort.evm.vm;

import java.math.BigInteger;

/**
 * 256-bit arithmetic on words stored as four 64-bit limbs in a {@code long[]} (least
 * significant limb first), so the interpreter's stack needs no objects per operation.
 *
 * <p>Each binary operation reads operands at offsets {@code a} and {@code b} and writes the
 * result at offset {@code r}, which may be either operand. Division uses Knuth's algorithm D on
 * 32-bit digits; ADDMOD and MULMOD (which need 512-bit intermediates) use {@link BigInteger}.
 * Stateless and thread-safe.
 */
public final class UInt256 {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);

    private UInt256() {
    }

    public static boolean isZero(long[] s, int a) {
        return (s[a] | s[a + 1] | s[a + 2] | s[a + 3]) == 0;
    }

    public static void set(long[] s, int r, long l3, long l2, long l1, long l0) {
        s[r] = l0;
        s[r + 1] = l1;
        s[r + 2] = l2;
        s[r + 3] = l3;
    }

    public static void setLong(long[] s, int r, long v) {
        s[r] = v;
        s[r + 1] = 0;
        s[r + 2] = 0;
        s[r + 3] = 0;
    }

    /** The value as an offset or length: itself if below 2^63, else Long.MAX_VALUE. */
    public static long clamp(long[] s, int a) {
        return (s[a + 1] | s[a + 2] | s[a + 3]) == 0 && s[a] >= 0 ? s[a] : Long.MAX_VALUE;
    }

    public static void add(long[] s, int a, int b, int r) {
        long a0 = s[a], a1 = s[a + 1], a2 = s[a + 2], a3 = s[a + 3];
        long b0 = s[b], b1 = s[b + 1], b2 = s[b + 2], b3 = s[b + 3];
        long r0 = a0 + b0;
        long c = Long.compareUnsigned(r0, a0) < 0 ? 1 : 0;
        long t = a1 + b1;
        long c1 = Long.compareUnsigned(t, a1) < 0 ? 1 : 0;
        long r1 = t + c;
        c = c1 | (Long.compareUnsigned(r1, t) < 0 ? 1 : 0);
        t = a2 + b2;
        c1 = Long.compareUnsigned(t, a2) < 0 ? 1 : 0;
        long r2 = t + c;
        c = c1 | (Long.compareUnsigned(r2, t) < 0 ? 1 : 0);
        long r3 = a3 + b3 + c;
        set(s, r, r3, r2, r1, r0);
    }

    /** s[r] = s[a] - s[b]. */
    public static void sub(long[] s, int a, int b, int r) {
        long a0 = s[a], a1 = s[a + 1], a2 = s[a + 2], a3 = s[a + 3];
        long b0 = s[b], b1 = s[b + 1], b2 = s[b + 2], b3 = s[b + 3];
        long r0 = a0 - b0;
        long borrow = Long.compareUnsigned(a0, b0) < 0 ? 1 : 0;
        long t = a1 - b1;
        long br1 = Long.compareUnsigned(a1, b1) < 0 ? 1 : 0;
        long r1 = t - borrow;
        borrow = br1 | (Long.compareUnsigned(t, borrow) < 0 ? 1 : 0);
        t = a2 - b2;
        br1 = Long.compareUnsigned(a2, b2) < 0 ? 1 : 0;
        long r2 = t - borrow;
        borrow = br1 | (Long.compareUnsigned(t, borrow) < 0 ? 1 : 0);
        long r3 = a3 - b3 - borrow;
        set(s, r, r3, r2, r1, r0);
    }

    /** s[r] = s[a] * s[b] mod 2^256. */
    public static void mul(long[] s, int a, int b, int r) {
        long a0 = s[a], a1 = s[a + 1], a2 = s[a + 2], a3 = s[a + 3];
        long b0 = s[b], b1 = s[b + 1], b2 = s[b + 2], b3 = s[b + 3];
        // Schoolbook on 64-bit limbs, keeping only the low four limbs.
        long r0 = a0 * b0;
        long h = Math.unsignedMultiplyHigh(a0, b0);
        // column 1
        long r1 = h;
        long c2 = 0;
        long lo = a0 * b1;
        long hi = Math.unsignedMultiplyHigh(a0, b1);
        r1 += lo;
        long carry = Long.compareUnsigned(r1, lo) < 0 ? 1 : 0;
        long r2 = hi + carry;
        c2 += Long.compareUnsigned(r2, hi) < 0 ? 1 : 0;
        lo = a1 * b0;
        hi = Math.unsignedMultiplyHigh(a1, b0);
        r1 += lo;
        carry = Long.compareUnsigned(r1, lo) < 0 ? 1 : 0;
        long t = hi + carry;
        long c = Long.compareUnsigned(t, hi) < 0 ? 1 : 0;
        r2 += t;
        c2 += c + (Long.compareUnsigned(r2, t) < 0 ? 1 : 0);
        // column 2: c2 carries into r3
        long r3 = c2;
        lo = a0 * b2;
        hi = Math.unsignedMultiplyHigh(a0, b2);
        r2 += lo;
        r3 += hi + (Long.compareUnsigned(r2, lo) < 0 ? 1 : 0);
        lo = a1 * b1;
        hi = Math.unsignedMultiplyHigh(a1, b1);
        r2 += lo;
        r3 += hi + (Long.compareUnsigned(r2, lo) < 0 ? 1 : 0);
        lo = a2 * b0;
        hi = Math.unsignedMultiplyHigh(a2, b0);
        r2 += lo;
        r3 += hi + (Long.compareUnsigned(r2, lo) < 0 ? 1 : 0);
        // column 3: only low halves matter
        r3 += a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
        set(s, r, r3, r2, r1, r0);
    }

    public static int compareUnsigned(long[] s, int a, int b) {
        for (int i = 3; i >= 0; i--) {
            int c = Long.compareUnsigned(s[a + i], s[b + i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    public static int compareSigned(long[] s, int a, int b) {
        int c = Long.compare(s[a + 3], s[b + 3]);
        if (c != 0) {
            return c;
        }
        for (int i = 2; i >= 0; i--) {
            c = Long.compareUnsigned(s[a + i], s[b + i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static boolean fitsOneLimb(long[] s, int a) {
        return (s[a + 1] | s[a + 2] | s[a + 3]) == 0;
    }

    private static final long M32 = 0xFFFFFFFFL;

    /** s[r] = s[a] / s[b], zero when dividing by zero. */
    public static void div(long[] s, int a, int b, int r) {
        if (isZero(s, b)) {
            setLong(s, r, 0);
        } else if (fitsOneLimb(s, a) && fitsOneLimb(s, b)) {
            setLong(s, r, Long.divideUnsigned(s[a], s[b]));
        } else if (compareUnsigned(s, a, b) < 0) {
            setLong(s, r, 0);
        } else {
            divmod(s[a], s[a + 1], s[a + 2], s[a + 3], s[b], s[b + 1], s[b + 2], s[b + 3], s, r, true);
        }
    }

    public static void mod(long[] s, int a, int b, int r) {
        if (isZero(s, b)) {
            setLong(s, r, 0);
        } else if (fitsOneLimb(s, a) && fitsOneLimb(s, b)) {
            setLong(s, r, Long.remainderUnsigned(s[a], s[b]));
        } else if (compareUnsigned(s, a, b) < 0) {
            System.arraycopy(s, a, s, r, 4);
        } else {
            divmod(s[a], s[a + 1], s[a + 2], s[a + 3], s[b], s[b + 1], s[b + 2], s[b + 3], s, r, false);
        }
    }

    /** Negates the four limbs at {@code r} in place (two's complement). */
    private static void negate(long[] s, int r) {
        long c = 1;
        for (int i = 0; i < 4; i++) {
            long v = ~s[r + i] + c;
            c = (c == 1 && v == 0) ? 1 : 0;
            s[r + i] = v;
        }
    }

    public static void sdiv(long[] s, int a, int b, int r) {
        if (isZero(s, b)) {
            setLong(s, r, 0);
            return;
        }
        boolean na = s[a + 3] < 0;
        boolean nb = s[b + 3] < 0;
        long[] t = {s[a], s[a + 1], s[a + 2], s[a + 3], s[b], s[b + 1], s[b + 2], s[b + 3]};
        if (na) {
            negate(t, 0);
        }
        if (nb) {
            negate(t, 4);
        }
        // |MIN| stays MIN as an unsigned value, which is the right magnitude 2^255
        div(t, 0, 4, 0);
        if (na != nb) {
            negate(t, 0);
        }
        System.arraycopy(t, 0, s, r, 4);
    }

    public static void smod(long[] s, int a, int b, int r) {
        if (isZero(s, b)) {
            setLong(s, r, 0);
            return;
        }
        boolean na = s[a + 3] < 0;
        long[] t = {s[a], s[a + 1], s[a + 2], s[a + 3], s[b], s[b + 1], s[b + 2], s[b + 3]};
        if (na) {
            negate(t, 0);
        }
        if (s[b + 3] < 0) {
            negate(t, 4);
        }
        mod(t, 0, 4, 0);
        if (na) {
            negate(t, 0);
        }
        System.arraycopy(t, 0, s, r, 4);
    }

    private static int digits(int[] x) {
        int n = x.length;
        while (n > 0 && x[n - 1] == 0) {
            n--;
        }
        return n;
    }

    private static void toDigits(long l0, long l1, long l2, long l3, int[] out) {
        out[0] = (int) l0;
        out[1] = (int) (l0 >>> 32);
        out[2] = (int) l1;
        out[3] = (int) (l1 >>> 32);
        out[4] = (int) l2;
        out[5] = (int) (l2 >>> 32);
        out[6] = (int) l3;
        out[7] = (int) (l3 >>> 32);
    }

    private static void fromDigits(int[] d, long[] s, int r) {
        for (int i = 0; i < 4; i++) {
            s[r + i] = (d[2 * i] & M32) | ((long) d[2 * i + 1] << 32);
        }
    }

    /**
     * Unsigned 256-bit division (Knuth's algorithm D on 32-bit digits, after Hacker's Delight
     * divmnu); writes the quotient or the remainder at {@code r}. Divisor must be non-zero.
     */
    private static void divmod(long a0, long a1, long a2, long a3, long b0, long b1, long b2, long b3,
            long[] s, int r, boolean quotient) {
        int[] u = new int[8];
        int[] v = new int[8];
        toDigits(a0, a1, a2, a3, u);
        toDigits(b0, b1, b2, b3, v);
        int m = digits(u);
        int n = digits(v);
        int[] q = new int[8];
        int[] rem = new int[8];
        if (m < n) {
            System.arraycopy(u, 0, rem, 0, 8);
        } else if (n == 1) {
            long d = v[0] & M32;
            long k = 0;
            for (int j = m - 1; j >= 0; j--) {
                long cur = (k << 32) | (u[j] & M32);
                q[j] = (int) Long.divideUnsigned(cur, d);
                k = Long.remainderUnsigned(cur, d);
            }
            rem[0] = (int) k;
        } else {
            int sh = Integer.numberOfLeadingZeros(v[n - 1]);
            int[] vn = new int[n];
            for (int i = n - 1; i > 0; i--) {
                vn[i] = (v[i] << sh) | (sh == 0 ? 0 : v[i - 1] >>> (32 - sh));
            }
            vn[0] = v[0] << sh;
            int[] un = new int[m + 1];
            un[m] = sh == 0 ? 0 : u[m - 1] >>> (32 - sh);
            for (int i = m - 1; i > 0; i--) {
                un[i] = (u[i] << sh) | (sh == 0 ? 0 : u[i - 1] >>> (32 - sh));
            }
            un[0] = u[0] << sh;
            long vTop = vn[n - 1] & M32;
            long vNext = vn[n - 2] & M32;
            for (int j = m - n; j >= 0; j--) {
                long num = ((un[j + n] & M32) << 32) | (un[j + n - 1] & M32);
                long qhat = Long.divideUnsigned(num, vTop);
                long rhat = num - qhat * vTop;
                while (Long.compareUnsigned(qhat, M32) > 0
                        || Long.compareUnsigned(qhat * vNext, (rhat << 32) | (un[j + n - 2] & M32)) > 0) {
                    qhat--;
                    rhat += vTop;
                    if (Long.compareUnsigned(rhat, M32) > 0) {
                        break;
                    }
                }
                long k = 0;
                long t;
                for (int i = 0; i < n; i++) {
                    long p = qhat * (vn[i] & M32);
                    t = (un[i + j] & M32) - k - (p & M32);
                    un[i + j] = (int) t;
                    k = (p >>> 32) - (t >> 32);
                }
                t = (un[j + n] & M32) - k;
                un[j + n] = (int) t;
                q[j] = (int) qhat;
                if (t < 0) {
                    q[j]--;
                    k = 0;
                    for (int i = 0; i < n; i++) {
                        t = (un[i + j] & M32) + (vn[i] & M32) + k;
                        un[i + j] = (int) t;
                        k = t >>> 32;
                    }
                    un[j + n] = (int) (un[j + n] + k);
                }
            }
            for (int i = 0; i < n; i++) {
                rem[i] = (un[i] >>> sh) | (sh == 0 ? 0 : un[i + 1] << (32 - sh));
            }
        }
        fromDigits(quotient ? q : rem, s, r);
    }

    /** s[r] = (s[a] + s[b]) mod s[n]. */
    public static void addmod(long[] s, int a, int b, int n, int r) {
        if (isZero(s, n)) {
            setLong(s, r, 0);
            return;
        }
        fromBig(toBig(s, a).add(toBig(s, b)).mod(toBig(s, n)), s, r);
    }

    public static void mulmod(long[] s, int a, int b, int n, int r) {
        if (isZero(s, n)) {
            setLong(s, r, 0);
            return;
        }
        fromBig(toBig(s, a).multiply(toBig(s, b)).mod(toBig(s, n)), s, r);
    }

    /**
     * s[r] = s[a] ^ s[b] mod 2^256 by square-and-multiply; {@code scratch} needs 8 longs and
     * is overwritten.
     */
    public static void exp(long[] s, int a, int b, int r, long[] scratch) {
        // scratch[0..3] = result, scratch[4..7] = base
        setLong(scratch, 0, 1);
        System.arraycopy(s, a, scratch, 4, 4);
        long e0 = s[b], e1 = s[b + 1], e2 = s[b + 2], e3 = s[b + 3];
        int bits = e3 != 0 ? 256 - Long.numberOfLeadingZeros(e3)
                : e2 != 0 ? 192 - Long.numberOfLeadingZeros(e2)
                : e1 != 0 ? 128 - Long.numberOfLeadingZeros(e1)
                : 64 - Long.numberOfLeadingZeros(e0);
        for (int i = 0; i < bits; i++) {
            long limb = i < 64 ? e0 : i < 128 ? e1 : i < 192 ? e2 : e3;
            if (((limb >>> (i & 63)) & 1) != 0) {
                mul(scratch, 0, 4, 0);
            }
            if (i + 1 < bits) {
                mul(scratch, 4, 4, 4);
            }
        }
        System.arraycopy(scratch, 0, s, r, 4);
    }

    /** Number of significant bytes of the value (for EXP's gas). */
    public static int byteLength(long[] s, int a) {
        for (int i = 3; i >= 0; i--) {
            if (s[a + i] != 0) {
                return i * 8 + 8 - Long.numberOfLeadingZeros(s[a + i]) / 8;
            }
        }
        return 0;
    }

    /** SIGNEXTEND: s[r] = sign-extend s[x] from byte s[b] (counted from the least significant). */
    public static void signExtend(long[] s, int b, int x, int r) {
        if (!fitsOneLimb(s, b) || Long.compareUnsigned(s[b], 31) >= 0) {
            System.arraycopy(s, x, s, r, 4);
            return;
        }
        int bit = (int) s[b] * 8 + 7;
        int limb = bit >>> 6;
        int off = bit & 63;
        boolean negative = ((s[x + limb] >>> off) & 1) != 0;
        long mask = off == 63 ? -1L : (1L << (off + 1)) - 1;
        long fill = negative ? -1L : 0;
        for (int i = 0; i < 4; i++) {
            long v = s[x + i];
            s[r + i] = i < limb ? v : i == limb ? (negative ? v | ~mask : v & mask) : fill;
        }
    }

    /** BYTE: s[r] = byte number s[i] of s[x], counting from the most significant. */
    public static void byteOp(long[] s, int i, int x, int r) {
        if (!fitsOneLimb(s, i) || Long.compareUnsigned(s[i], 32) >= 0) {
            setLong(s, r, 0);
            return;
        }
        int fromLow = 31 - (int) s[i];
        long v = (s[x + (fromLow >>> 3)] >>> ((fromLow & 7) * 8)) & 0xFF;
        setLong(s, r, v);
    }

    /** Limb i of (v0..v3), or {@code fill} outside 0..3. */
    private static long limb(long v0, long v1, long v2, long v3, int i, long fill) {
        return switch (i) {
            case 0 -> v0;
            case 1 -> v1;
            case 2 -> v2;
            case 3 -> v3;
            default -> fill;
        };
    }

    /** SHL: s[r] = s[v] << s[sh]. */
    public static void shl(long[] s, int sh, int v, int r) {
        if (!fitsOneLimb(s, sh) || Long.compareUnsigned(s[sh], 256) >= 0) {
            setLong(s, r, 0);
            return;
        }
        int n = (int) s[sh];
        int limbs = n >>> 6;
        int bits = n & 63;
        long v0 = s[v], v1 = s[v + 1], v2 = s[v + 2], v3 = s[v + 3];
        for (int i = 0; i < 4; i++) {
            long x = limb(v0, v1, v2, v3, i - limbs, 0) << bits;
            if (bits != 0) {
                x |= limb(v0, v1, v2, v3, i - limbs - 1, 0) >>> (64 - bits);
            }
            s[r + i] = x;
        }
    }

    /** SHR (logical) and SAR (arithmetic): s[r] = s[v] >> s[sh]. */
    public static void shr(long[] s, int sh, int v, int r, boolean arithmetic) {
        long fill = arithmetic && s[v + 3] < 0 ? -1L : 0;
        if (!fitsOneLimb(s, sh) || Long.compareUnsigned(s[sh], 256) >= 0) {
            set(s, r, fill, fill, fill, fill);
            return;
        }
        int n = (int) s[sh];
        int limbs = n >>> 6;
        int bits = n & 63;
        long v0 = s[v], v1 = s[v + 1], v2 = s[v + 2], v3 = s[v + 3];
        for (int i = 0; i < 4; i++) {
            long lo = limb(v0, v1, v2, v3, i + limbs, fill);
            s[r + i] = bits == 0 ? lo : (lo >>> bits) | (limb(v0, v1, v2, v3, i + limbs + 1, fill) << (64 - bits));
        }
    }

    public static BigInteger toBig(long[] s, int a) {
        byte[] b = new byte[33];
        for (int limb = 0; limb < 4; limb++) {
            long v = s[a + limb];
            for (int k = 0; k < 8; k++) {
                b[32 - limb * 8 - k] = (byte) (v >>> (8 * k));
            }
        }
        return new BigInteger(b);
    }

    public static BigInteger toSignedBig(long[] s, int a) {
        BigInteger v = toBig(s, a);
        return s[a + 3] < 0 ? v.subtract(MOD) : v;
    }

    /** Writes v mod 2^256 (two's complement for negatives). */
    public static void fromBig(BigInteger v, long[] s, int r) {
        BigInteger m = v.signum() < 0 || v.bitLength() > 256 ? v.mod(MOD) : v;
        set(s, r, m.shiftRight(192).longValue(), m.shiftRight(128).longValue(), m.shiftRight(64).longValue(), m.longValue());
    }

    /** Big-endian 32 bytes into limbs. */
    public static void fromBytes(byte[] src, int off, long[] s, int r) {
        for (int limb = 0; limb < 4; limb++) {
            long v = 0;
            int base = off + 24 - limb * 8;
            for (int k = 0; k < 8; k++) {
                v = (v << 8) | (src[base + k] & 0xFF);
            }
            s[r + limb] = v;
        }
    }

    /** Limbs into 32 big-endian bytes. */
    public static void toBytes(long[] s, int a, byte[] dst, int off) {
        for (int limb = 0; limb < 4; limb++) {
            long v = s[a + limb];
            int base = off + 24 - limb * 8;
            for (int k = 7; k >= 0; k--) {
                dst[base + k] = (byte) v;
                v >>>= 8;
            }
        }
    }
}
