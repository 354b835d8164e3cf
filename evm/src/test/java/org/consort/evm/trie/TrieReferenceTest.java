package org.consort.evm.trie;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.evm.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The official TrieTests: root hashes of plain and secure tries, in order and in any order. */
class TrieReferenceTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> trieTests() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("trietest.json", "trieanyorder.json", "trietest_secureTrie.json",
                "trieanyorder_secureTrie.json", "hex_encoded_securetrie_test.json")) {
            Path f = Fixtures.root().resolve("TrieTests").resolve(file);
            boolean secure = file.contains("secure");
            JsonNode root = MAPPER.readTree(f.toFile());
            Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                tests.add(DynamicTest.dynamicTest(file + "/" + e.getKey(), () -> check(e.getValue(), secure)));
            }
        }
        assertThat(tests).hasSizeGreaterThan(20);
        return tests.stream();
    }

    private static void check(JsonNode test, boolean secure) {
        MerklePatriciaTrie trie = new MerklePatriciaTrie();
        JsonNode in = test.get("in");
        if (in.isArray()) {
            for (JsonNode pair : in) {
                apply(trie, pair.get(0), pair.get(1), secure);
            }
        } else {
            Iterator<Map.Entry<String, JsonNode>> it = in.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                apply(trie, MAPPER.getNodeFactory().textNode(e.getKey()), e.getValue(), secure);
            }
        }
        assertThat("0x" + Hex.encode(trie.rootHash())).isEqualTo(test.get("root").asText());
    }

    private static void apply(MerklePatriciaTrie trie, JsonNode k, JsonNode v, boolean secure) {
        byte[] key = bytes(k.asText());
        if (secure) {
            key = Hashes.keccak256(key);
        }
        if (v == null || v.isNull()) {
            trie.remove(key);
        } else {
            trie.put(key, bytes(v.asText()));
        }
    }

    private static byte[] bytes(String s) {
        return s.startsWith("0x") ? Hex.decode(s) : s.getBytes(StandardCharsets.UTF_8);
    }
}
