package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    static final MapName<String, String> RECORDS = StoreTest.RECORDS;
    static final MapName<Long, String> LOG = StoreTest.LOG;

    private static Store populated() {
        Store store = new Store(StoreConfig.defaults());
        for (int i = 0; i < 5; i++) {
            WriteTx tx = store.writeTx();
            tx.write(RECORDS).put("k" + (i % 3), "v" + i);
            tx.write(LOG).put((long) i, "log" + i);
            store.commit(tx);
        }
        WriteTx tx = store.writeTx();
        tx.write(MapName.raw("emptied")).put(new byte[] {1}, new byte[] {2});
        store.commit(tx);
        tx = store.writeTx();
        tx.write(MapName.raw("emptied")).remove(new byte[] {1});
        store.commit(tx);
        return store;
    }

    @Test
    void aFrozenVersionWritesTheSameSnapshotAfterTheStoreMovedOnOrRolledBack() {
        Store store = new Store(new StoreConfig(2));
        Store.Frozen frozen = store.freeze(0);
        WriteTx first = store.writeTx();
        first.write(RECORDS).put("a", "1");
        store.commit(first);
        Store.Frozen one = store.freeze(1);
        byte[] expected = store.snapshot(1);
        for (int i = 0; i < 5; i++) {
            WriteTx tx = store.writeTx();
            tx.write(RECORDS).put("a", "later" + i);
            store.commit(tx);
            store.globalCommit(store.version());
        }
        assertThatThrownBy(() -> store.snapshot(1)).isInstanceOf(VersionUnavailable.class); // left the history
        assertThat(one.version()).isEqualTo(1);
        assertThat(one.snapshot()).isEqualTo(expected);
        assertThat(Store.fromSnapshot(StoreConfig.defaults(), frozen.snapshot()).version()).isZero();
        assertThatThrownBy(() -> store.freeze(1)).isInstanceOf(VersionUnavailable.class);
    }

    @Test
    void theStreamedSnapshotIsTheSameBytesAsTheArrayAndItsSizeIsCountedExactly() throws Exception {
        Store store = populated();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            WriteTx tx = store.writeTx();
            byte[] key = new byte[1 + random.nextInt(40)];
            byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(key);
            random.nextBytes(value);
            tx.write(MapName.raw("m" + (i % 4))).put(key, value);
            store.commit(tx);
        }
        Store.Frozen frozen = store.freeze(store.version());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        frozen.writeSnapshot(out);
        assertThat(out.toByteArray()).isEqualTo(frozen.snapshot());
        assertThat(frozen.snapshotBytes()).isEqualTo(frozen.snapshot().length);
        Store empty = new Store(StoreConfig.defaults());
        assertThat(empty.freeze(0).snapshotBytes()).isEqualTo(empty.snapshot(0).length);
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        Store store = new Store(StoreConfig.defaults());
        WriteTx tx = store.writeTx();
        tx.write(MapName.raw("m")).put(new byte[] {7}, new byte[] {8, 9});
        store.commit(tx);
        assertThat(Hex.encode(store.snapshot(1))).isEqualTo("434b5653" + "01" + "0000000000000001" + "00000001"
                + "0001" + "6d" + "0000000000000001" + "00000001"
                + "00000001" + "07" + "0000000000000001" + "00000002" + "0809");
        assertThat(Hex.encode(store.snapshot(0))).isEqualTo("434b5653" + "01" + "0000000000000000" + "00000000");
    }

    @Test
    void aStoreLoadedFromASnapshotHasTheSameStateAndHistory() {
        Store store = populated();
        byte[] snapshot = store.snapshot(store.version());
        Store loaded = Store.fromSnapshot(StoreConfig.defaults(), snapshot);
        assertThat(loaded.version()).isEqualTo(7);
        assertThat(loaded.globalCommitVersion()).isEqualTo(7);
        assertThat(loaded.digest(7)).isEqualTo(store.digest(7));
        assertThat(loaded.snapshot(7)).isEqualTo(snapshot);
        assertThat(loaded.readTx().read(RECORDS).get("k1")).contains("v4");
        assertThat(loaded.readTx().read(RECORDS).lastWriteVersion("k1")).hasValue(5);
        assertThat(loaded.readTx().read(MapName.raw("emptied")).size()).isZero();
        assertThatThrownBy(() -> loaded.readTxAt(6)).isInstanceOf(VersionUnavailable.class);
    }

    @Test
    void theLoadedStoreContinuesWithTheSameVersionsAsTheOriginal() {
        Store store = populated();
        Store loaded = Store.fromSnapshot(StoreConfig.defaults(), store.snapshot(7));
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).forEach((k, v) -> { });
        tx.write(RECORDS).put("new", "x");
        WriteSet ws = ((CommitResult.Committed) store.commit(tx)).writeSet();
        loaded.apply(ws);
        assertThat(loaded.digest(8)).isEqualTo(store.digest(8));
    }

    @Test
    void digestsDifferWhenStatesDiffer() {
        Store store = populated();
        assertThat(store.digest(6)).isNotEqualTo(store.digest(7)).hasSize(32);
    }

    @Test
    void malformedSnapshotsAreRejected() {
        byte[] good = populated().snapshot(7);
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] badMagic = good.clone();
        badMagic[0] = 'X';
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), badMagic))
                .hasMessageContaining("magic");
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("store snapshot");
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), Arrays.copyOf(good, good.length + 1)))
                .hasMessageContaining("trailing");
        byte[] futureVersion = Hex.decode("434b5653" + "01" + "0000000000000001" + "00000001"
                + "0001" + "6d" + "0000000000000002" + "00000000");
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), futureVersion))
                .hasMessageContaining("outside 1..1");
        byte[] entryAfterMap = Hex.decode("434b5653" + "01" + "0000000000000002" + "00000001"
                + "0001" + "6d" + "0000000000000001" + "00000001"
                + "00000001" + "07" + "0000000000000002" + "00000000");
        assertThatThrownBy(() -> Store.fromSnapshot(StoreConfig.defaults(), entryAfterMap))
                .hasMessageContaining("outside 1..1");
    }
}
