package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.consort.common.InvariantViolation;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ledger that starts from a snapshot's base holds the entries after it and checks them as fully. */
class LedgerBaseTest {
    @TempDir
    Path tmp;
    private final Fixtures f = new Fixtures(33);

    /** 40 entries in view 1, a signature every 10; returns the entries' bytes. */
    private List<byte[]> source(Path dir) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Ledger l = Ledger.open(dir, Fixtures.config(4000), f.secrets, null)) {
            for (long s = 1; s <= 40; s++) {
                AppendResult r = s % 10 == 0 ? l.appendSignature(new TxId(1, s), f.node)
                        : l.append(new TxId(1, s), Fixtures.bytes("pub" + s), Fixtures.bytes("priv" + s));
                out.add(r.serializedEntry());
            }
        }
        return out;
    }

    @Test
    void aRebasedLedgerAcceptsTheEntriesAfterItsBaseAndVerifiesOffline() throws IOException {
        Path a = tmp.resolve("a");
        List<byte[]> entries = source(a);
        LedgerBase base;
        try (Ledger l = Ledger.open(a, Fixtures.config(4000), f.secrets, null)) {
            base = new LedgerBase(l.entry(20).orElseThrow().txId(), l.frontier(20));
        }
        Path b = tmp.resolve("b");
        try (Ledger l = Ledger.open(b, Fixtures.config(4000), f.secrets, null)) {
            l.rebase(base);
            assertThat(l.firstSeqno()).isEqualTo(21);
            for (int s = 21; s <= 40; s++) {
                l.appendSerialized(entries.get(s - 1));
            }
            assertThat(l.receipt(25)).isPresent();
            assertThat(l.receipt(20)).isEmpty();
            assertThat(l.entry(15)).isEmpty();
        }
        List<ReplayedEntry> replayed = new ArrayList<>();
        try (Ledger l = Ledger.open(b, Fixtures.config(4000), f.secrets, replayed::add)) {
            assertThat(l.lastSeqno()).isEqualTo(40);
            byte[] receipt = l.receipt(33).orElseThrow().toJson().getBytes(StandardCharsets.UTF_8);
            assertThat(ReceiptVerifier.verify(receipt, f.service.certificate()).txId()).isEqualTo(new TxId(1, 33));
        }
        assertThat(replayed).hasSize(20);
        assertThat(replayed.get(0).txId().seqno()).isEqualTo(21);
        LedgerVerifier.Report r = LedgerVerifier.verify(b, f.service.certificate());
        assertThat(r.ok()).as(r.toString()).isTrue();
        assertThat(r.entriesChecked()).isEqualTo(20);
        assertThat(r.signaturesChecked()).isEqualTo(2);
        assertThat(r.base()).contains(base);
    }

    @Test
    void aForgedBaseIsCaughtByTheFirstSignatureAfterIt() throws IOException {
        Path a = tmp.resolve("a");
        List<byte[]> entries = source(a);
        LedgerBase forged;
        try (Ledger l = Ledger.open(a, Fixtures.config(4000), f.secrets, null)) {
            List<byte[]> peaks = l.frontier(20).peaks();
            peaks.get(0)[0] ^= 1;
            forged = new LedgerBase(l.entry(20).orElseThrow().txId(), MerkleFrontier.of(20, peaks));
        }
        Path b = tmp.resolve("b");
        try (Ledger l = Ledger.open(b, Fixtures.config(4000), f.secrets, null)) {
            l.rebase(forged);
            for (int s = 21; s <= 29; s++) {
                l.appendSerialized(entries.get(s - 1));
            }
            byte[] signature = entries.get(29);
            assertThatThrownBy(() -> l.appendSerialized(signature)).isInstanceOf(InvariantViolation.class)
                    .hasMessageContaining("Merkle root");
        }
    }
}
