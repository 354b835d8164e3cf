package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where damage to the open chunk is a torn tail (an unfinished last write, dropped on open) and
 * where it is corruption (refused, naming the file and seqno).
 */
class TornTailTest {
    @TempDir
    Path dir;
    private final Fixtures f = new Fixtures(41);
    private static final LedgerConfig CONFIG = Fixtures.config(1 << 20);

    /** Writes write sets 1..n in view 1 and returns the open chunk's path. */
    private Path write(int n) throws IOException {
        try (Ledger l = Ledger.open(dir, CONFIG, f.secrets, null)) {
            for (int s = 1; s <= n; s++) {
                l.append(new TxId(1, s), Fixtures.bytes("public " + s), Fixtures.bytes("private " + s));
            }
        }
        return dir.resolve("ledger_1.open");
    }

    /** Offset of the entry with seqno {@code seqno} in a chunk starting at seqno 1. */
    private static int offsetOf(byte[] chunk, long seqno) {
        int offset = ChunkFiles.FILE_HEADER_LENGTH;
        for (long s = 1; s < seqno; s++) {
            offset += ByteBuffer.wrap(chunk).getInt(offset) + 4;
        }
        return offset;
    }

    private void assertRefused(String... parts) {
        assertThatThrownBy(() -> Ledger.open(dir, CONFIG, f.secrets, null).close())
                .isInstanceOf(LedgerCorruptException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(parts));
    }

    @Test
    void aFlippedByteInALengthFieldInsideTheOpenChunkIsCorruptionNotATornTail() throws IOException {
        Path open = write(8);
        byte[] good = Files.readAllBytes(open);
        int third = offsetOf(good, 3);
        // Longer (past the end of the file) and shorter (inside the next entry) than the entry.
        for (int[] flip : new int[][] {{1, 0x01}, {2, 0x40}, {3, 0x10}}) {
            byte[] b = good.clone();
            b[third + flip[0]] ^= (byte) flip[1];
            Files.write(open, b);
            assertRefused("ledger_1.open seqno 3", "not a torn tail");
            LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
            assertThat(r.firstBadEntry()).get().asString().contains("ledger_1.open seqno 3");
            assertThat(r.tornTail()).isEmpty();
        }
        Files.write(open, good);
        try (Ledger l = Ledger.open(dir, CONFIG, f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(8);
        }
    }

    @Test
    void aFlippedByteInTheLengthFieldOfTheLastEntryIsCorruptionToo() throws IOException {
        Path open = write(5);
        byte[] b = Files.readAllBytes(open);
        b[offsetOf(b, 5) + 2] ^= 0x01; // 256 bytes more than the file holds
        Files.write(open, b);
        assertRefused("ledger_1.open seqno 5", "does not match the part lengths");
    }

    @Test
    void aDamagedEntryFollowedByCompleteEntriesIsCorruption() throws IOException {
        Path open = write(6);
        byte[] b = Files.readAllBytes(open);
        b[offsetOf(b, 4) + LedgerEntry.HEADER_LENGTH + 2] ^= 0x01; // inside the public part of seqno 4
        Files.write(open, b);
        assertRefused("ledger_1.open seqno 4", "digest", "a complete entry with seqno 5 follows");
    }

    @Test
    void aCompleteEntryWithTheWrongSeqnoAtTheEndIsCorruption() throws IOException {
        Path open = write(3);
        LedgerEntry stray = LedgerEntry.create(new TxId(1, 9), EntryKind.WRITE_SET, Fixtures.bytes("stray"), new byte[0],
                LedgerEntry.ZERO_DIGEST, f.secrets);
        Files.write(open, stray.bytes(), java.nio.file.StandardOpenOption.APPEND);
        assertRefused("ledger_1.open seqno 4", "has seqno 9", "complete and its digest matches");
    }

    @Test
    void anEntryCutShortAndFollowedByZerosIsATornTail() throws IOException {
        Path open = write(5);
        byte[] b = Files.readAllBytes(open);
        int fifth = offsetOf(b, 5);
        // The last entry's first 110 bytes reached the disk; the rest of its block was never written.
        byte[] torn = Arrays.copyOf(b, fifth + 110 + 300);
        Arrays.fill(torn, fifth + 110, torn.length, (byte) 0);
        Files.write(open, torn);
        try (Ledger l = Ledger.open(dir, CONFIG, f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(4);
            assertThat(l.openReport().truncatedTail()).get().asString().contains("expected seqno 5");
        }
        assertThat(Files.size(open)).isEqualTo(fifth);
    }

    @Test
    void aLengthFieldCutShortIsATornTail() throws IOException {
        Path open = write(2);
        byte[] b = Files.readAllBytes(open);
        Files.write(open, Arrays.copyOf(b, offsetOf(b, 2) + 3));
        try (Ledger l = Ledger.open(dir, CONFIG, f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(1);
            assertThat(l.openReport().truncatedTail()).get().asString().contains("cut short");
        }
    }

    /**
     * What the earlier ledger left after a disk filled: a flush wrote the first k bytes of its
     * buffer, failed, and a later flush wrote those k bytes again after them. The entry cut at k is
     * followed only by copies of entries before it, so it is the end of what this node wrote: the
     * node opens its ledger again (and its log gives it the entries from there).
     */
    @Test
    void aLedgerLeftByTheRetriedPartialBufferOfTheEarlierLedgerOpensAgain() throws IOException {
        Path open = write(15);
        byte[] b = Files.readAllBytes(open);
        int bufferStart = offsetOf(b, 11);
        int cut = offsetOf(b, 13) + 150;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b, 0, cut);
        out.write(b, bufferStart, cut - bufferStart);
        Files.write(open, out.toByteArray());
        List<ReplayedEntry> seen = new ArrayList<>();
        try (Ledger l = Ledger.open(dir, CONFIG, f.secrets, seen::add)) {
            assertThat(l.lastSeqno()).isEqualTo(12);
            assertThat(l.openReport().truncatedTail()).get().asString().contains("expected seqno 13");
        }
        assertThat(seen).hasSize(12);
        assertThat(Files.readAllBytes(open)).isEqualTo(Arrays.copyOf(b, offsetOf(b, 13)));
    }
}
