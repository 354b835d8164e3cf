package org.consort.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.consort.node.Limits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigLimitsTest {
    @TempDir
    Path dir;

    private NodeConfig read(String limitsJson) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"nodeDir\": \"n\", \"port\": 0, \"limits\": " + limitsJson + "}");
        return NodeConfig.read(f);
    }

    @Test
    void limitsLeftOutTakeTheirDefaults() throws Exception {
        Limits l = read("{\"httpThreadsMax\": 8, \"historyBytesMax\": 67108864}").limits();
        Limits d = Limits.defaults();
        assertThat(l.httpThreadsMax()).isEqualTo(8);
        assertThat(l.historyBytesMax()).isEqualTo(64L << 20);
        assertThat(l.historyVersionsMax()).isEqualTo(d.historyVersionsMax());
        assertThat(l.requestBodyBytesMax()).isEqualTo(d.requestBodyBytesMax());
        assertThat(l.idleTimeoutMs()).isEqualTo(d.idleTimeoutMs());
        assertThat(l.connectionsPerIdentityMax()).isEqualTo(256);
        assertThat(l.firstRequestTimeoutMs()).isEqualTo(10_000);
        assertThat(l.storeConfig().historyBytesMax()).isEqualTo(64L << 20);
        assertThat(l.storeConfig().historyVersionsKept()).isEqualTo(Limits.HISTORY_VERSIONS_FLOOR);
        assertThat(read("{\"historyVersionsMax\": 10}").limits().storeConfig().historyVersionsKept()).isEqualTo(10);
    }

    @Test
    void aBoundOutOfRangeIsRefusedByName() throws Exception {
        assertThatThrownBy(() -> read("{\"historyBytesMax\": 1000}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("historyBytesMax must be at least 1 MiB");
        assertThatThrownBy(() -> read("{\"connectionsPerIdentityMax\": 0}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("connectionsPerIdentityMax must be positive");
        assertThatThrownBy(() -> read("{\"idleTimeoutMs\": 5000, \"firstRequestTimeoutMs\": 6000}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("firstRequestTimeoutMs must be at least 100 and at most idleTimeoutMs");
        // Left out, it follows a shorter idle timeout rather than refuse a config that was valid before it existed.
        assertThat(read("{\"idleTimeoutMs\": 5000}").limits().firstRequestTimeoutMs()).isEqualTo(5_000);
        assertThat(read("{\"idleTimeoutMs\": 5000, \"firstRequestTimeoutMs\": 2000, \"connectionsPerIdentityMax\": 8}")
                .limits().firstRequestTimeoutMs()).isEqualTo(2_000);
        assertThatThrownBy(() -> read("{\"historyVersionMax\": 10}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("historyVersionMax");
    }
}
