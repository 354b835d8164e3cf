package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
    @TempDir
    Path dir;
    private final Fixtures f = new Fixtures(21);

    /** Writes {@code n} write sets with a signature every {@code every} entries (view 1). */
    private Ledger write(LedgerConfig cfg, int n, int every) throws IOException {
        Ledger l = Ledger.open(dir, cfg, f.secrets, null);
        for (int i = 0; i < n; i++) {
            long s = l.lastSeqno() + 1;
            if (s % every == 0) {
                l.appendSignature(new TxId(1, s), f.node);
            } else {
                l.append(new TxId(1, s), Fixtures.bytes("pub" + s), Fixtures.bytes("priv" + s));
            }
        }
        return l;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ledger_")).sorted().toList();
        }
    }

    @Test
    void writeReplayRoundTripAcrossChunks() throws IOException {
        byte[] root;
        try (Ledger l = write(Fixtures.config(2000), 60, 10)) {
            root = l.root();
            assertThat(l.lastSignature().orElseThrow().txId()).isEqualTo(new TxId(1, 60));
        }
        assertThat(files()).contains("ledger_1-10.committed").allMatch(n -> n.endsWith(".committed") || n.endsWith(".open"));
        List<ReplayedEntry> seen = new ArrayList<>();
        try (Ledger l = Ledger.open(dir, Fixtures.config(2000), f.secrets, seen::add)) {
            assertThat(l.root()).isEqualTo(root);
            assertThat(l.openReport().entries()).isEqualTo(60);
            assertThat(l.openReport().signatures()).isEqualTo(6);
            assertThat(l.openReport().truncatedTail()).isEmpty();
        }
        assertThat(seen).hasSize(60);
        assertThat(seen.get(0).txId()).isEqualTo(new TxId(1, 1));
        assertThat(new String(seen.get(4).privatePart())).isEqualTo("priv5");
        assertThat(new String(seen.get(4).publicPart())).isEqualTo("pub5");
        assertThat(seen.get(9).kind()).isEqualTo(EntryKind.SIGNATURE);
    }

    @Test
    void replaysOnlyTheEntriesAfterAGivenSeqnoAndStillChecksTheEarlierOnes() throws IOException {
        byte[] root;
        try (Ledger l = write(Fixtures.config(2000), 60, 10)) {
            root = l.root();
        }
        List<ReplayedEntry> seen = new ArrayList<>();
        try (Ledger l = Ledger.open(dir, Fixtures.config(2000), f.secrets, 40, seen::add)) {
            assertThat(l.root()).isEqualTo(root);
            assertThat(l.lastSeqno()).isEqualTo(60);
            assertThat(l.lastSignature().orElseThrow().txId()).isEqualTo(new TxId(1, 60));
            assertThat(l.receipt(3)).isPresent();
            assertThat(l.entry(12)).isPresent();
        }
        assertThat(seen).extracting(e -> e.txId().seqno()).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(41, 60).boxed().toList());
        assertThat(new String(seen.get(0).privatePart())).isEqualTo("priv41");
        // The entries before it are not decrypted: a ledger secret that is gone does not matter for them...
        LedgerSecrets none = LedgerSecrets.fromJson("{\"secrets\":[]}");
        try (Ledger l = Ledger.open(dir, Fixtures.config(2000), none, 60, e -> { })) {
            assertThat(l.lastSeqno()).isEqualTo(60);
        }
        // ...but their digests are still checked.
        Path chunk = dir.resolve("ledger_1-10.committed");
        byte[] b = Files.readAllBytes(chunk);
        b[ChunkFiles.FILE_HEADER_LENGTH + LedgerEntry.HEADER_LENGTH] ^= 1;
        Files.write(chunk, b);
        assertThatThrownBy(() -> Ledger.open(dir, Fixtures.config(2000), f.secrets, 40, e -> { }))
                .isInstanceOf(LedgerCorruptException.class).hasMessageContaining("ledger_1-10.committed seqno 1");
    }

    @Test
    void appendAfterReopenContinuesInHigherView() throws IOException {
        try (Ledger l = write(Fixtures.config(1 << 20), 5, 3)) {
            l.flush(true);
        }
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThatThrownBy(() -> l.append(new TxId(1, 6), new byte[0], Fixtures.bytes("x")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("IV");
            l.append(new TxId(2, 6), new byte[0], Fixtures.bytes("x"));
            l.appendSignature(new TxId(2, 7), f.node);
            assertThat(l.receipt(6)).isPresent();
        }
    }

    @Test
    void tornTailOfOpenChunkIsTruncatedAndReported() throws IOException {
        try (Ledger l = write(Fixtures.config(1 << 20), 12, 5)) {
            l.flush(true);
        }
        Path open = dir.resolve("ledger_1.open");
        long size = Files.size(open);
        try (FileChannel ch = FileChannel.open(open, StandardOpenOption.WRITE)) {
            ch.truncate(size - 7);
        }
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(11);
            assertThat(l.openReport().truncatedTail()).get().asString().contains("ledger_1.open").contains("expected seqno 12");
            l.append(new TxId(2, 12), Fixtures.bytes("again"), new byte[0]);
        }
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(12);
            assertThat(l.openReport().truncatedTail()).isEmpty();
        }
    }

    @Test
    void zeroFilledTailIsTorn() throws IOException {
        try (Ledger l = write(Fixtures.config(1 << 20), 4, 100)) {
            l.flush(true);
        }
        Files.write(dir.resolve("ledger_1.open"), new byte[500], StandardOpenOption.APPEND);
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(4);
            assertThat(l.openReport().truncatedTail()).isPresent();
        }
    }

    @Test
    void corruptByteInCommittedChunkNamesFileAndSeqno() throws IOException {
        long offsetOfThird;
        try (Ledger l = write(Fixtures.config(100), 10, 5)) {
            l.flush(true);
        }
        Path committed = dir.resolve("ledger_1-5.committed");
        assertThat(committed).exists();
        // Corrupt a byte inside the public part of seqno 3.
        byte[] b = Files.readAllBytes(committed);
        offsetOfThird = ChunkFiles.FILE_HEADER_LENGTH;
        for (int s = 1; s < 3; s++) {
            offsetOfThird += java.nio.ByteBuffer.wrap(b).getInt((int) offsetOfThird) + 4;
        }
        b[(int) offsetOfThird + LedgerEntry.HEADER_LENGTH] ^= 1;
        Files.write(committed, b);
        assertThatThrownBy(() -> Ledger.open(dir, Fixtures.config(100), f.secrets, null))
                .isInstanceOf(LedgerCorruptException.class)
                .hasMessageContaining("ledger_1-5.committed seqno 3")
                .hasMessageContaining("digest");
    }

    @Test
    void damageInsideOpenChunkBeforeItsEndIsCorruptionNotTear() throws IOException {
        try (Ledger l = write(Fixtures.config(1 << 20), 8, 100)) {
            l.flush(true);
        }
        Path open = dir.resolve("ledger_1.open");
        byte[] b = Files.readAllBytes(open);
        b[ChunkFiles.FILE_HEADER_LENGTH + 50] ^= 1; // inside seqno 1
        Files.write(open, b);
        assertThatThrownBy(() -> Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null))
                .isInstanceOf(LedgerCorruptException.class).hasMessageContaining("ledger_1.open seqno 1");
    }

    @Test
    void truncateRollsBackAcrossChunksAndRequiresHigherView() throws IOException {
        try (Ledger l = write(Fixtures.config(300), 20, 4)) {
            byte[] root13 = null;
            l.truncate(13);
            assertThat(l.lastSeqno()).isEqualTo(13);
            assertThat(l.lastSignature().orElseThrow().txId().seqno()).isEqualTo(12);
            assertThat(l.receipt(11)).isPresent();
            assertThat(l.receipt(12)).isEmpty();
            assertThatThrownBy(() -> l.append(new TxId(1, 14), new byte[0], Fixtures.bytes("reuse")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("rolled back");
            l.append(new TxId(2, 14), new byte[0], Fixtures.bytes("new"));
            l.appendSignature(new TxId(2, 15), f.node);
            root13 = l.root();
            l.flush(true);
            l.close();
            try (Ledger r = Ledger.open(dir, Fixtures.config(300), f.secrets, null)) {
                assertThat(r.lastTxId()).isEqualTo(new TxId(2, 15));
                assertThat(r.root()).isEqualTo(root13);
            }
        }
        assertThat(LedgerVerifier.verify(dir, f.service.certificate()).ok()).isTrue();
    }

    @Test
    void truncateToZeroEmptiesTheLedger() throws IOException {
        try (Ledger l = write(Fixtures.config(300), 9, 4)) {
            l.truncate(0);
            assertThat(l.lastSeqno()).isZero();
            assertThat(l.lastSignature()).isEmpty();
            assertThat(files()).isEmpty();
            l.append(new TxId(2, 1), Fixtures.bytes("a"), new byte[0]);
        }
    }

    @Test
    void rejectsGapsAndLowerViews() throws IOException {
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThatThrownBy(() -> l.append(new TxId(1, 2), new byte[0], new byte[0])).hasMessageContaining("next ledger seqno is 1");
            l.append(new TxId(3, 1), new byte[0], new byte[0]);
            assertThatThrownBy(() -> l.append(new TxId(2, 2), new byte[0], new byte[0])).hasMessageContaining("below");
        }
    }

    @Test
    void followerAppendsSerializedEntriesToTheSameLedger() throws IOException {
        Path primaryDir = dir.resolve("primary");
        Path followerDir = dir.resolve("follower");
        try (Ledger p = Ledger.open(primaryDir, Fixtures.config(1 << 20), f.secrets, null);
             Ledger fl = Ledger.open(followerDir, Fixtures.config(1 << 20), f.secrets, null)) {
            for (long s = 1; s <= 9; s++) {
                AppendResult r = s % 4 == 0 ? p.appendSignature(new TxId(1, s), f.node)
                        : p.append(new TxId(1, s), Fixtures.bytes("x" + s), Fixtures.bytes("y" + s));
                fl.appendSerialized(r.serializedEntry());
            }
            assertThat(fl.root()).isEqualTo(p.root());
            assertThat(fl.receipt(5).orElseThrow().toJson()).isEqualTo(p.receipt(5).orElseThrow().toJson());
        }
    }

    @Test
    void rekeyedLedgerReplaysBothSecretVersions() throws IOException {
        LedgerSecrets secrets = LedgerSecrets.fromJson(f.secrets.toJson());
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), secrets, null)) {
            l.append(new TxId(1, 1), new byte[0], Fixtures.bytes("old key"));
            secrets.add(2, Fixtures.seeded(5).generateSeed(32));
            l.append(new TxId(1, 2), new byte[0], Fixtures.bytes("new key"));
            l.appendSignature(new TxId(1, 3), f.node);
            assertThat(l.entry(1).orElseThrow().secretVersion()).isEqualTo(1);
            assertThat(l.entry(2).orElseThrow().secretVersion()).isEqualTo(2);
        }
        List<String> plain = new ArrayList<>();
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), LedgerSecrets.fromJson(secrets.toJson()),
                e -> plain.add(new String(e.privatePart())))) {
            assertThat(plain).containsExactly("old key", "new key", "");
            assertThat(l.openReport().signatures()).isEqualTo(1);
        }
        // Without version 2 the replay cannot decrypt seqno 2, and says so.
        assertThatThrownBy(() -> Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, e -> { }))
                .isInstanceOf(LedgerCorruptException.class).hasMessageContaining("seqno 2").hasMessageContaining("version 2");
    }

    @Test
    void aDirectoryCanBeOpenedByOneLedgerAtATime() throws IOException {
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            l.append(new TxId(1, 1), Fixtures.bytes("a"), new byte[0]);
            assertThatThrownBy(() -> Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null))
                    .isInstanceOf(IOException.class).hasMessageContaining("already open");
        }
        try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), f.secrets, null)) {
            assertThat(l.lastSeqno()).isEqualTo(1);
        }
    }
}
