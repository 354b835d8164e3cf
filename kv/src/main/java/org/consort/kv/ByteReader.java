package org.consort.kv;

import java.util.Arrays;

/**
 * Reads the store's big-endian binary layouts with bounds checks: every malformed input ends in
 * an {@link IllegalArgumentException} naming what and where, never in a huge allocation. Not
 * thread-safe.
 */
final class ByteReader {
    private final byte[] buf;
    private final String what;
    private int pos;

    ByteReader(byte[] buf, String what) {
        this.buf = buf;
        this.what = what;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return buf.length - pos;
    }

    private void need(int n, String field) {
        if (n < 0 || n > remaining()) {
            throw malformed(field + " needs " + n + " bytes but only " + remaining() + " remain");
        }
    }

    IllegalArgumentException malformed(String detail) {
        return new IllegalArgumentException("malformed " + what + " at byte " + pos + ": " + detail);
    }

    int u8(String field) {
        need(1, field);
        return buf[pos++] & 0xFF;
    }

    int u16(String field) {
        need(2, field);
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    long u32(String field) {
        need(4, field);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    long u64(String field) {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFF);
        }
        return v;
    }

    byte[] raw(int n, String field) {
        need(n, field);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /** A u32 length followed by that many bytes. */
    byte[] blob(String field) {
        long n = u32(field + " length");
        if (n > remaining()) {
            throw malformed(field + " length " + n + " exceeds the " + remaining() + " remaining bytes");
        }
        return raw((int) n, field);
    }

    /** A count that cannot be larger than the bytes left, given each item needs {@code itemBytesMin}. */
    int count(String field, int itemBytesMin) {
        long n = u32(field);
        if (n * itemBytesMin > remaining()) {
            throw malformed(field + " " + n + " cannot fit in the " + remaining() + " remaining bytes");
        }
        return (int) n;
    }

    void expectEnd() {
        if (remaining() != 0) {
            throw malformed(remaining() + " unexpected trailing bytes");
        }
    }
}
