package org.consort.evm.precompile;

import java.math.BigInteger;

/** Byte helpers for precompile inputs, which are read as if right-padded with zeros; stateless. */
final class Bytes {
    private Bytes() {
    }

    /** {@code length} bytes of {@code input} from {@code offset}, zero beyond its end. */
    static byte[] slice(byte[] input, long offset, int length) {
        byte[] out = new byte[length];
        if (offset < input.length) {
            int from = (int) offset;
            System.arraycopy(input, from, out, 0, Math.min(length, input.length - from));
        }
        return out;
    }

    /** The unsigned big-endian number in {@code length} bytes of {@code input} from {@code offset}. */
    static BigInteger unsigned(byte[] input, long offset, int length) {
        return new BigInteger(1, slice(input, offset, length));
    }

    /** v as exactly {@code length} big-endian bytes (v must fit). */
    static byte[] leftPad(BigInteger v, int length) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[length];
        int start = raw.length > 1 && raw[0] == 0 ? 1 : 0;
        int n = raw.length - start;
        if (n > length) {
            throw new IllegalArgumentException("value does not fit in " + length + " bytes");
        }
        System.arraycopy(raw, start, out, length - n, n);
        return out;
    }

    /** Whether bytes [from, to) of a are all zero. */
    static boolean allZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
