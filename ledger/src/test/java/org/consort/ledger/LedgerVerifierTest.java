package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerVerifierTest {
    @TempDir
    Path dir;
    private final Fixtures f = new Fixtures(51);

    private void write(int n, int every, long chunk) throws Exception {
        try (Ledger l = Ledger.open(dir, Fixtures.config(chunk), f.secrets, null)) {
            for (long s = 1; s <= n; s++) {
                if (s % every == 0) {
                    l.appendSignature(new TxId(1, s), f.node);
                } else {
                    l.append(new TxId(1, s), Fixtures.bytes("pub" + s), Fixtures.bytes("priv" + s));
                }
            }
        }
    }

    @Test
    void goodLedgerVerifiesWithUnsignedTail() throws Exception {
        write(53, 10, 1500);
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.entriesChecked()).isEqualTo(53);
        assertThat(r.signaturesChecked()).isEqualTo(5);
        assertThat(r.lastSignedTxId()).isEqualTo(new TxId(1, 50));
        assertThat(r.unsignedTrailingEntries()).isEqualTo(3);
        assertThat(r.chunkFiles()).isGreaterThan(1);
        assertThat(r.entriesPerSecond()).isPositive();
    }

    @Test
    void corruptByteInCommittedChunkNamesFileAndSeqno() throws Exception {
        write(30, 5, 600);
        Path target = null;
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().startsWith("ledger_6-")) {
                    target = p;
                }
            }
        }
        assertThat(target).isNotNull();
        byte[] b = Files.readAllBytes(target);
        // Second entry of the chunk (seqno 7): flip a byte of its ciphertext.
        int first = java.nio.ByteBuffer.wrap(b).getInt(ChunkFiles.FILE_HEADER_LENGTH) + 4;
        int second = ChunkFiles.FILE_HEADER_LENGTH + first;
        int len = java.nio.ByteBuffer.wrap(b).getInt(second) + 4;
        b[second + len - 40] ^= 0x10;
        Files.write(target, b);
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
        assertThat(r.ok()).isFalse();
        assertThat(r.firstBadEntry().orElseThrow().file()).isEqualTo(target.getFileName().toString());
        assertThat(r.firstBadEntry().orElseThrow().seqno()).isEqualTo(7);
        assertThat(r.entriesChecked()).isEqualTo(6);
    }

    @Test
    void consistentlyRewrittenEntryIsCaughtBySignature() throws Exception {
        // An attacker rewrites entry 3 and fixes its digest: the next signature no longer matches.
        write(10, 5, 1 << 20);
        Path open = dir.resolve("ledger_1.open");
        List<LedgerEntry> entries = new ArrayList<>();
        ChunkFiles.scan(new ChunkFiles.Chunk(open, 1, -1, true), 0, 1 << 20, (e, off) -> entries.add(e));
        LedgerEntry forged = LedgerEntry.create(new TxId(1, 3), EntryKind.WRITE_SET, Fixtures.bytes("pubX"), Fixtures.bytes("priv3"),
                new byte[32], f.secrets);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(ChunkFiles.header(1));
        for (LedgerEntry e : entries) {
            out.write(e.txId().seqno() == 3 ? forged.bytes() : e.bytes());
        }
        Files.write(open, out.toByteArray());
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
        assertThat(r.firstBadEntry().orElseThrow().seqno()).isEqualTo(5);
        assertThat(r.firstBadEntry().orElseThrow().reason()).contains("root");
    }

    @Test
    void wrongServiceCertificateFailsAtFirstSignature() throws Exception {
        write(12, 4, 1 << 20);
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, new Fixtures(52).service.certificate());
        assertThat(r.firstBadEntry().orElseThrow().seqno()).isEqualTo(4);
        assertThat(r.firstBadEntry().orElseThrow().reason()).contains("not endorsed");
    }

    @Test
    void missingChunkIsNamed() throws Exception {
        write(30, 5, 600);
        try (var s = Files.list(dir)) {
            Files.delete(s.filter(p -> p.getFileName().toString().startsWith("ledger_6-")).findFirst().orElseThrow());
        }
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
        assertThat(r.firstBadEntry().orElseThrow().toString()).contains("seqno 6").contains("missing");
    }

    @Test
    void showPrintsEntriesAndPrivatePartsOnlyWithSecrets() throws Exception {
        write(6, 5, 1 << 20);
        List<String> lines = new ArrayList<>();
        LedgerShow.show(dir, null, lines::add);
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).contains("\"txId\":\"1.1\"").contains("\"kind\":\"WRITE_SET\"").doesNotContain("\"private\"");
        assertThat(lines.get(4)).contains("\"kind\":\"SIGNATURE\"").contains("\"treeSize\":4");
        lines.clear();
        LedgerShow.show(dir, f.secrets, lines::add);
        assertThat(lines.get(1)).contains("\"private\":\"" + org.consort.common.Hex.encode(Fixtures.bytes("priv2")) + "\"");
    }

    @Test
    void tornTailIsReportedButNotAnError() throws Exception {
        write(9, 4, 1 << 20);
        Path open = dir.resolve("ledger_1.open");
        try (var ch = java.nio.channels.FileChannel.open(open, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(open) - 3);
        }
        LedgerVerifier.Report r = LedgerVerifier.verify(dir, f.service.certificate());
        assertThat(r.ok()).isTrue();
        assertThat(r.entriesChecked()).isEqualTo(8);
        assertThat(r.tornTail()).get().asString().contains("expected seqno 9");
    }
}
