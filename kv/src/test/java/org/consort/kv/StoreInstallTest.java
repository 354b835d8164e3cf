package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoreInstallTest {
    private static final MapName<String, String> RECORDS = MapName.of("records", Codec.utf8(), Codec.utf8());

    @Test
    void installingASnapshotReplacesTheStateAndOpenTransactionsConflict() {
        Store source = new Store(new StoreConfig(100));
        for (int i = 0; i < 10; i++) {
            WriteTx tx = source.writeTx();
            tx.write(RECORDS).put("k" + i, "v" + i);
            source.commit(tx);
        }
        source.globalCommit(8);
        byte[] snapshot = source.snapshot(8);

        Store behind = new Store(new StoreConfig(100));
        WriteTx old = behind.writeTx();
        old.write(RECORDS).put("stale", "x");
        behind.commit(old);
        WriteTx open = behind.writeTx();
        open.write(RECORDS).put("late", "y");

        behind.install(snapshot);
        assertThat(behind.version()).isEqualTo(8);
        assertThat(behind.globalCommitVersion()).isEqualTo(8);
        assertThat(behind.digest(8)).isEqualTo(source.digest(8));
        assertThat(behind.readTx().read(RECORDS).get("k7")).contains("v7");
        assertThat(behind.readTx().read(RECORDS).get("stale")).isEmpty();
        assertThat(behind.commit(open)).isInstanceOf(CommitResult.Conflict.class);

        // It carries on from the snapshot's version.
        WriteTx next = behind.writeTx();
        next.write(RECORDS).put("k8", "v8");
        assertThat(behind.commit(next)).isInstanceOf(CommitResult.Committed.class);
        assertThat(behind.version()).isEqualTo(9);
    }
}
