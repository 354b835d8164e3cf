package org.consort.evm.vm;

import java.util.Arrays;

/**
 * The byte-addressed, word-sized memory of one call frame.
 *
 * <p>Growth is paid for before it happens ({@link #expansionCost}); the interpreter calls
 * {@link #ensure} only after charging, so gas bounds every allocation. A hard cap of
 * {@link #MAX_BYTES} turns requests that only absurd gas limits could pay for into an
 * out-of-gas halt instead of exhausting the heap. Not thread-safe (one frame, one thread).
 */
public final class Memory {
    /** 256 MiB: costs over 1.3e11 gas to reach, far above any block gas limit. */
    public static final long MAX_BYTES = 256L << 20;

    private byte[] data = new byte[0];
    private long words;

    /** Active size in bytes (MSIZE), always a multiple of 32. */
    public long size() {
        return words * 32;
    }

    /** Total cost of a memory of {@code w} words: 3w + w²/512. */
    public static long cost(long w) {
        return 3 * w + (w * w) / 512;
    }

    /**
     * Gas to make [offset, offset+length) addressable: zero if already so or if length is zero,
     * Long.MAX_VALUE when beyond the cap.
     */
    public long expansionCost(long offset, long length) {
        if (length == 0) {
            return 0;
        }
        if (offset > MAX_BYTES || length > MAX_BYTES || offset + length > MAX_BYTES) {
            return Long.MAX_VALUE;
        }
        long newWords = (offset + length + 31) >>> 5;
        if (newWords <= words) {
            return 0;
        }
        return cost(newWords) - cost(words);
    }

    /** Grows the active size to cover the range (the cost must already be charged). */
    public void ensure(long offset, long length) {
        if (length == 0) {
            return;
        }
        long newWords = (offset + length + 31) >>> 5;
        if (newWords <= words) {
            return;
        }
        int needed = (int) (newWords * 32);
        if (needed > data.length) {
            data = Arrays.copyOf(data, Math.max(needed, (int) Math.min(MAX_BYTES, data.length * 2L)));
        }
        words = newWords;
    }

    public byte[] raw() {
        return data;
    }

    public void storeWord(long offset, long[] stack, int at) {
        UInt256.toBytes(stack, at, data, (int) offset);
    }

    public void loadWord(long offset, long[] stack, int at) {
        UInt256.fromBytes(data, (int) offset, stack, at);
    }

    public void storeByte(long offset, byte b) {
        data[(int) offset] = b;
    }

    /** Copies src[srcOffset, srcOffset+length) to memory, zero-padding past the end of src. */
    public void copyFrom(byte[] src, long srcOffset, long offset, long length) {
        if (length == 0) {
            return;
        }
        int dst = (int) offset;
        int len = (int) length;
        int available = srcOffset >= src.length ? 0 : (int) Math.min(len, src.length - srcOffset);
        if (available > 0) {
            System.arraycopy(src, (int) srcOffset, data, dst, available);
        }
        if (available < len) {
            Arrays.fill(data, dst + available, dst + len, (byte) 0);
        }
    }

    /** MCOPY: overlapping copy within memory. */
    public void copyWithin(long src, long dst, long length) {
        if (length > 0) {
            System.arraycopy(data, (int) src, data, (int) dst, (int) length);
        }
    }

    public byte[] slice(long offset, long length) {
        if (length == 0) {
            return new byte[0];
        }
        return Arrays.copyOfRange(data, (int) offset, (int) (offset + length));
    }
}
