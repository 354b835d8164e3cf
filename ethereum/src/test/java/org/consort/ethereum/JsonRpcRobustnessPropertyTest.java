package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever a caller sends, the JSON-RPC handler answers JSON (a result or a standard error),
 * never an internal error, and the chain does not move: every method with random parameters,
 * and random bytes as a body.
 */
class JsonRpcRobustnessPropertyTest {
    private static TestChain chain;

    @BeforeContainer
    static void start() {
        chain = new TestChain();
    }

    @AfterContainer
    static void stop() {
        chain.close();
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of(List.of("eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_call",
                "eth_estimateGas", "eth_sendRawTransaction", "eth_getTransactionByHash", "eth_getTransactionReceipt",
                "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getLogs", "eth_newFilter", "eth_getFilterChanges",
                "eth_getFilterLogs", "eth_uninstallFilter", "eth_feeHistory", "eth_getStorageAt",
                "eth_getTransactionByBlockNumberAndIndex", "eth_getBlockTransactionCountByHash", "web3_sha3",
                "eth_chainId", "nope"));
    }

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> hex = Arbitraries.strings().withChars("0123456789abcdefABCDEFxX").ofMaxLength(70).map(s -> "\"0x" + s + "\"");
        Arbitrary<String> tags = Arbitraries.of("\"latest\"", "\"pending\"", "\"earliest\"", "\"safe\"", "\"finalized\"",
                "\"0x0\"", "\"0xffffffffffffffff\"", "null", "true", "-1", "1e999", "\"\"", "[]", "{}",
                "{\"blockHash\":\"0x00\"}", "{\"blockNumber\":\"0x0\"}", "[null,[null]]",
                "{\"to\":\"0x0000000000000000000000000000000000000001\",\"data\":\"0x00\"}",
                "{\"address\":[],\"topics\":[[],null,\"0x1\"]}", "{\"fromBlock\":\"0x5\",\"toBlock\":\"0x1\"}",
                "\"" + TestChain.ALICE_USER + "\"");
        return Arbitraries.oneOf(hex, tags, Arbitraries.strings().ofMaxLength(20).map(s -> JsonSupport.write(s)));
    }

    @Property(tries = 400)
    void anyParametersGiveAStandardAnswer(@ForAll("methods") String method, @ForAll @net.jqwik.api.constraints.Size(max = 4) List<@net.jqwik.api.From("values") String> params) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":[" + String.join(",", params) + "]}";
        long head = chain.app.sequencer().blocksWritten();
        JsonNode answer = chain.raw(TestChain.ALICE_USER, body.getBytes(StandardCharsets.UTF_8));
        assertThat(answer).as(body).isNotNull();
        if (answer.has("error")) {
            assertThat(answer.at("/error/code").asInt()).as(body + " -> " + answer).isNotEqualTo(-32603);
        } else {
            assertThat(answer.has("result")).as(answer.toString()).isTrue();
        }
        assertThat(chain.app.sequencer().blocksWritten()).isEqualTo(head);
    }

    @Property(tries = 300)
    void anyBytesGiveAStandardAnswer(@ForAll byte[] body) {
        byte[] out = chain.app.handle(TestChain.ALICE_USER, body);
        if (out.length > 0) {
            JsonNode answer = JsonSupport.parse(new String(out, StandardCharsets.UTF_8));
            assertThat(answer.isObject() || answer.isArray()).isTrue();
            if (answer.has("error")) {
                assertThat(answer.at("/error/code").asInt()).isNotEqualTo(-32603);
            }
        }
    }
}
