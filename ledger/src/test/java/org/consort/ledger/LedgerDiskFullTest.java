package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills while the ledger writes: the write that is cut short fails the ledger for
 * good, the file keeps only whole entries (or a torn tail that opening drops), the bytes on disk
 * are those a healthy disk holds for the same entries, and the ledger opens again, verifies and
 * takes new entries.
 */
class LedgerDiskFullTest {
    @TempDir
    Path dir;
    private final Fixtures f = new Fixtures(31);
    /** Buffers of 4 KiB: entries of about 200 bytes, so a flush writes about 20 of them and a full disk cuts one. */
    private static final LedgerConfig SMALL_BUFFER = new LedgerConfig(1 << 20, 4096, LedgerConfig.DEFAULT_MAX_ENTRY_BYTES,
            Fixtures.CLOCK);

    private static byte[] pub(long s) {
        return Fixtures.bytes("public part of entry " + s + " ".repeat((int) (s % 7) * 5));
    }

    private static byte[] priv(long s) {
        return Fixtures.bytes("private part of entry " + s);
    }

    /** Appends write sets 1, 2, ... in view 1 until one fails; returns the last seqno appended. */
    private static long appendUntilFailure(Ledger l, int max) {
        for (int s = 1; s <= max; s++) {
            try {
                l.append(new TxId(1, s), pub(s), priv(s));
            } catch (UncheckedIOException e) {
                assertThat(e).hasMessageContaining("cannot append seqno " + s).hasMessageContaining("No space left on device");
                return s - 1;
            }
        }
        throw new AssertionError("the disk never filled");
    }

    /** The open chunk a healthy disk holds after the same {@code n} entries. */
    private byte[] healthyChunk(long n) throws IOException {
        Path healthy = dir.resolve("healthy");
        try (Ledger l = Ledger.open(healthy, SMALL_BUFFER, f.secrets, null)) {
            for (long s = 1; s <= n; s++) {
                l.append(new TxId(1, s), pub(s), priv(s));
            }
        }
        return Files.readAllBytes(healthy.resolve("ledger_1.open"));
    }

    /** Offsets where the entries of a chunk file start, and its end. */
    private static long[] entryBoundaries(byte[] chunk) {
        long[] out = new long[chunk.length / LedgerEntry.OVERHEAD + 2];
        int n = 0;
        int offset = ChunkFiles.FILE_HEADER_LENGTH;
        out[n++] = offset;
        while (offset + 4 <= chunk.length) {
            offset += java.nio.ByteBuffer.wrap(chunk, offset, 4).getInt() + 4;
            out[n++] = offset;
        }
        return Arrays.copyOf(out, n);
    }

