package org.consort.evm.rlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.consort.common.Hex;
import org.consort.evm.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The official RLPTests: encoding of given values, rejection of invalid input, random valid input. */
class RlpReferenceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rlpTests() throws Exception {
        Path dir = Fixtures.root().resolve("RLPTests");
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        for (Path f : files) {
            JsonNode root = MAPPER.readTree(f.toFile());
            Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode in = e.getValue().get("in");
                byte[] out = Hex.decode(e.getValue().get("out").asText());
                tests.add(DynamicTest.dynamicTest(f.getFileName() + "/" + e.getKey(), () -> check(in, out)));
            }
        }
        assertThat(tests).hasSizeGreaterThan(50);
        return tests.stream();
    }

    private static void check(JsonNode in, byte[] out) {
        if (in.isTextual() && in.asText().equals("INVALID")) {
            assertThatThrownBy(() -> Rlp.decode(out)).isInstanceOf(RlpException.class);
        } else if (in.isTextual() && in.asText().equals("VALID")) {
            assertThat(reencode(Rlp.decode(out))).isEqualTo(out);
        } else {
            assertThat(Hex.encode(encode(in))).isEqualTo(Hex.encode(out));
            assertThat(reencode(Rlp.decode(out))).isEqualTo(out);
        }
    }

    private static byte[] encode(JsonNode in) {
        if (in.isArray()) {
            List<byte[]> items = new ArrayList<>();
            for (JsonNode n : in) {
                items.add(encode(n));
            }
            return Rlp.encodeList(items);
        }
        if (in.isIntegralNumber()) {
            return Rlp.encodeBigInteger(in.bigIntegerValue());
        }
        String s = in.asText();
        if (s.startsWith("#")) {
            return Rlp.encodeBigInteger(new BigInteger(s.substring(1)));
        }
        return Rlp.encodeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] reencode(RlpItem item) {
        if (item instanceof RlpItem.Bytes b) {
            return Rlp.encodeBytes(b.value());
        }
        List<byte[]> items = new ArrayList<>();
        for (RlpItem i : item.list()) {
            items.add(reencode(i));
        }
        return Rlp.encodeList(items);
    }
}
