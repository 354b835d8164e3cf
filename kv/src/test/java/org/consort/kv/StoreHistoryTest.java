package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The history is bounded by versions and by the bytes its versions wrote, above a floor of versions. */
class StoreHistoryTest {
    private static final MapName<byte[], byte[]> M = MapName.raw("m");

    /** Commits and globally commits one version writing one key of {@code valueBytes} bytes. */
    private static long write(Store store, int key, int valueBytes) {
        WriteTx tx = store.writeTx();
        tx.write(M).put(new byte[] {(byte) key}, new byte[valueBytes]);
        long v = ((CommitResult.Committed) store.commit(tx)).version();
        store.globalCommit(v);
        return v;
    }

    @Test
    void bigVersionsLeaveOnceTheBytesAreExceededButTheFloorStays() {
        // At most 100 versions, 10,000 bytes written, but always the last 5.
        Store store = new Store(new StoreConfig(100, 10_000, 5));
        for (int i = 1; i <= 20; i++) {
            write(store, i, 999); // 1 key byte + 999 value bytes
        }
        // 10 versions of 1,000 bytes fit (11 to 20); with version 10 they would exceed.
        assertThat(store.oldestVersion()).isEqualTo(11);
        assertThatThrownBy(() -> store.readTxAt(10)).isInstanceOf(VersionUnavailable.class);
        assertThat(store.readTxAt(11).read(M).get(new byte[] {11})).isPresent();
        // Versions far bigger than the budget: the floor of 5 older versions is kept anyway.
        for (int i = 21; i <= 30; i++) {
            write(store, i, 50_000);
        }
        assertThat(store.oldestVersion()).isEqualTo(25);
        assertThat(store.readTxAt(25).read(M).get(new byte[] {25})).isPresent();
        // Small versions again: the history widens back up to the byte budget, and never past 100 versions.
        for (int i = 31; i <= 400; i++) {
            write(store, i % 128, 1);
        }
        assertThat(store.version() - store.oldestVersion()).isEqualTo(100);
    }

    @Test
    void versionsAboveTheGlobalCommitPointStayWhateverTheirSize() {
        Store store = new Store(new StoreConfig(100, 1_000, 1));
        long committed = write(store, 1, 10);
        for (int i = 0; i < 10; i++) {
            WriteTx tx = store.writeTx();
            tx.write(M).put(new byte[] {2}, new byte[5_000]);
            store.commit(tx);
        }
        assertThat(store.oldestVersion()).isLessThanOrEqualTo(committed);
        store.rollback(committed); // every speculative version is still there to return to
        assertThat(store.version()).isEqualTo(committed);
        // After the rollback the dropped versions no longer count: small versions fill the budget again.
        for (int i = 0; i < 50; i++) {
            write(store, 3, 9);
        }
        assertThat(store.version() - store.oldestVersion()).isBetween(90L / 10, 100L);
    }

    @Test
    void theOneArgumentConfigKeepsEveryVersionWhateverItsSize() {
        Store store = new Store(new StoreConfig(8));
        for (int i = 1; i <= 20; i++) {
            write(store, i, 100_000);
        }
        assertThat(store.version() - store.oldestVersion()).isEqualTo(8);
        assertThat(new StoreConfig(8).historyVersionsKept()).isEqualTo(8);
        assertThat(new StoreConfig(8, 1, 3).historyVersionsKept()).isEqualTo(3);
    }

    private static final MapName<byte[], byte[]> BLOCKS = MapName.raw("blocks");

    /** Commits, globally commits, and writes the "blocks" map too when {@code block}. */
    private static long write(Store store, int key, boolean block) {
        WriteTx tx = store.writeTx();
        tx.write(M).put(new byte[] {(byte) key}, new byte[] {(byte) key});
        if (block) {
            tx.write(BLOCKS).put(new byte[] {0}, new byte[] {(byte) key});
        }
        long v = ((CommitResult.Committed) store.commit(tx)).version();
        store.globalCommit(v);
        return v;
    }

    @Test
    void aKeepRuleHoldsItsLastVersionsPastTheRecentHistoryAndLetsTheOthersGo() {
        Store store = new Store(new StoreConfig(4));
        store.keepVersions(ws -> ws.writesMap("blocks"), 3);
        java.util.List<Long> blocks = new java.util.ArrayList<>();
        for (int i = 1; i <= 60; i++) {
            long v = write(store, i, i % 10 == 0);
            if (i % 10 == 0) {
                blocks.add(v);
            }
        }
        // The recent history: the latest version and the 4 before it.
        for (long v = store.version() - 4; v <= store.version(); v++) {
            assertThat(store.readTxAt(v).read(M).get(new byte[] {(byte) v})).isPresent();
        }
        // The last 3 block versions stay, with the state as of each; the versions between them left.
        for (long v : blocks.subList(blocks.size() - 3, blocks.size())) {
            assertThat(store.readTxAt(v).read(BLOCKS).get(new byte[] {0})).contains(new byte[] {(byte) v});
            assertThat(store.readTxAt(v).read(M).get(new byte[] {(byte) (v + 1)})).isEmpty();
        }
        assertThatThrownBy(() -> store.readTxAt(blocks.get(blocks.size() - 4))).isInstanceOf(VersionUnavailable.class);
        assertThatThrownBy(() -> store.readTxAt(blocks.get(blocks.size() - 1) + 1)).isInstanceOf(VersionUnavailable.class);
        assertThat(store.oldestVersion()).isEqualTo(blocks.get(blocks.size() - 3));
    }

    @Test
    void keptVersionsThatARollbackDropsAreForgotten() {
        Store store = new Store(new StoreConfig(2));
        store.keepVersions(ws -> ws.writesMap("blocks"), 4);
        long committed = write(store, 1, true);
        for (int i = 0; i < 3; i++) { // speculative blocks, never globally committed
            WriteTx tx = store.writeTx();
            tx.write(BLOCKS).put(new byte[] {0}, new byte[] {9});
            store.commit(tx);
        }
        store.rollback(committed);
        for (int i = 2; i <= 20; i++) {
            write(store, i, false);
        }
        // The committed block is still held, by itself: the rolled-back ones left no hold behind.
        assertThat(store.readTxAt(committed).read(M).get(new byte[] {1})).isPresent();
        assertThat(store.oldestVersion()).isEqualTo(committed);
        java.util.List<Long> later = new java.util.ArrayList<>();
        for (int i = 21; i <= 24; i++) {
            later.add(write(store, i, true));
        }
        for (int i = 25; i <= 30; i++) {
            write(store, i, false);
        }
        assertThatThrownBy(() -> store.readTxAt(committed)).isInstanceOf(VersionUnavailable.class);
        for (long v : later) {
            assertThat(store.readTxAt(v).read(M).get(new byte[] {(byte) v})).isPresent();
        }
    }
}
