package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.consort.client.ConsortClient;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ethereum end to end with the tools DApps use: a sandbox started from the built artifact,
 * OpenZeppelin and our own Solidity compiled by solc-js, an ethers v6 script and a web3j flow
 * over HTTPS with the users' client certificates, an Ethereum transaction's Consort receipt
 * verified offline by the CLI, and bad input that must leave the chain and the node unharmed.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class EthereumToolsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static ConsortProcess sandbox;
    private static JsonNode network;
    private static JsonNode artifacts;
    private static ConsortClient user0;

    @BeforeAll
    static void start() throws Exception {
        EthereumTools.install();
        artifacts = JSON.readTree(EthereumTools.compile().toFile());
        Path dir = tmp.resolve("sandbox");
        sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString());
        sandbox.awaitOutput("Try: curl", Duration.ofSeconds(180));
        network = JSON.readTree(dir.resolve("network.json").toFile());
        JsonNode u = network.at("/users/0");
        user0 = ConsortClient.connect(network.at("/nodes/0/url").asText(), Path.of(network.get("serviceCert").asText()),
                Path.of(u.get("cert").asText()), Path.of(u.get("key").asText()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void ethersDeploysTransfersFiltersAndKeepsUsersApart() throws Exception {
        assertThat(network.at("/users/0/ethereumAddress").asText()).matches("0x[0-9a-f]{40}");
        assertThat(network.at("/users/1/ethereumPrivateKey").asText()).matches("0x[0-9a-f]{64}");
        EthereumTools.Run run = EthereumTools.node(Duration.ofMinutes(3), "ethers-flow.mjs",
                tmp.resolve("sandbox/network.json").toString(), EthereumTools.DIR.resolve("artifacts.json").toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        String[] lines = run.output().trim().split("\n");
        JsonNode out = JSON.readTree(lines[lines.length - 1]);
        assertThat(out.get("chainId").asLong()).isEqualTo(1337);

        // The Consort receipt of the ERC-20 transfer: 202 until signed, then verifiable offline.
        String tx = out.get("transferTx").asText();
        ConsortClient.Response receipt = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            receipt = user0.get("/app/ethereum/receipt?tx_hash=" + tx);
            if (receipt.status() == 200) {
                break;
            }
            assertThat(receipt.status()).as(receipt.text()).isEqualTo(202);
            Thread.sleep(50);
        }
        assertThat(receipt.status()).isEqualTo(200);
        assertThat(receipt.transactionId()).isPresent();
        Path file = tmp.resolve("transfer-receipt.json");
        Files.write(file, receipt.body());
        ConsortProcess.Result verify = ConsortProcess.run(Duration.ofSeconds(60), "receipt", "verify", file.toString(),
                "--service-cert", network.get("serviceCert").asText());
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).contains("receipt OK");

        // User 1 is not the token's business: no receipt for them.
        ConsortClient user1 = client(1);
        assertThat(user1.get("/app/ethereum/receipt?tx_hash=0x" + "ab".repeat(32)).status()).isEqualTo(404);
    }

    @Test
    void web3jDeploysCallsAndFilters() throws Exception {
        Web3jFlow.run(network, artifacts);
    }

    private static ConsortClient client(int user) throws Exception {
        JsonNode u = network.at("/users/" + user);
        return ConsortClient.connect(network.at("/nodes/0/url").asText(), Path.of(network.get("serviceCert").asText()),
                Path.of(u.get("cert").asText()), Path.of(u.get("key").asText()));
    }

    private static JsonNode rpc(String body) throws Exception {
        ConsortClient.Response r = user0.postJson("/app/ethereum", body);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    private static JsonNode call(String method, String paramsJson) throws Exception {
        return rpc("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + paramsJson + "}");
    }

    private static String send(byte[] raw) throws Exception {
        JsonNode r = call("eth_sendRawTransaction", "[\"0x" + Hex.encode(raw) + "\"]");
        return r.has("error") ? "error " + r.at("/error/code").asInt() + ": " + r.at("/error/message").asText()
                : r.get("result").asText();
    }

    @Test
    void badInputGivesStandardErrorsAndChangesNothing() throws Exception {
        String address = network.at("/users/0/ethereumAddress").asText();
        byte[] key = Hex.decode(network.at("/users/0/ethereumPrivateKey").asText());
        String balance = "[\"" + address + "\",\"latest\"]";
        long chainId = Long.decode(call("eth_chainId", "[]").get("result").asText());
        long nonce = Long.decode(call("eth_getTransactionCount", "[\"" + address + "\",\"pending\"]").get("result").asText());
        String good = send(legacy(key, chainId, nonce, 21_000, BigInteger.ONE, new byte[0], false));
        assertThat(good).startsWith("0x");
        long block = Long.decode(call("eth_blockNumber", "[]").get("result").asText());
        String before = call("eth_getBalance", balance).get("result").asText();

        assertThat(rpc("{\"jsonrpc\":\"2.0\",\"id\":1,").at("/error/code").asInt()).isEqualTo(-32700);
        assertThat(rpc("[]").at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(rpc("{\"id\":1,\"method\":\"eth_chainId\"}").at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(call("eth_doesNotExist", "[]").at("/error/code").asInt()).isEqualTo(-32601);
        assertThat(call("eth_getBalance", "[\"0x1234\",\"latest\"]").at("/error/code").asInt()).isEqualTo(-32602);
        assertThat(call("eth_getBalance", "\"latest\"").at("/error/code").asInt()).isEqualTo(-32602);
        assertThat(call("eth_getStorageAt", "[\"" + address + "\",\"0x0\",\"latest\"]").at("/error/code").asInt())
                .isEqualTo(-32004);
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 101; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"eth_chainId\"}");
        }
        assertThat(rpc(batch + "]").at("/error/code").asInt()).isEqualTo(-32600);

        assertThat(send(new byte[] {(byte) 0xc0})).startsWith("error -32000: rlp:");
        assertThat(send(new byte[] {(byte) 0xf8, 0x01})).startsWith("error -32000: rlp:");
        assertThat(send(legacy(key, chainId + 1, nonce + 1, 21_000, BigInteger.ONE, new byte[0], false)))
                .startsWith("error -32000: invalid chain id");
        assertThat(send(legacy(key, chainId, nonce + 1, 21_000, BigInteger.ONE, new byte[0], true)))
                .startsWith("error -32000: invalid transaction v, r, s values");
        assertThat(send(legacy(key, chainId, nonce, 21_000, BigInteger.TWO, new byte[0], false)))
                .startsWith("error -32000: nonce too low");
        assertThat(send(legacy(key, chainId, nonce + 100, 21_000, BigInteger.ONE, new byte[0], false)))
                .startsWith("error -32000: nonce too high");
        assertThat(send(legacy(key, chainId, nonce + 1, 21_000, BigInteger.TEN.pow(30), new byte[0], false)))
                .isEqualTo("error -32000: insufficient funds for gas * price + value");
        assertThat(send(legacy(key, chainId, nonce + 1, 20_000, BigInteger.ONE, new byte[0], false)))
                .startsWith("error -32000: intrinsic gas too low");
        assertThat(send(legacy(key, chainId, nonce + 1, 40_000_000, BigInteger.ONE, new byte[0], false)))
                .startsWith("error -32000: exceeds block gas limit");
        assertThat(send(legacy(key, chainId, nonce + 1, 29_000_000, BigInteger.ONE, new byte[200_000], false)))
                .startsWith("error -32000: oversized data");
        ConsortClient.Response huge = user0.postJson("/app/ethereum", new byte[(1 << 20) + 10]);
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.text()).doesNotContain("at org.");

        // Nothing changed; the node is unharmed and still makes blocks.
        assertThat(Long.decode(call("eth_blockNumber", "[]").get("result").asText())).isEqualTo(block);
        assertThat(call("eth_getBalance", balance).get("result").asText()).isEqualTo(before);
        assertThat(send(legacy(key, chainId, nonce + 1, 21_000, BigInteger.ONE, new byte[0], false))).startsWith("0x");
        ConsortClient anyone = ConsortClient.connect(network.at("/nodes/0/url").asText(),
                Path.of(network.get("serviceCert").asText()), null, null);
        assertThat(anyone.get("/node/state").json().get("state").asText()).isEqualTo("PartOfNetwork");
    }

    private static final Path ROOT = ConsortProcess.JAR.getParent().getParent().getParent();

    @Test
    void docsShowTheCodeThisTestRunsAndTheirCurlExampleWorks() throws Exception {
        Path doc = ROOT.resolve("docs/ethereum.md");
        assertThat(DocsExamplesIT.example(doc, "ethers-connect")).isEqualTo(
                marked(ROOT.resolve("tests/src/test/resources/ethereum/ethers-flow.mjs"), 0) + "\n");
        assertThat(DocsExamplesIT.example(doc, "web3j-connect")).isEqualTo(
                marked(ROOT.resolve("tests/src/test/java/org/consort/tests/Web3jFlow.java"), 4) + "\n");
        String script = DocsExamplesIT.example(doc, "ethereum-curl");
        assertThat(script).startsWith("S=workspace/sandbox\n");
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c",
                script.replaceFirst("S=workspace/sandbox", "S=" + tmp.resolve("sandbox"))).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x");
    }

    /** The lines between "// example: NAME" and "// end example", without {@code indent} leading spaces. */
    private static String marked(Path file, int indent) throws Exception {
        List<String> out = new ArrayList<>();
        boolean on = false;
        for (String line : Files.readAllLines(file)) {
            if (line.trim().startsWith("// example: ")) {
                on = true;
            } else if (on && line.trim().equals("// end example")) {
                break;
            } else if (on) {
                out.add(line.startsWith(" ".repeat(indent)) ? line.substring(indent) : line);
            }
        }
        return String.join("\n", out);
    }

    /** Last: the chain survives a restart from the ledger, and block production goes on from it. */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE - 1)
    void governanceChangesTheNetworkSettingsAndTheBindings() throws Exception {
        String fresh = "0x" + "12".repeat(20);
        String callFromFresh = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"from\":\"" + fresh
                + "\",\"to\":\"0x00000000000000000000000000000000000c0ffe\",\"data\":\"0x\"},\"latest\"]}";
        ConsortClient user1 = client(1);
        assertThat(user1.postJson("/app/ethereum", callFromFresh).json().at("/error/message").asText()).startsWith("unauthorized");
        accept(List.of(
                java.util.Map.of("name", "set_ethereum_network", "args", java.util.Map.of("gasPriceWei", "1000000000")),
                java.util.Map.of("name", "set_user_ethereum_addresses", "args", java.util.Map.of(
                        "user_id", network.at("/users/1/id").asText(),
                        "addresses", List.of(network.at("/users/1/ethereumAddress").asText(), fresh)))));
        assertThat(call("eth_gasPrice", "[]").get("result").asText()).isEqualTo("0x3b9aca00");
        assertThat(user1.postJson("/app/ethereum", callFromFresh).json().get("result").asText()).isEqualTo("0x");
        String address = network.at("/users/0/ethereumAddress").asText();
        byte[] key = Hex.decode(network.at("/users/0/ethereumPrivateKey").asText());
        long nonce = Long.decode(call("eth_getTransactionCount", "[\"" + address + "\",\"pending\"]").get("result").asText());
        assertThat(send(legacy(key, 1337, nonce, 21_000, BigInteger.ONE, new byte[0], false)))
                .startsWith("error -32000: max fee per gas less than block base fee");
        accept(List.of(java.util.Map.of("name", "set_ethereum_network", "args", java.util.Map.of("gasPriceWei", "0"))));
        assertThat(call("eth_gasPrice", "[]").get("result").asText()).isEqualTo("0x0");
        assertThat(send(legacy(key, 1337, nonce, 21_000, BigInteger.ONE, new byte[0], false))).startsWith("0x");
    }

    /** Proposes {@code actions} as member 0 and has members 0 and 1 accept, with the CLI. */
    private static void accept(List<?> actions) throws Exception {
        Path file = Files.createTempFile(tmp, "proposal", ".json");
        Files.writeString(file, JSON.writeValueAsString(java.util.Map.of("actions", actions)));
        String networkFile = tmp.resolve("sandbox/network.json").toString();
        ConsortProcess.Result created = ConsortProcess.run(Duration.ofSeconds(60), "gov", "propose", file.toString(),
                "--network", networkFile, "--member", "0", "--json");
        assertThat(created.exitCode()).as(created.output()).isZero();
        String id = JSON.readTree(created.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow())
                .get("proposalId").asText();
        for (String member : List.of("0", "1")) {
            ConsortProcess.Result v = ConsortProcess.run(Duration.ofSeconds(60), "gov", "vote", id, "--accept",
                    "--network", networkFile, "--member", member);
            assertThat(v.exitCode()).as(v.output()).isZero();
        }
        assertThat(ConsortProcess.run(Duration.ofSeconds(60), "gov", "show", id, "--network", networkFile, "--json")
                .output()).contains("Accepted");
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void theChainSurvivesARestart() throws Exception {
        String address = network.at("/users/0/ethereumAddress").asText();
        byte[] key = Hex.decode(network.at("/users/0/ethereumPrivateKey").asText());
        long chainId = Long.decode(call("eth_chainId", "[]").get("result").asText());
        long nonce = Long.decode(call("eth_getTransactionCount", "[\"" + address + "\",\"pending\"]").get("result").asText());
        String tx = send(legacy(key, chainId, nonce, 21_000, BigInteger.ONE, new byte[0], false));
        JsonNode receipt = call("eth_getTransactionReceipt", "[\"" + tx + "\"]").get("result");
        long head = Long.decode(call("eth_blockNumber", "[]").get("result").asText());
        String balance = call("eth_getBalance", "[\"" + address + "\",\"latest\"]").get("result").asText();
        String previous = "[\"" + address + "\",\"0x" + Long.toHexString(head - 1) + "\"]";
        String balanceBefore = call("eth_getBalance", previous).get("result").asText();
        assertThat(balanceBefore).isNotEqualTo(balance);
        assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();

        Path dir = tmp.resolve("sandbox");
        sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString());
        sandbox.awaitOutput("Try: curl", Duration.ofSeconds(180));
        network = JSON.readTree(dir.resolve("network.json").toFile());
        user0 = client(0);
        assertThat(Long.decode(call("eth_blockNumber", "[]").get("result").asText())).isEqualTo(head);
        assertThat(call("eth_getBalance", "[\"" + address + "\",\"latest\"]").get("result").asText()).isEqualTo(balance);
        assertThat(call("eth_getTransactionReceipt", "[\"" + tx + "\"]").get("result")).isEqualTo(receipt);
        assertThat(call("eth_getBalance", previous).get("result").asText()).isEqualTo(balanceBefore); // history too
        assertThat(send(legacy(key, chainId, nonce + 1, 21_000, BigInteger.ONE, new byte[0], false))).startsWith("0x");
        assertThat(Long.decode(call("eth_blockNumber", "[]").get("result").asText())).isEqualTo(head + 1);
        JsonNode block = call("eth_getBlockByNumber", "[\"latest\",false]").get("result");
        JsonNode parent = call("eth_getBlockByNumber", "[\"" + "0x" + Long.toHexString(head) + "\",false]").get("result");
        assertThat(block.get("parentHash")).isEqualTo(parent.get("hash"));
    }

    /** An EIP-155 transfer to a fixed address; {@code highS} makes the signature break EIP-2. */
    static byte[] legacy(byte[] key, long chainId, long nonce, long gas, BigInteger value, byte[] data, boolean highS) {
        byte[] to = Hex.decode("00000000000000000000000000000000000c0ffe");
        List<byte[]> f = new ArrayList<>(List.of(Rlp.encodeLong(nonce), Rlp.encodeLong(0), Rlp.encodeLong(gas),
                Rlp.encodeBytes(to), Rlp.encodeBigInteger(value), Rlp.encodeBytes(data), Rlp.encodeLong(chainId),
                Rlp.encodeLong(0), Rlp.encodeLong(0)));
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(Rlp.encodeList(f)), key);
        BigInteger s = new BigInteger(1, sig.s());
        if (highS) {
            s = Secp256k1.N.subtract(s);
        }
        f.set(6, Rlp.encodeLong(chainId * 2 + 35 + sig.recId()));
        f.set(7, Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.set(8, Rlp.encodeBytes(Word.fromBigInteger(s).toMinimalBytes()));
        return Rlp.encodeList(f);
    }
}
