package org.consort.ledger;

import java.time.InstantSource;
import java.util.Objects;

/**
 * Ledger settings. {@code chunkSizeBytes}: once the open chunk reaches this size, the next
 * signature entry closes it. {@code writeBufferBytes}: bytes buffered before a write to the
 * file. {@code maxEntryBytes}: the largest entry accepted or read (bounds memory when a file
 * is corrupt). {@code clock}: time stamped on signatures.
 *
 * <p>Immutable; safe to share.
 */
public record LedgerConfig(long chunkSizeBytes, int writeBufferBytes, int maxEntryBytes, InstantSource clock) {
    public static final long DEFAULT_CHUNK_SIZE_BYTES = 5L * 1024 * 1024;
    public static final int DEFAULT_WRITE_BUFFER_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_ENTRY_BYTES = 64 * 1024 * 1024;

    public LedgerConfig {
        Objects.requireNonNull(clock, "clock");
        if (chunkSizeBytes < 1) {
            throw new IllegalArgumentException("chunkSizeBytes must be positive: " + chunkSizeBytes);
        }
        if (writeBufferBytes < 4096) {
            throw new IllegalArgumentException("writeBufferBytes must be at least 4096: " + writeBufferBytes);
        }
        if (maxEntryBytes < LedgerEntry.OVERHEAD) {
            throw new IllegalArgumentException("maxEntryBytes must be at least " + LedgerEntry.OVERHEAD + ": " + maxEntryBytes);
        }
    }

    public static LedgerConfig defaults(InstantSource clock) {
        return new LedgerConfig(DEFAULT_CHUNK_SIZE_BYTES, DEFAULT_WRITE_BUFFER_BYTES, DEFAULT_MAX_ENTRY_BYTES, clock);
    }

    public LedgerConfig withChunkSizeBytes(long bytes) {
        return new LedgerConfig(bytes, writeBufferBytes, maxEntryBytes, clock);
    }
}
