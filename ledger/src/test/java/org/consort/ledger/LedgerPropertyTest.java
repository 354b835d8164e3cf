package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.consort.common.TxId;

/**
 * Random sequences of appends, signatures, flushes, rollbacks and reopenings against a plain
 * list model: replay must give back exactly the model, the verifier must accept the
 * directory, and receipts must verify.
 */
class LedgerPropertyTest {
    private static final Fixtures F = new Fixtures(61);

    private record Model(TxId txId, EntryKind kind, String pub, String priv) {
    }

    @Property(tries = 25)
    void randomHistoriesReplayAndVerify(@ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 99) Integer> ops,
                                        @ForAll @IntRange(min = 200, max = 3000) int chunkSize) throws Exception {
        Path dir = Files.createTempDirectory("ledger-prop");
        try {
            run(dir, ops, chunkSize);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run(Path dir, List<Integer> ops, int chunkSize) throws Exception {
        LedgerConfig cfg = Fixtures.config(chunkSize);
        List<Model> model = new ArrayList<>();
        long view = 1;
        Ledger l = Ledger.open(dir, cfg, F.secrets, null);
        try {
            for (int op : ops) {
                long next = model.size() + 1;
                if (op < 55) {
                    String pub = "pub-" + next + "-" + op;
                    String priv = op % 3 == 0 ? "" : "priv-" + next;
                    l.append(new TxId(view, next), pub.getBytes(StandardCharsets.UTF_8), priv.getBytes(StandardCharsets.UTF_8));
                    model.add(new Model(new TxId(view, next), EntryKind.WRITE_SET, pub, priv));
                } else if (op < 75) {
                    l.appendSignature(new TxId(view, next), F.node);
                    model.add(new Model(new TxId(view, next), EntryKind.SIGNATURE, null, ""));
                } else if (op < 85) {
                    l.flush(op % 2 == 0);
                } else if (op < 93) {
                    int keep = model.isEmpty() ? 0 : (op * 7919) % (model.size() + 1);
                    l.truncate(keep);
                    model.subList(keep, model.size()).clear();
                    view++;
                } else {
                    l.close();
                    l = Ledger.open(dir, cfg, F.secrets, null);
                    view++;
                }
                assertThat(l.lastSeqno()).isEqualTo(model.size());
            }
        } finally {
            l.close();
        }
        List<ReplayedEntry> replayed = new ArrayList<>();
        try (Ledger r = Ledger.open(dir, cfg, F.secrets, replayed::add)) {
            assertThat(replayed).hasSize(model.size());
            for (int i = 0; i < model.size(); i++) {
                Model m = model.get(i);
                ReplayedEntry e = replayed.get(i);
                assertThat(e.txId()).isEqualTo(m.txId());
                assertThat(e.kind()).isEqualTo(m.kind());
                if (m.kind() == EntryKind.WRITE_SET) {
                    assertThat(new String(e.publicPart(), StandardCharsets.UTF_8)).isEqualTo(m.pub());
                    assertThat(new String(e.privatePart(), StandardCharsets.UTF_8)).isEqualTo(m.priv());
                }
            }
            long lastSig = 0;
            for (Model m : model) {
                if (m.kind() == EntryKind.SIGNATURE) {
                    lastSig = m.txId().seqno();
                }
            }
            for (long s = 1; s <= model.size(); s++) {
                assertThat(r.receipt(s).isPresent()).isEqualTo(s < lastSig);
            }
            if (lastSig > 1) {
                Receipt rc = r.receipt(lastSig - 1).orElseThrow();
                assertThat(ReceiptVerifier.verify(rc.toCose(), F.service.certificate()).txId()).isEqualTo(model.get((int) lastSig - 2).txId());
            }
        }
        LedgerVerifier.Report report = LedgerVerifier.verify(dir, F.service.certificate());
        assertThat(report.ok()).as(report.toString()).isTrue();
        assertThat(report.entriesChecked()).isEqualTo(model.size());
    }

    @Property(tries = 25)
    void crashAtAnyByteKeepsTheWholeEntriesBeforeIt(@ForAll @IntRange(min = 1, max = 12) int n,
                                                    @ForAll @IntRange(min = 0, max = 1_000_000) int cutPick) throws Exception {
        Path dir = Files.createTempDirectory("ledger-crash");
        try {
            List<Long> ends = new ArrayList<>();
            try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), F.secrets, null)) {
                for (long s = 1; s <= n; s++) {
                    if (s % 5 == 0) {
                        l.appendSignature(new TxId(1, s), F.node);
                    } else {
                        l.append(new TxId(1, s), ("p" + s).getBytes(StandardCharsets.UTF_8), ("q" + s).getBytes(StandardCharsets.UTF_8));
                    }
                    l.flush(false);
                    ends.add(Files.size(dir.resolve("ledger_1.open")));
                }
            }
            Path open = dir.resolve("ledger_1.open");
            long cut = cutPick % (Files.size(open) + 1);
            try (var ch = java.nio.channels.FileChannel.open(open, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            long whole = ends.stream().filter(e -> e <= cut).count();
            LedgerVerifier.Report report = LedgerVerifier.verify(dir, F.service.certificate());
            assertThat(report.ok()).as(report.toString()).isTrue();
            assertThat(report.entriesChecked()).isEqualTo(whole);
            try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), F.secrets, null)) {
                assertThat(l.lastSeqno()).isEqualTo(whole);
                assertThat(l.openReport().truncatedTail().isPresent()).isEqualTo(!(ends.contains(cut) || cut == ChunkFiles.FILE_HEADER_LENGTH));
                l.append(new TxId(2, whole + 1), new byte[0], "after crash".getBytes(StandardCharsets.UTF_8));
            }
            try (Ledger l = Ledger.open(dir, Fixtures.config(1 << 20), F.secrets, null)) {
                assertThat(l.lastSeqno()).isEqualTo(whole + 1);
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
