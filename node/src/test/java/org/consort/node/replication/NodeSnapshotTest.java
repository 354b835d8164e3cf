package org.consort.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import org.consort.common.TxId;
import org.consort.ledger.LedgerBase;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.MerkleFrontier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSnapshotTest {
    @TempDir
    Path dir;

    private static NodeSnapshot sample() {
        MerkleFrontier f = MerkleFrontier.empty();
        for (int i = 0; i < 5; i++) {
            f.append(new byte[32]);
        }
        byte[] privateRecord = "the store holds this in plaintext".getBytes(StandardCharsets.UTF_8);
        return new NodeSnapshot(3, 77, new LedgerBase(new TxId(2, 5), f), Map.of(1L, 1L, 2L, 4L), privateRecord,
                List.of(new byte[200], new byte[300]));
    }

    @Test
    void roundTripsAndKeepsTheStoreEncrypted() throws Exception {
        SecureRandom random = new SecureRandom();
        LedgerSecrets secrets = LedgerSecrets.generate(random);
        Path file = dir.resolve("s");
        sample().write(file, secrets, random);
        byte[] raw = Files.readAllBytes(file);
        assertThat(new String(raw, StandardCharsets.ISO_8859_1)).doesNotContain("plaintext");
        // The entries are not valid ledger entries here, but the reader only bounds their sizes.
        NodeSnapshot back = NodeSnapshot.read(file, secrets, 1 << 20);
        assertThat(back.base()).isEqualTo(sample().base());
        assertThat(back.views()).isEqualTo(sample().views());
        assertThat(back.store()).isEqualTo(sample().store());
        assertThat(back.tail()).hasSize(2);
        assertThat(back.lastSeqno()).isEqualTo(7);
    }

    @Test
    void aSnapshotStreamedFromAFrozenStoreIsTheSameAsOneOfItsBytes() throws Exception {
        org.consort.kv.Store store = new org.consort.kv.Store(org.consort.kv.StoreConfig.defaults());
        for (int i = 0; i < 100; i++) {
            org.consort.kv.WriteTx tx = store.writeTx();
            tx.write(org.consort.kv.MapName.raw("public:m")).put(new byte[] {(byte) i}, new byte[i * 3]);
            store.commit(tx);
        }
        org.consort.kv.Store.Frozen frozen = store.freeze(store.version());
        SecureRandom random = new SecureRandom();
        LedgerSecrets secrets = LedgerSecrets.generate(random);
        NodeSnapshot s = sample();
        Path file = dir.resolve("streamed");
        NodeSnapshot.write(file, s.term(), s.index(), s.base(), s.views(), frozen, s.tail(), secrets.current(), random);
        NodeSnapshot back = NodeSnapshot.read(file, secrets, 1 << 20);
        assertThat(back.store()).isEqualTo(frozen.snapshot());
        assertThat(back.base()).isEqualTo(s.base());
        assertThat(back.tail()).hasSize(2);
        assertThat(back.term()).isEqualTo(3);
        assertThat(back.index()).isEqualTo(77);
    }

    @Test
    void theOutlineOfADamagedSnapshotStillNamesItsBaseAndEntries() throws Exception {
        SecureRandom random = new SecureRandom();
        LedgerSecrets secrets = LedgerSecrets.generate(random);
        Path file = dir.resolve("s");
        sample().write(file, secrets, random);
        byte[] raw = Files.readAllBytes(file);
        // A byte of the encrypted store: the snapshot is refused, but what it covered can still be read.
        int storeByte = raw.length - 32 - 4 - 2 * (4 + 250) - 20;
        raw[storeByte] ^= 1;
        Files.write(file, raw);
        assertThatThrownBy(() -> NodeSnapshot.read(file, secrets, 1 << 20))
                .isInstanceOf(NodeSnapshot.MalformedSnapshotException.class);
        NodeSnapshot.Outline o = NodeSnapshot.outline(file, 1 << 20);
        assertThat(o.base()).isEqualTo(sample().base());
        assertThat(o.tail()).hasSize(2);
        assertThat(o.tail().get(1)).isEqualTo(new byte[300]);
        assertThat(o.lastSeqno()).isEqualTo(7);
        Files.write(dir.resolve("short"), new byte[40]);
        assertThatThrownBy(() -> NodeSnapshot.outline(dir.resolve("short"), 1 << 20))
                .isInstanceOf(NodeSnapshot.MalformedSnapshotException.class);
    }

    @Test
    void aDamagedOrForeignSnapshotIsRefused() throws Exception {
        SecureRandom random = new SecureRandom();
        LedgerSecrets secrets = LedgerSecrets.generate(random);
        Path file = dir.resolve("s");
        sample().write(file, secrets, random);
        byte[] raw = Files.readAllBytes(file);
        raw[60] ^= 1;
        Files.write(dir.resolve("damaged"), raw);
        assertThatThrownBy(() -> NodeSnapshot.read(dir.resolve("damaged"), secrets, 1 << 20))
                .isInstanceOf(NodeSnapshot.MalformedSnapshotException.class).hasMessageContaining("SHA-256");
        // Another service's ledger secret cannot open it.
        assertThatThrownBy(() -> NodeSnapshot.read(file, LedgerSecrets.generate(random), 1 << 20))
                .isInstanceOf(NodeSnapshot.MalformedSnapshotException.class).hasMessageContaining("decrypt");
        Files.write(dir.resolve("short"), new byte[10]);
        assertThatThrownBy(() -> NodeSnapshot.read(dir.resolve("short"), secrets, 1 << 20))
                .isInstanceOf(NodeSnapshot.MalformedSnapshotException.class);
    }
}
