package org.consort.replication;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.consort.replication.ReplicationException.CorruptBatchException;

/**
 * The replicated form of one batch: a format byte, a CRC32C of the payload, then the payload.
 * The checksum is computed by the proposer and checked on every node before the batch is
 * applied, so a batch damaged on disk or in memory after it was proposed is rejected rather
 * than applied.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class BatchFrame {
    /** Format byte of the current frame layout. */
    public static final byte FORMAT = 1;
    /** Bytes a frame adds to its payload. */
    public static final int OVERHEAD = 1 + Integer.BYTES;

    private BatchFrame() {
    }

    /** Frames {@code payload} (copied). */
    public static byte[] encode(byte[] payload) {
        byte[] out = new byte[OVERHEAD + payload.length];
        out[0] = FORMAT;
        ByteBuffer.wrap(out, 1, Integer.BYTES).putInt(crc(payload, 0, payload.length));
        System.arraycopy(payload, 0, out, OVERHEAD, payload.length);
        return out;
    }

    /** The payload of {@code frame}; throws {@link CorruptBatchException} saying what is wrong. */
    public static byte[] decode(byte[] frame) {
        if (frame.length < OVERHEAD) {
            throw new CorruptBatchException("batch frame of " + frame.length + " bytes is shorter than its "
                    + OVERHEAD + "-byte header");
        }
        if (frame[0] != FORMAT) {
            throw new CorruptBatchException("batch frame has unknown format byte " + (frame[0] & 0xff)
                    + " (expected " + FORMAT + ")");
        }
        int stored = ByteBuffer.wrap(frame, 1, Integer.BYTES).getInt();
        int actual = crc(frame, OVERHEAD, frame.length - OVERHEAD);
        if (stored != actual) {
            throw new CorruptBatchException(String.format("batch checksum mismatch: frame says %08x, payload of %d bytes has %08x",
                    stored, frame.length - OVERHEAD, actual));
        }
        return Arrays.copyOfRange(frame, OVERHEAD, frame.length);
    }

    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }
}