    @Test
    void aWriteCutShortByAFullDiskFailsTheLedgerAndTheFileEndsAtItsLastWholeEntry() throws IOException {
        Path full = dir.resolve("full");
        FullDisk disk = new FullDisk(10_000);
        long appended;
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null, disk)) {
            appended = appendUntilFailure(l, 1000);
            assertThat(disk.failedWrites).isEqualTo(1);
            assertThat(l.failure()).get().asString().contains("No space left on device");
            // Space is freed before the node closes its ledger: what the failed write left buffered must not follow.
            disk.free(1 << 20);
        }
        byte[] onDisk = Files.readAllBytes(full.resolve("ledger_1.open"));
        byte[] healthy = healthyChunk(appended);
        // Whole entries only, each one byte for byte what a healthy disk holds.
        assertThat(entryBoundaries(healthy)).contains((long) onDisk.length);
        assertThat(onDisk.length).isGreaterThan(ChunkFiles.FILE_HEADER_LENGTH).isLessThan(healthy.length);
        assertThat(onDisk).isEqualTo(Arrays.copyOf(healthy, onDisk.length));

        long kept;
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null)) {
            assertThat(l.openReport().truncatedTail()).isEmpty();
            kept = l.lastSeqno();
            assertThat(kept).isPositive().isLessThan(appended);
            // The entries lost with the buffer were never committed on this node; its log gives them again, in a new view.
            for (long s = kept + 1; s <= appended; s++) {
                l.append(new TxId(2, s), pub(s), priv(s));
            }
            l.appendSignature(new TxId(2, appended + 1), f.node);
            assertThat(l.receipt(appended)).isPresent();
        }
        LedgerVerifier.Report r = LedgerVerifier.verify(full, f.service.certificate());
        assertThat(r.ok()).as(String.valueOf(r.firstBadEntry())).isTrue();
        assertThat(r.entriesChecked()).isEqualTo(appended + 1);
        assertThat(r.tornTail()).isEmpty();
    }

    @Test
    void aFailedLedgerRefusesEveryLaterWriteEvenWithSpaceAgain() throws IOException {
        FullDisk disk = new FullDisk(10_000);
        try (Ledger l = Ledger.open(dir, SMALL_BUFFER, f.secrets, null, disk)) {
            long appended = appendUntilFailure(l, 1000);
            disk.free(1 << 20);
            long size = Files.size(dir.resolve("ledger_1.open"));
            assertThatThrownBy(() -> l.append(new TxId(1, appended + 1), pub(1), priv(1)))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("accepts no more writes")
                    .hasMessageContaining("No space left on device");
            assertThatThrownBy(() -> l.appendSignature(new TxId(1, appended + 1), f.node))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("accepts no more writes");
            assertThatThrownBy(() -> l.flush(true)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("accepts no more writes");
            assertThatThrownBy(() -> l.truncate(1)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("accepts no more writes");
            // Entries that reached the disk can still be read.
            assertThat(l.entry(1)).isPresent();
            assertThat(Files.size(dir.resolve("ledger_1.open"))).isEqualTo(size);
        }
        assertThat(disk.failedWrites).isEqualTo(1);
    }

    @Test
    void whenTheCutBackFailsTooTheEntryCutShortIsATornTailThatOpeningDrops() throws IOException {
        Path full = dir.resolve("full");
        FullDisk disk = new FullDisk(10_000);
        disk.failTruncate = true;
        long appended;
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null, disk)) {
            appended = appendUntilFailure(l, 1000);
            assertThat(l.failure().orElseThrow().getSuppressed()).extracting(Throwable::getMessage)
                    .containsExactly("truncate failed (injected)");
            disk.free(1 << 20);
        }
        byte[] onDisk = Files.readAllBytes(full.resolve("ledger_1.open"));
        assertThat(onDisk).hasSize(10_000);
        byte[] healthy = healthyChunk(appended);
        // A prefix of what a healthy disk holds, ending inside an entry.
        assertThat(onDisk).isEqualTo(Arrays.copyOf(healthy, onDisk.length));
        assertThat(entryBoundaries(healthy)).doesNotContain((long) onDisk.length);

        LedgerVerifier.Report before = LedgerVerifier.verify(full, f.service.certificate());
        assertThat(before.ok()).as(String.valueOf(before.firstBadEntry())).isTrue();
        assertThat(before.tornTail()).isPresent();
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null)) {
            assertThat(l.openReport().truncatedTail()).get().asString().contains("ledger_1.open").contains("torn entry")
                    .contains("expected seqno " + (l.lastSeqno() + 1));
            assertThat(l.lastSeqno()).isEqualTo(before.entriesChecked());
            long next = l.lastSeqno() + 1;
            l.append(new TxId(2, next), pub(next), priv(next));
            l.appendSignature(new TxId(2, next + 1), f.node);
        }
        LedgerVerifier.Report after = LedgerVerifier.verify(full, f.service.certificate());
        assertThat(after.ok()).as(String.valueOf(after.firstBadEntry())).isTrue();
        assertThat(after.tornTail()).isEmpty();
    }

    @Test
    void anEntryLargerThanTheBufferCutShortIsCutBackToo() throws IOException {
        Path full = dir.resolve("full");
        FullDisk disk = new FullDisk(6_000);
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null, disk)) {
            l.append(new TxId(1, 1), pub(1), priv(1));
            l.flush(false);
            long afterFirst = Files.size(full.resolve("ledger_1.open"));
            assertThatThrownBy(() -> l.append(new TxId(1, 2), new byte[8000], priv(2)))
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("No space left on device");
            assertThat(Files.size(full.resolve("ledger_1.open"))).isEqualTo(afterFirst);
        }
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(1);
            assertThat(l.openReport().truncatedTail()).isEmpty();
        }
    }

    @Test
    void aChunkThatCannotBeStartedFailsTheLedgerWithoutLeavingAFile() throws IOException {
        Path full = dir.resolve("full");
        FullDisk disk = new FullDisk(10);
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null, disk)) {
            // The 24-byte file header is buffered with the entry; the flush writes 10 bytes of it, then fails.
            l.append(new TxId(1, 1), pub(1), priv(1));
            assertThatThrownBy(() -> l.flush(true)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("No space left on device");
        }
        assertThat(Files.size(full.resolve("ledger_1.open"))).isZero();
        try (Ledger l = Ledger.open(full, SMALL_BUFFER, f.secrets, null)) {
            assertThat(l.lastSeqno()).isZero();
            l.append(new TxId(2, 1), pub(1), priv(1));
        }
    }
}
