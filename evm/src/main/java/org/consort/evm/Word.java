package org.consort.evm;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * An immutable unsigned 256-bit value: balances, storage keys and values, block fields.
 *
 * <p>Held as four 64-bit limbs ({@code l0} least significant). The interpreter does not use this
 * type for its stack (that is a plain {@code long[]}, see {@link org.consort.evm.vm.UInt256});
 * it is the value type of the world state and of the public API. Immutable, so thread-safe.
 */
public record Word(long l3, long l2, long l1, long l0) implements Comparable<Word> {
    public static final Word ZERO = new Word(0, 0, 0, 0);
    public static final Word ONE = new Word(0, 0, 0, 1);
    public static final Word MAX = new Word(-1, -1, -1, -1);
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(256);

    public static Word of(long unsigned) {
        return new Word(0, 0, 0, unsigned);
    }

    /** Big-endian bytes, at most 32 (shorter input is left-padded with zeros). */
    public static Word fromBytes(byte[] b) {
        return fromBytes(b, 0, b.length);
    }

    public static Word fromBytes(byte[] b, int off, int len) {
        if (len > 32) {
            throw new IllegalArgumentException("more than 32 bytes for a 256-bit word: " + len);
        }
        long[] limbs = new long[4];
        for (int i = 0; i < len; i++) {
            int pos = len - 1 - i; // byte significance
            limbs[pos >>> 3] |= (b[off + i] & 0xFFL) << ((pos & 7) << 3);
        }
        return new Word(limbs[3], limbs[2], limbs[1], limbs[0]);
    }

    /** Parses {@code 0x}-prefixed hex (or decimal without prefix); rejects values over 2^256-1. */
    public static Word parse(String s) {
        String t = s.trim();
        BigInteger v;
        if (t.startsWith("0x") || t.startsWith("0X")) {
            String h = t.substring(2);
            v = h.isEmpty() ? BigInteger.ZERO : new BigInteger(h, 16);
        } else {
            v = new BigInteger(t);
        }
        return fromBigInteger(v);
    }

    public static Word fromBigInteger(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new IllegalArgumentException("value does not fit in an unsigned 256-bit word: " + v);
        }
        return new Word(v.shiftRight(192).longValue(), v.shiftRight(128).longValue(),
                v.shiftRight(64).longValue(), v.longValue());
    }

    /** Reduces modulo 2^256 (two's complement for negative values). */
    public static Word wrap(BigInteger v) {
        return fromBigInteger(v.mod(MOD));
    }

    public BigInteger toBigInteger() {
        byte[] b = new byte[33];
        System.arraycopy(toBytes(), 0, b, 1, 32);
        return new BigInteger(b);
    }

    public byte[] toBytes() {
        byte[] out = new byte[32];
        put(out, 0, l3);
        put(out, 8, l2);
        put(out, 16, l1);
        put(out, 24, l0);
        return out;
    }

    /** Big-endian bytes without leading zeros (empty for zero), as RLP wants integers. */
    public byte[] toMinimalBytes() {
        byte[] full = toBytes();
        int i = 0;
        while (i < 32 && full[i] == 0) {
            i++;
        }
        return Arrays.copyOfRange(full, i, 32);
    }

    private static void put(byte[] out, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            out[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    public boolean isZero() {
        return (l0 | l1 | l2 | l3) == 0;
    }

    /** True when the value fits in a non-negative long. */
    public boolean fitsLong() {
        return (l1 | l2 | l3) == 0 && l0 >= 0;
    }

    /** The value as a long, saturating at Long.MAX_VALUE. */
    public long clampedLong() {
        return fitsLong() ? l0 : Long.MAX_VALUE;
    }

    public Word add(Word o) {
        return wrap(toBigInteger().add(o.toBigInteger()));
    }

    public Word subtract(Word o) {
        return wrap(toBigInteger().subtract(o.toBigInteger()));
    }

    @Override
    public int compareTo(Word o) {
        int c = Long.compareUnsigned(l3, o.l3);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(l2, o.l2);
        if (c != 0) {
            return c;
        }
        c = Long.compareUnsigned(l1, o.l1);
        return c != 0 ? c : Long.compareUnsigned(l0, o.l0);
    }

    public String toHex() {
        return "0x" + org.consort.common.Hex.encode(toBytes());
    }

    @Override
    public String toString() {
        return toHex();
    }
}
