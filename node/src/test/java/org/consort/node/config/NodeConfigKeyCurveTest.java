package org.consort.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.consort.crypto.EcCurve;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigKeyCurveTest {
    @TempDir
    Path dir;

    private NodeConfig read(String extra) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"nodeDir\": \"n\", \"port\": 0" + extra + "}");
        return NodeConfig.read(f);
    }

    @Test
    void nodeKeysAreP256UnlessTheConfigurationSaysP384() throws Exception {
        assertThat(read("").nodeKeyCurveParsed()).isEqualTo(EcCurve.P256);
        assertThat(read(", \"nodeKeyCurve\": \"P-384\"").nodeKeyCurveParsed()).isEqualTo(EcCurve.P384);
        assertThat(read(", \"nodeKeyCurve\": \"secp256r1\"").nodeKeyCurveParsed()).isEqualTo(EcCurve.P256);
    }

    @Test
    void anUnknownCurveIsRefusedWhenTheConfigurationIsRead() {
        assertThatThrownBy(() -> read(", \"nodeKeyCurve\": \"P-521\"")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown curve 'P-521'");
    }

    @Test
    void theCurveSurvivesWritingTheConfiguration() throws Exception {
        NodeConfig c = read(", \"nodeKeyCurve\": \"P-384\"");
        Path again = dir.resolve("again.json");
        c.write(again);
        assertThat(NodeConfig.read(again).nodeKeyCurveParsed()).isEqualTo(EcCurve.P384);
    }
}
