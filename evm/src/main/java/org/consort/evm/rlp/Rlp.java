package org.consort.evm.rlp;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
 *
 * <p>Encoding helpers take already-encoded items for lists, so callers build nested structures
 * bottom-up. The decoder is strict: it rejects non-canonical forms (a single byte below 0x80
 * wrapped in a prefix, long forms for short payloads, leading zeros in lengths) and trailing
 * bytes. Stateless and thread-safe.
 */
public final class Rlp {
    /** Nesting bound so hostile input cannot exhaust the Java stack. */
    private static final int MAX_DEPTH = 1024;

    private Rlp() {
    }

    public static byte[] encodeBytes(byte[] v) {
        if (v.length == 1 && (v[0] & 0xFF) < 0x80) {
            return new byte[] {v[0]};
        }
        return withPrefix(0x80, v);
    }

    /** An unsigned integer: big-endian without leading zeros (zero is the empty string). */
    public static byte[] encodeLong(long unsigned) {
        if (unsigned == 0) {
            return new byte[] {(byte) 0x80};
        }
        int n = 8 - Long.numberOfLeadingZeros(unsigned) / 8;
        byte[] b = new byte[n];
        for (int i = n - 1; i >= 0; i--) {
            b[i] = (byte) unsigned;
            unsigned >>>= 8;
        }
        return encodeBytes(b);
    }

    public static byte[] encodeBigInteger(BigInteger v) {
        if (v.signum() < 0) {
            throw new IllegalArgumentException("RLP integers are unsigned");
        }
        byte[] b = v.toByteArray();
        int start = 0;
        while (start < b.length && b[start] == 0) {
            start++;
        }
        byte[] t = new byte[b.length - start];
        System.arraycopy(b, start, t, 0, t.length);
        return encodeBytes(t);
    }

    public static byte[] encodeList(byte[]... encodedItems) {
        return encodeList(List.of(encodedItems));
    }

    public static byte[] encodeList(List<byte[]> encodedItems) {
        int len = 0;
        for (byte[] i : encodedItems) {
            len += i.length;
        }
        byte[] payload = new byte[len];
        int p = 0;
        for (byte[] i : encodedItems) {
            System.arraycopy(i, 0, payload, p, i.length);
            p += i.length;
        }
        return withPrefix(0xC0, payload);
    }

    private static byte[] withPrefix(int base, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + 9);
        if (payload.length <= 55) {
            out.write(base + payload.length);
        } else {
            int n = 4 - Integer.numberOfLeadingZeros(payload.length) / 8;
            out.write(base + 55 + n);
            for (int i = n - 1; i >= 0; i--) {
                out.write(payload.length >>> (8 * i));
            }
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /** Decodes exactly one item spanning the whole input. */
    public static RlpItem decode(byte[] input) {
        int[] pos = {0};
        RlpItem item = decodeAt(input, pos, input.length, 0);
        if (pos[0] != input.length) {
            throw new RlpException("trailing bytes after the RLP item at offset " + pos[0]);
        }
        return item;
    }

    private static RlpItem decodeAt(byte[] in, int[] pos, int end, int depth) {
        if (depth > MAX_DEPTH) {
            throw new RlpException("RLP nested deeper than " + MAX_DEPTH);
        }
        int p = pos[0];
        if (p >= end) {
            throw new RlpException("RLP input ends before an item");
        }
        int b = in[p] & 0xFF;
        if (b < 0x80) {
            pos[0] = p + 1;
            return new RlpItem.Bytes(new byte[] {(byte) b});
        }
        boolean list = b >= 0xC0;
        int base = list ? 0xC0 : 0x80;
        int start;
        int len;
        if (b - base <= 55) {
            len = b - base;
            start = p + 1;
        } else {
            int n = b - base - 55;
            if (p + 1 + n > end) {
                throw new RlpException("RLP length of length runs past the input");
            }
            if ((in[p + 1] & 0xFF) == 0) {
                throw new RlpException("RLP length has a leading zero");
            }
            long l = 0;
            for (int i = 0; i < n; i++) {
                l = (l << 8) | (in[p + 1 + i] & 0xFF);
                if (l > Integer.MAX_VALUE) {
                    throw new RlpException("RLP length too large");
                }
            }
            if (l <= 55) {
                throw new RlpException("RLP long form used for a short payload");
            }
            len = (int) l;
            start = p + 1 + n;
        }
        if ((long) start + len > end) {
            throw new RlpException("RLP payload runs past the input");
        }
        pos[0] = start + len;
        if (!list) {
            byte[] v = new byte[len];
            System.arraycopy(in, start, v, 0, len);
            if (len == 1 && (v[0] & 0xFF) < 0x80) {
                throw new RlpException("single byte below 0x80 must not have a prefix");
            }
            return new RlpItem.Bytes(v);
        }
        List<RlpItem> items = new ArrayList<>();
        int[] inner = {start};
        while (inner[0] < start + len) {
            items.add(decodeAt(in, inner, start + len, depth + 1));
        }
        return new RlpItem.ListItem(List.copyOf(items));
    }
}
