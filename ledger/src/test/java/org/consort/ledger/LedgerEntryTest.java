package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.consort.common.TxId;
import org.consort.crypto.AesGcm;
import org.consort.crypto.Hashes;
import org.junit.jupiter.api.Test;

class LedgerEntryTest {
    private final Fixtures f = new Fixtures(11);

    @Test
    void layoutAndRoundTrip() {
        byte[] claims = Hashes.sha256(Fixtures.bytes("claims"));
        LedgerEntry e = LedgerEntry.create(new TxId(3, 7), EntryKind.WRITE_SET, Fixtures.bytes("pub"), Fixtures.bytes("secret"), claims, f.secrets);
        byte[] b = e.bytes();
        ByteBuffer bb = ByteBuffer.wrap(b);
        assertThat(b).hasSize(LedgerEntry.OVERHEAD + 3 + 6 + 16);
        assertThat(bb.getInt(0)).isEqualTo(b.length - 4);
        assertThat(b[4]).isEqualTo((byte) 1);
        assertThat(b[5]).isEqualTo((byte) 1);
        assertThat(bb.getLong(8)).isEqualTo(3);
        assertThat(bb.getLong(16)).isEqualTo(7);
        assertThat(bb.getInt(24)).isEqualTo(1);
        assertThat(bb.getInt(92)).isEqualTo(3);
        assertThat(bb.getInt(96)).isEqualTo(22);
        assertThat(e.writeSetDigest()).isEqualTo(Hashes.sha256(java.util.Arrays.copyOf(b, b.length - 32)));
        assertThat(e.commitEvidenceDigest()).isEqualTo(CommitEvidence.digest(CommitEvidence.of(f.secrets, 1, new TxId(3, 7))));
        assertThat(e.leaf()).isEqualTo(Hashes.sha256(e.writeSetDigest(), e.commitEvidenceDigest(), claims));
        LedgerEntry p = LedgerEntry.parse(b);
        assertThat(p.txId()).isEqualTo(new TxId(3, 7));
        assertThat(p.publicPart()).isEqualTo(Fixtures.bytes("pub"));
        assertThat(p.decryptPrivate(f.secrets)).isEqualTo(Fixtures.bytes("secret"));
        assertThat(p.claimsDigest()).isEqualTo(claims);
        // The ciphertext does not contain the plaintext.
        assertThat(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("secret");
    }

    @Test
    void emptyPrivatePartHasNoCiphertext() {
        LedgerEntry e = LedgerEntry.create(new TxId(1, 1), EntryKind.WRITE_SET, new byte[0], new byte[0], new byte[32], f.secrets);
        assertThat(e.size()).isEqualTo(LedgerEntry.OVERHEAD);
        assertThat(e.decryptPrivate(f.secrets)).isEmpty();
    }

    @Test
    void anyChangedByteIsDetected() {
        byte[] b = LedgerEntry.create(new TxId(1, 2), EntryKind.WRITE_SET, Fixtures.bytes("p"), Fixtures.bytes("q"), new byte[32], f.secrets).bytes();
        for (int i = 0; i < b.length; i++) {
            byte[] c = b.clone();
            c[i] ^= 0x40;
            assertThatThrownBy(() -> LedgerEntry.parse(c)).as("byte %d", i).isInstanceOf(LedgerEntry.MalformedEntryException.class);
        }
    }

    @Test
    void ivIsSeqnoThenViewAndAadBindsHeader() {
        assertThat(LedgerEntry.iv(new TxId(2, 5))).containsExactly(0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 2);
        LedgerEntry e = LedgerEntry.create(new TxId(2, 5), EntryKind.WRITE_SET, Fixtures.bytes("p"), Fixtures.bytes("q"), new byte[32], f.secrets);
        LedgerSecrets other = LedgerSecrets.generate(Fixtures.seeded(99));
        assertThatThrownBy(() -> e.decryptPrivate(other)).isInstanceOf(AesGcm.AuthenticationFailedException.class);
        assertThatThrownBy(() -> LedgerEntry.create(new TxId(1L << 32, 1), EntryKind.WRITE_SET, new byte[0], new byte[0], new byte[32], f.secrets))
                .hasMessageContaining("32-bit view");
    }

    @Test
    void rekeyedEntriesRecordTheirVersion() {
        LedgerSecrets s = LedgerSecrets.fromJson(f.secrets.toJson());
        LedgerEntry old = LedgerEntry.create(new TxId(1, 1), EntryKind.WRITE_SET, new byte[0], Fixtures.bytes("a"), new byte[32], s);
        s.add(2, new byte[32]);
        LedgerEntry neu = LedgerEntry.create(new TxId(1, 2), EntryKind.WRITE_SET, new byte[0], Fixtures.bytes("b"), new byte[32], s);
        assertThat(old.secretVersion()).isEqualTo(1);
        assertThat(neu.secretVersion()).isEqualTo(2);
        assertThat(old.decryptPrivate(s)).isEqualTo(Fixtures.bytes("a"));
        assertThat(neu.decryptPrivate(s)).isEqualTo(Fixtures.bytes("b"));
        assertThatThrownBy(() -> s.add(2, new byte[32])).hasMessageContaining("must be above");
        assertThatThrownBy(() -> LedgerSecrets.fromJson("{\"secrets\":[{\"version\":1,\"key\":\"AAA\"}]}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LedgerSecrets.fromJson("[]")).hasMessageContaining("secrets");
    }

    @Test
    void commitEvidenceFormatAndSecretsFileRoundTrip() {
        String ce = CommitEvidence.of(f.secrets, 1, new TxId(4, 99));
        assertThat(ce).matches("ce:4\\.99:[0-9a-f]{64}");
        assertThat(CommitEvidence.txIdOf(ce)).isEqualTo(new TxId(4, 99));
        assertThat(CommitEvidence.of(f.secrets, 1, new TxId(4, 100))).isNotEqualTo(ce);
        assertThatThrownBy(() -> CommitEvidence.txIdOf("ce:4.99:ABC")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CommitEvidence.txIdOf("ce:04.99:" + "0".repeat(64))).isInstanceOf(IllegalArgumentException.class);
        LedgerSecrets copy = LedgerSecrets.fromJson(f.secrets.toJson());
        assertThat(copy.current().key()).isEqualTo(f.secrets.current().key());
        assertThat(CommitEvidence.of(copy, 1, new TxId(4, 99))).isEqualTo(ce);
        assertThat(f.secrets.toJson()).startsWith("{\"secrets\":[{\"version\":1,\"key\":\"");
    }
}
