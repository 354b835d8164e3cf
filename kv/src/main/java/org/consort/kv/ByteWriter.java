package org.consort.kv;

import java.util.Arrays;

/** A growable big-endian byte buffer for the store's binary layouts. Not thread-safe. */
final class ByteWriter {
    private byte[] buf;
    private int len;

    ByteWriter(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            long wanted = Math.max((long) buf.length * 2, (long) len + more);
            if (wanted > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("serialised form exceeds 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) wanted);
        }
    }

    void u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
    }

    void u16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
    }

    void u32(long v) {
        ensure(4);
        for (int s = 24; s >= 0; s -= 8) {
            buf[len++] = (byte) (v >>> s);
        }
    }

    void u64(long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[len++] = (byte) (v >>> s);
        }
    }

    void raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
    }

    /** A u32 length followed by the bytes. */
    void blob(byte[] b) {
        u32(b.length);
        raw(b);
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }
}
