package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.ratis.util.MD5FileUtil;
import org.consort.replication.StoredSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredSnapshotsTest {
    @TempDir
    Path storage;

    private Path snapshot(UUID group, String name, boolean withDigest) throws Exception {
        Path sm = RatisReplicatedLog.stateMachineDir(storage, group);
        Files.createDirectories(sm);
        Path f = sm.resolve(name);
        Files.write(f, ("content of " + name).getBytes());
        if (withDigest) {
            MD5FileUtil.saveMD5File(f.toFile(), MD5FileUtil.computeMd5ForFile(f.toFile()));
        }
        return f;
    }

    @Test
    void findsTheSnapshotsOfAGroupNewestFirstWithoutRatis() throws Exception {
        UUID group = UUID.randomUUID();
        assertThat(RatisReplicatedLog.storedSnapshots(storage, group)).isEmpty();
        snapshot(group, "snapshot.1_40", true);
        snapshot(group, "snapshot.2_300", true);
        snapshot(group, "snapshot.1_120", true);
        snapshot(group, "snapshot.3_9.tmp", false);
        snapshot(UUID.randomUUID(), "snapshot.9_999", true);
        assertThat(RatisReplicatedLog.storedSnapshots(storage, group)).extracting(StoredSnapshot::index)
                .containsExactly(300L, 120L, 40L);
        assertThat(RatisReplicatedLog.storedSnapshots(storage, group).get(0).term()).isEqualTo(2);
    }

    @Test
    void aSnapshotMustMatchTheDigestBesideIt() throws Exception {
        UUID group = UUID.randomUUID();
        Path good = snapshot(group, "snapshot.1_10", true);
        RatisReplicatedLog.verifyDigest(new StoredSnapshot(1, 10, good));
        Files.write(good, "changed".getBytes());
        assertThatThrownBy(() -> RatisReplicatedLog.verifyDigest(new StoredSnapshot(1, 10, good)))
                .hasMessageContaining("does not match");
        Path bare = snapshot(group, "snapshot.1_20", false);
        assertThatThrownBy(() -> RatisReplicatedLog.verifyDigest(new StoredSnapshot(1, 20, bare)))
                .hasMessageContaining("no digest file");
    }
}
