package org.consort.evm.precompile;

/** Saturating gas arithmetic shared by the precompiles; stateless. */
final class Gas {
    private Gas() {
    }

    /** Number of 32-byte words covering {@code length} bytes. */
    static long words(long length) {
        return (length + 31) >>> 5;
    }

    /** {@code base + perWord * words(length)}, saturating at Long.MAX_VALUE. */
    static long linear(long base, long perWord, int length) {
        return saturatingAdd(base, saturatingMul(perWord, words(length)));
    }

    static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    static long saturatingMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        return Long.MAX_VALUE;
    }
}
