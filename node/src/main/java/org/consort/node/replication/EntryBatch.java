package org.consort.node.replication;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.consort.ledger.LedgerEntry;

/**
 * The payload of one replicated batch: consecutive serialized ledger entries, exactly as the
 * primary made them (encrypted once, there). Layout, big-endian: {@code u32 count}, then
 * {@code count} times {@code u32 length} and the entry bytes. The replicated log adds its own
 * checksum around it.
 *
 * <p>Stateless; thread-safe.
 */
public final class EntryBatch {
    /** Bytes the layout adds to the entries: the count, plus a length per entry. */
    public static final int HEADER_BYTES = Integer.BYTES;
    public static final int PER_ENTRY_BYTES = Integer.BYTES;

    /** A batch that cannot be decoded; applying it would diverge, so the node must stop. */
    public static final class MalformedBatchException extends RuntimeException {
        MalformedBatchException(String message) {
            super(message);
        }
    }

    private EntryBatch() {
    }

    /** Encodes serialized entries in order. */
    public static byte[] encode(List<byte[]> entries) {
        long total = HEADER_BYTES;
        for (byte[] e : entries) {
            total += PER_ENTRY_BYTES + e.length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch of " + total + " bytes is too large");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total);
        b.putInt(entries.size());
        for (byte[] e : entries) {
            b.putInt(e.length).put(e);
        }
        return b.array();
    }

    /**
     * Decodes and parses every entry; throws {@link MalformedBatchException} saying what is
     * wrong when the layout or an entry is malformed.
     */
    public static List<LedgerEntry> decode(byte[] payload, int entryBytesMax) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        if (b.remaining() < HEADER_BYTES) {
            throw new MalformedBatchException("batch of " + payload.length + " bytes has no entry count");
        }
        int count = b.getInt();
        if (count < 0 || (long) count * (LedgerEntry.OVERHEAD + PER_ENTRY_BYTES) > b.remaining()) {
            throw new MalformedBatchException("batch claims " + count + " entries in " + payload.length + " bytes");
        }
        List<LedgerEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (b.remaining() < PER_ENTRY_BYTES) {
                throw new MalformedBatchException("batch ends before entry " + i + " of " + count);
            }
            int len = b.getInt();
            if (len < LedgerEntry.OVERHEAD || len > entryBytesMax || len > b.remaining()) {
                throw new MalformedBatchException("entry " + i + " of the batch claims " + len + " bytes ("
                        + b.remaining() + " left, at most " + entryBytesMax + ")");
            }
            byte[] e = new byte[len];
            b.get(e);
            try {
                out.add(LedgerEntry.parse(e));
            } catch (RuntimeException ex) {
                throw new MalformedBatchException("entry " + i + " of the batch is malformed: " + ex.getMessage());
            }
        }
        if (b.hasRemaining()) {
            throw new MalformedBatchException(b.remaining() + " trailing bytes after the batch's " + count + " entries");
        }
        return out;
    }
}
