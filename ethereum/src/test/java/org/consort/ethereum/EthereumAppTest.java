package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.state.Account;
import org.consort.evm.vm.Interpreter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Ethereum application end to end in one process: JSON-RPC in, blocks on the real store out. */
class EthereumAppTest {
    private final TestChain chain = new TestChain();
    private final TestWallet alice = chain.alice;
    private final TestWallet bob = chain.bob;
    private final String A = TestChain.ALICE_USER;
    private final String B = TestChain.BOB_USER;
    private final String C = TestChain.CAROL_USER;

    @AfterEach
    void close() {
        chain.close();
    }

    private static long quantity(JsonNode n) {
        return Long.decode(n.asText());
    }

    private String deploy(String user, TestWallet w, byte[] code) {
        long nonce = chain.nonce(user, w);
        String hash = chain.send(user, w.eip1559(chain.chainId, nonce, BigInteger.ZERO, BigInteger.ZERO, 500_000, null,
                BigInteger.ZERO, code));
        JsonNode receipt = chain.result(user, "eth_getTransactionReceipt", hash);
        assertThat(receipt.get("status").asText()).as(receipt.toString()).isEqualTo("0x1");
        assertThat(receipt.get("contractAddress").asText()).isEqualTo(Interpreter.createAddress(w.address, nonce).toString());
        return receipt.get("contractAddress").asText();
    }

    @Test
    void theStateOfTheLast128BlocksStaysReadableWhateverCameBetweenThem() {
        // A store whose recent history is 4 versions: the blocks' states are kept apart from it.
        try (TestChain small = new TestChain(EthereumLimits.defaults(), "0", new org.consort.kv.StoreConfig(4))) {
            org.consort.kv.MapName<byte[], byte[]> other = org.consort.kv.MapName.raw("public:other");
            for (int block = 1; block <= EthereumApp.STATE_BLOCKS_KEPT + 2; block++) {
                small.send(A, small.alice.legacy(small.chainId, block - 1, BigInteger.ZERO, 21_000, small.bob.address,
                        BigInteger.ONE, new byte[0]));
                for (int i = 0; i < 10; i++) { // other transactions between blocks push them out of the recent history
                    org.consort.kv.WriteTx tx = small.store.writeTx();
                    tx.write(other).put(new byte[] {(byte) i}, new byte[] {(byte) block});
                    small.store.globalCommit(((org.consort.kv.CommitResult.Committed) small.store.commit(tx)).version());
                }
                if (block == 3) {
                    assertThat(small.result(B, "eth_getBalance", small.bob.address.toString(), "0x1").asText())
                            .isEqualTo("0x" + TestChain.FUNDS.add(BigInteger.ONE).toString(16));
                }
            }
            long head = quantity(small.result(A, "eth_blockNumber"));
            assertThat(head).isEqualTo(EthereumApp.STATE_BLOCKS_KEPT + 2);
            long oldestKept = head - EthereumApp.STATE_BLOCKS_KEPT + 1;
            assertThat(small.result(B, "eth_getBalance", small.bob.address.toString(), "0x" + Long.toHexString(oldestKept))
                    .asText()).isEqualTo("0x" + TestChain.FUNDS.add(BigInteger.valueOf(oldestKept)).toString(16));
            assertThat(small.error(B, "eth_getBalance", small.bob.address.toString(), "0x" + Long.toHexString(oldestKept - 1))
                    .get("message").asText())
                    .isEqualTo("historical state of block " + (oldestKept - 1) + " is not available: this node keeps the"
                            + " state of the last 128 blocks");
        }
    }

    @Test
    void basicsAnswerAsEthereumNodesDo() {
        assertThat(chain.result(A, "eth_chainId").asText()).isEqualTo("0x539");
        assertThat(chain.result(A, "net_version").asText()).isEqualTo("1337");
        assertThat(chain.result(A, "eth_blockNumber").asText()).isEqualTo("0x0");
        assertThat(chain.result(A, "eth_syncing").asBoolean()).isFalse();
        assertThat(chain.result(A, "eth_accounts")).isEmpty();
        assertThat(chain.result(A, "eth_gasPrice").asText()).isEqualTo("0x0");
        assertThat(chain.result(A, "web3_clientVersion").asText()).startsWith("Consort/");
        JsonNode genesis = chain.result(A, "eth_getBlockByNumber", "earliest", false);
        assertThat(genesis.get("number").asText()).isEqualTo("0x0");
        assertThat(genesis.get("baseFeePerGas").asText()).isEqualTo("0x0");
        assertThat(chain.result(A, "eth_getBalance", alice.address.toString(), "latest").asText())
                .isEqualTo("0x" + TestChain.FUNDS.toString(16));
        assertThat(chain.result(A, "eth_getBlockByNumber", "0x5", false).isNull()).isTrue();
    }

    @Test
    void transfersMakeBlocksWithReceipts() {
        for (int i = 0; i < 3; i++) {
            byte[] raw = switch (i) {
                case 0 -> alice.legacy(chain.chainId, 0, BigInteger.ZERO, 21_000, bob.address, BigInteger.TEN, new byte[0]);
                case 1 -> alice.eip2930(chain.chainId, 1, BigInteger.ZERO, 21_000, bob.address, BigInteger.TEN, new byte[0]);
                default -> alice.eip1559(chain.chainId, 2, BigInteger.ZERO, BigInteger.ZERO, 21_000, bob.address,
                        BigInteger.TEN, new byte[0]);
            };
            String hash = chain.send(A, raw);
            assertThat(hash).isEqualTo(TestWallet.hex(Hashes.keccak256(raw)));
            JsonNode r = chain.result(A, "eth_getTransactionReceipt", hash);
            assertThat(r.get("status").asText()).isEqualTo("0x1");
            assertThat(r.get("gasUsed").asText()).isEqualTo("0x5208");
            assertThat(r.get("type").asText()).isEqualTo("0x" + i);
            JsonNode tx = chain.result(A, "eth_getTransactionByHash", hash);
            assertThat(tx.get("from").asText()).isEqualTo(alice.address.toString());
            assertThat(tx.get("nonce").asText()).isEqualTo("0x" + i);
            JsonNode block = chain.result(A, "eth_getBlockByHash", r.get("blockHash").asText(), true);
            assertThat(block.get("number").asText()).isEqualTo(r.get("blockNumber").asText());
            assertThat(block.get("transactions").get(0).get("hash").asText()).isEqualTo(hash);
        }
        assertThat(chain.result(A, "eth_blockNumber").asText()).isEqualTo("0x3");
        assertThat(chain.result(B, "eth_getBalance", bob.address.toString(), "latest").asText())
                .isEqualTo("0x" + TestChain.FUNDS.add(BigInteger.valueOf(30)).toString(16));
        // History: the balance as of block 1.
        assertThat(chain.result(B, "eth_getBalance", bob.address.toString(), "0x1").asText())
                .isEqualTo("0x" + TestChain.FUNDS.add(BigInteger.TEN).toString(16));
        assertThat(chain.result(B, "eth_getBalance", bob.address.toString(), Map.of("blockNumber", "0x0")).asText())
                .isEqualTo("0x" + TestChain.FUNDS.toString(16));
        // Blocks chain up.
        JsonNode b2 = chain.result(A, "eth_getBlockByNumber", "0x2", false);
        JsonNode b1 = chain.result(A, "eth_getBlockByNumber", "0x1", false);
        assertThat(b2.get("parentHash").asText()).isEqualTo(b1.get("hash").asText());
        assertThat(chain.result(A, "eth_getTransactionCount", alice.address.toString(), "latest").asText()).isEqualTo("0x3");
    }

    @Test
    void contractsEventsCallsAndReverts() {
        String notes = deploy(A, alice, TestContracts.notes(null));
        byte[] store7 = TestContracts.call("store(uint256)", new byte[] {7});
        String hash = chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO, BigInteger.ZERO,
                100_000, Address.fromHex(notes), BigInteger.ZERO, store7));
        JsonNode r = chain.result(A, "eth_getTransactionReceipt", hash);
        assertThat(r.get("logs")).hasSize(1);
        assertThat(r.get("logs").get(0).get("topics").get(0).asText()).isEqualTo(TestWallet.hex(TestContracts.STORED_TOPIC));
        JsonNode get = chain.result(A, "eth_call", Map.of("to", notes, "data",
                TestWallet.hex(TestContracts.call("get()"))), "latest");
        assertThat(new BigInteger(get.asText().substring(2), 16)).isEqualTo(7);

        JsonNode revert = chain.error(A, "eth_call", Map.of("to", notes, "data", "0xdeadbeef"), "latest");
        assertThat(revert.get("code").asInt()).isEqualTo(3);
        assertThat(revert.get("data").asText()).isEqualTo("0x1234");

        long gas = quantity(chain.result(A, "eth_estimateGas", Map.of("from", alice.address.toString(), "to", notes,
                "data", TestWallet.hex(store7))));
        assertThat(gas).isBetween(21_000L, 100_000L);
        JsonNode estimateRevert = chain.error(A, "eth_estimateGas", Map.of("to", notes, "data", "0xdeadbeef"));
        assertThat(estimateRevert.get("code").asInt()).isEqualTo(3);

        // A reverting transaction is mined with status 0.
        String bad = chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO, BigInteger.ZERO,
                100_000, Address.fromHex(notes), BigInteger.ZERO, org.consort.common.Hex.decode("deadbeef")));
        assertThat(chain.result(A, "eth_getTransactionReceipt", bad).get("status").asText()).isEqualTo("0x0");

        // Logs by address, by topic, with OR lists and wildcards.
        JsonNode logs = chain.result(A, "eth_getLogs", Map.of("fromBlock", "0x0", "address", notes));
        assertThat(logs).hasSize(1);
        String callerTopic = "0x" + "0".repeat(24) + alice.address.toString().substring(2);
        assertThat(chain.result(A, "eth_getLogs", Map.of("fromBlock", "earliest", "topics",
                List.of(TestWallet.hex(TestContracts.STORED_TOPIC), List.of(callerTopic, "0x" + "1".repeat(64)))))).hasSize(1);
        assertThat(chain.result(A, "eth_getLogs", Map.of("fromBlock", "earliest", "topics",
                java.util.Arrays.asList(null, "0x" + "1".repeat(64))))).isEmpty();
        assertThat(chain.result(A, "eth_getLogs", Map.of("blockHash", r.get("blockHash").asText()))).hasSize(1);
        assertThat(chain.result(A, "eth_getCode", notes, "latest").asText()).hasSizeGreaterThan(10);
    }

    @Test
    void confidentialityFollowsSenderAndCanRead() {
        // Bob may read a contract that names him; Carol may not.
        String guarded = deploy(A, alice, TestContracts.notes(bob.address));
        String open = deploy(A, alice, TestContracts.notes(null));
        byte[] store = TestContracts.call("store(uint256)", new byte[] {1});
        String toGuarded = chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO,
                BigInteger.ZERO, 100_000, Address.fromHex(guarded), BigInteger.ZERO, store));
        String toOpen = chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO,
                BigInteger.ZERO, 100_000, Address.fromHex(open), BigInteger.ZERO, store));
        String transfer = chain.send(A, alice.legacy(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO, 21_000,
                bob.address, BigInteger.ONE, new byte[0]));

        assertThat(chain.result(B, "eth_getTransactionReceipt", toGuarded).isNull()).isFalse();
        assertThat(chain.result(C, "eth_getTransactionReceipt", toGuarded).isNull()).isTrue();
        assertThat(chain.result(C, "eth_getTransactionByHash", toGuarded).isNull()).isTrue();
        assertThat(chain.result(C, "eth_getTransactionReceipt", toOpen).isNull()).isFalse();
        assertThat(chain.result(B, "eth_getTransactionReceipt", transfer).isNull()).isFalse();
        assertThat(chain.result(C, "eth_getTransactionReceipt", transfer).isNull()).isTrue();
        assertThat(chain.result(C, "eth_getLogs", Map.of("fromBlock", "0x0", "address", guarded))).isEmpty();
        assertThat(chain.result(B, "eth_getLogs", Map.of("fromBlock", "0x0", "address", guarded))).hasSize(1);
        assertThat(chain.result(C, "eth_getLogs", Map.of("fromBlock", "0x0"))).hasSize(1);
        JsonNode block = chain.result(C, "eth_getBlockByNumber", chain.result(A, "eth_getTransactionReceipt", toGuarded)
                .get("blockNumber").asText(), true);
        assertThat(block.get("transactions")).isEmpty();
        assertThat(block.get("logsBloom").asText()).isEqualTo("0x" + "0".repeat(512));

        // Calls only from one's own addresses; no storage reads; no other people's balances.
        assertThat(chain.error(C, "eth_call", Map.of("from", alice.address.toString(), "to", open, "data", "0x"),
                "latest").get("message").asText()).startsWith("unauthorized");
        assertThat(chain.error(C, "eth_getStorageAt", open, "0x0", "latest").get("code").asInt()).isEqualTo(-32004);
        assertThat(chain.error(C, "eth_getBalance", alice.address.toString(), "latest").get("message").asText())
                .startsWith("unauthorized");
        assertThat(chain.error(C, "eth_getBalance", guarded, "latest").get("code").asInt()).isEqualTo(-32000);
        assertThat(chain.result(B, "eth_getBalance", guarded, "latest").asText()).isEqualTo("0x0");
        // Signing for someone else's address is refused.
        assertThat(chain.error(C, "eth_sendRawTransaction", TestWallet.hex(alice.legacy(chain.chainId, 0, BigInteger.ZERO,
                21_000, bob.address, BigInteger.ONE, new byte[0]))).get("message").asText()).startsWith("unauthorized");
    }

    @Test
    void filtersReturnNewBlocksAndLogsToTheirOwnerOnly() {
        String open = deploy(A, alice, TestContracts.notes(null));
        String blocks = chain.result(A, "eth_newBlockFilter").asText();
        String logs = chain.result(A, "eth_newFilter", Map.of("address", open)).asText();
        assertThat(chain.result(A, "eth_getFilterChanges", blocks)).isEmpty();
        chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO, BigInteger.ZERO, 100_000,
                Address.fromHex(open), BigInteger.ZERO, TestContracts.call("store(uint256)", new byte[] {3})));
        assertThat(chain.result(A, "eth_getFilterChanges", blocks)).hasSize(1);
        assertThat(chain.result(A, "eth_getFilterChanges", blocks)).isEmpty();
        assertThat(chain.result(A, "eth_getFilterChanges", logs)).hasSize(1);
        assertThat(chain.result(A, "eth_getFilterChanges", logs)).isEmpty();
        assertThat(chain.result(A, "eth_getFilterLogs", logs)).hasSize(1); // fromBlock latest: the head block's
        assertThat(chain.error(B, "eth_getFilterChanges", logs).get("message").asText()).isEqualTo("filter not found");
        assertThat(chain.result(B, "eth_uninstallFilter", logs).asBoolean()).isFalse();
        // Expiry: not polled for longer than filterIdleMs.
        chain.nowMs.addAndGet(EthereumLimits.defaults().filterIdleMs() + 1);
        assertThat(chain.error(A, "eth_getFilterChanges", blocks).get("message").asText()).isEqualTo("filter not found");
        assertThat(chain.app.filters().size()).isZero();
    }

    @Test
    void aNonceAheadWaitsForTheMissingOne() throws Exception {
        java.util.concurrent.ExecutorService client = java.util.concurrent.Executors.newSingleThreadExecutor();
        var later = java.util.concurrent.CompletableFuture.supplyAsync(() -> chain.rpc(A, "eth_sendRawTransaction",
                TestWallet.hex(alice.legacy(chain.chainId, 1, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE,
                        new byte[0]))), client);
        client.shutdown();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (chain.app.sequencer().pendingNonce(alice.address).isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        chain.send(A, alice.legacy(chain.chainId, 0, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE, new byte[0]));
        assertThat(later.get().has("result")).as(later.get().toString()).isTrue();
        assertThat(chain.result(A, "eth_getTransactionCount", alice.address.toString(), "latest").asText()).isEqualTo("0x2");
    }

    @Test
    void badTransactionsAreRefusedWithTheMessagesClientsExpect() {
        chain.close();
        EthereumLimits d = EthereumLimits.defaults();
        TestChain strict = new TestChain(new EthereumLimits(d.queueTransactionsMax(), d.blockTransactionsMax(), 0,
                d.submitWaitMs(), d.rawTransactionBytesMax(), d.requestBodyBytesMax(), d.batchRequestsMax(), d.callGasMax(),
                d.canReadGasMax(), d.logsBlockRangeMax(), d.logsResultsMax(), d.filtersMax(), d.filtersPerUserMax(),
                d.filterIdleMs(), d.filterAddressesMax(), d.feeHistoryBlocksMax(), d.blockHashesOnPollMax(), d.sessionsMax(),
                d.subscriptionsPerSessionMax(), d.sessionBacklogMessagesMax()), "0");
        try {
            badTransactions(strict);
        } finally {
            strict.close();
        }
    }

    private void badTransactions(TestChain chain) {
        long nonce = chain.nonce(A, alice);
        assertThat(message(chain, alice.legacy(chain.chainId + 1, nonce, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE,
                new byte[0]))).startsWith("invalid chain id");
        assertThat(message(chain, alice.legacy(chain.chainId, nonce, BigInteger.ZERO, 20_000, bob.address, BigInteger.ONE,
                new byte[0]))).startsWith("intrinsic gas too low");
        assertThat(message(chain, alice.legacy(chain.chainId, nonce, BigInteger.ZERO, 40_000_000, bob.address, BigInteger.ONE,
                new byte[0]))).startsWith("exceeds block gas limit");
        assertThat(message(chain, alice.legacy(chain.chainId, nonce, BigInteger.ZERO, 21_000, bob.address,
                TestChain.FUNDS.multiply(BigInteger.TWO), new byte[0]))).isEqualTo("insufficient funds for gas * price + value");
        assertThat(message(chain, alice.unprotected(nonce, 21_000, bob.address))).contains("EIP-155");
        assertThat(message(chain, new byte[] {(byte) 0xc1, 0x01})).startsWith("rlp:");
        byte[] good = alice.legacy(chain.chainId, nonce, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE, new byte[0]);
        byte[] badSig = good.clone();
        badSig[badSig.length - 1] ^= 0x01;
        assertThat(message(chain, badSig)).isNotEmpty();
        assertThat(message(chain, alice.legacy(chain.chainId, nonce + 5, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE,
                new byte[0]))).startsWith("nonce too high");
        assertThat(chain.result(A, "eth_blockNumber").asText()).isEqualTo("0x0");
        chain.send(A, good);
        assertThat(message(chain, good)).isEqualTo("already known");
        assertThat(message(chain, alice.legacy(chain.chainId, nonce, BigInteger.ONE, 21_000, bob.address, BigInteger.TWO,
                new byte[0]))).startsWith("nonce too low");
        byte[] huge = alice.legacy(chain.chainId, nonce + 1, BigInteger.ZERO, 30_000_000, bob.address, BigInteger.ONE,
                new byte[200_000]);
        assertThat(message(chain, huge)).startsWith("oversized data");
        assertThat(chain.result(A, "eth_blockNumber").asText()).isEqualTo("0x1");
    }

    private String message(TestChain chain, byte[] raw) {
        return chain.error(A, "eth_sendRawTransaction", TestWallet.hex(raw)).get("message").asText();
    }

    @Test
    void aBatchOfTransactionsSharesOneBlockAndIsAnsweredInOrder() {
        long nonce = chain.nonce(A, alice);
        long before = Long.decode(chain.result(A, "eth_blockNumber").asText());
        StringBuilder body = new StringBuilder("[");
        int n = 20;
        for (int i = 0; i < n; i++) {
            byte[] raw = alice.legacy(chain.chainId, nonce + i, BigInteger.ZERO, 21_000, bob.address, BigInteger.ONE,
                    new byte[0]);
            body.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":").append(i)
                    .append(",\"method\":\"eth_sendRawTransaction\",\"params\":[\"").append(TestWallet.hex(raw)).append("\"]}");
        }
        // a refused one (nonce used by the first), a notification, and an ordinary call in between
        byte[] stale = alice.legacy(chain.chainId, nonce, BigInteger.ZERO, 21_000, chain.carol.address, BigInteger.ONE, new byte[0]);
        body.append(",{\"jsonrpc\":\"2.0\",\"id\":\"stale\",\"method\":\"eth_sendRawTransaction\",\"params\":[\"")
                .append(TestWallet.hex(stale)).append("\"]}");
        body.append(",{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"}");
        body.append(",{\"jsonrpc\":\"2.0\",\"id\":\"chain\",\"method\":\"eth_chainId\"}]");
        JsonNode answers = chain.raw(A, body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(answers).hasSize(n + 2);
        for (int i = 0; i < n; i++) {
            assertThat(answers.get(i).get("id").asInt()).isEqualTo(i);
            assertThat(answers.get(i).has("result")).as("answer %d: %s", i, answers.get(i)).isTrue();
        }
        assertThat(answers.get(n).get("id").asText()).isEqualTo("stale");
        assertThat(answers.get(n).at("/error/message").asText()).startsWith("nonce too low");
        assertThat(answers.get(n + 1).get("result").asText()).isEqualTo("0x539");
        // all twenty in one block, not one block each
        assertThat(Long.decode(chain.result(A, "eth_blockNumber").asText())).isEqualTo(before + 1);
        JsonNode block = chain.result(A, "eth_getBlockByNumber", "latest", false);
        assertThat(block.get("transactions")).hasSize(n);
        assertThat(chain.nonce(A, alice)).isEqualTo(nonce + n);
        assertThat(chain.result(C, "eth_getBalance", chain.carol.address.toString(), "latest").asText()).isEqualTo("0x0");
    }

    @Test
    void jsonRpcProtocolErrors() {
        assertThat(chain.raw(A, "{".getBytes()).at("/error/code").asInt()).isEqualTo(-32700);
        assertThat(chain.raw(A, "[]".getBytes()).at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(chain.raw(A, "42".getBytes()).at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(chain.raw(A, "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"eth_chainId\"}".getBytes())
                .at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(chain.error(A, "eth_nothing").get("code").asInt()).isEqualTo(-32601);
        assertThat(chain.error(A, "eth_getBalance", "0x12", "latest").get("code").asInt()).isEqualTo(-32602);
        assertThat(chain.raw(A, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":{}}".getBytes())
                .at("/error/code").asInt()).isEqualTo(-32602);
        JsonNode batch = chain.raw(A, ("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"},{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nope\"}]").getBytes());
        assertThat(batch).hasSize(2);
        assertThat(batch.get(0).get("result").asText()).isEqualTo("0x539");
        assertThat(batch.get(1).get("id").asText()).isEqualTo("x");
        StringBuilder tooMany = new StringBuilder("[");
        for (int i = 0; i <= EthereumLimits.defaults().batchRequestsMax(); i++) {
            tooMany.append(i == 0 ? "" : ",").append("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"}");
        }
        assertThat(chain.raw(A, (tooMany + "]").getBytes()).at("/error/code").asInt()).isEqualTo(-32600);
        assertThat(chain.raw(A, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]".getBytes())
                .at("/error/code").asInt()).isEqualTo(-32700);
    }

    /** A WebSocket session's sink that keeps what it is sent. */
    private static final class Collect implements org.consort.ethereum.rpc.Subscriptions.Sink {
        final java.util.concurrent.CopyOnWriteArrayList<JsonNode> messages = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void send(String text) {
            messages.add(JsonSupport.parse(text));
        }

        @Override
        public void close(String reason) {
        }

        List<JsonNode> await(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (messages.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return List.copyOf(messages);
        }
    }

    private static String subscribe(EthereumApp.RpcSession s, String params) {
        JsonNode r = JsonSupport.parse(new String(s.onMessage(("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_subscribe\","
                + "\"params\":" + params + "}").getBytes()), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.has("result")).as(r.toString()).isTrue();
        return r.get("result").asText();
    }

    @Test
    void subscriptionsNotifyNewHeadsAndVisibleLogsInOrder() throws Exception {
        String guarded = deploy(A, alice, TestContracts.notes(chain.bob.address));
        Collect aliceSink = new Collect();
        Collect carolSink = new Collect();
        EthereumApp.RpcSession aliceSession = chain.app.openSession(A, aliceSink);
        EthereumApp.RpcSession carolSession = chain.app.openSession(C, carolSink);
        String heads = subscribe(aliceSession, "[\"newHeads\"]");
        String logs = subscribe(aliceSession, "[\"logs\",{\"address\":\"" + guarded + "\"}]");
        String carolLogs = subscribe(carolSession, "[\"logs\",{}]");
        assertThat(chain.rpc(A, "eth_subscribe", "newHeads").at("/error/code").asInt()).isEqualTo(-32004);
        byte[] store = TestContracts.call("store(uint256)", new byte[] {4});
        chain.send(A, alice.eip1559(chain.chainId, chain.nonce(A, alice), BigInteger.ZERO, BigInteger.ZERO, 100_000,
                Address.fromHex(guarded), BigInteger.ZERO, store));
        // Carol's own transaction, to a contract without canRead: her only event.
        String open = deploy(A, alice, TestContracts.notes(null));
        chain.send(C, chain.carol.legacy(chain.chainId, 0, BigInteger.ZERO, 100_000, Address.fromHex(open), BigInteger.ZERO,
                store));
        List<JsonNode> mine = aliceSink.await(4);
        List<JsonNode> carol = carolSink.await(1); // blocks are notified in order: the guarded one came first
        // Alice: three heads (guarded store, deployment, Carol's call) and one log; Carol: only her own event.
        assertThat(carol).hasSize(1);
        assertThat(mine.stream().filter(m -> m.at("/params/subscription").asText().equals(heads)).count()).isEqualTo(3);
        assertThat(mine.stream().filter(m -> m.at("/params/subscription").asText().equals(logs)).count()).isEqualTo(1);
        assertThat(carol).allSatisfy(m -> {
            assertThat(m.at("/params/subscription").asText()).isEqualTo(carolLogs);
            assertThat(m.at("/params/result/address").asText()).isEqualTo(open);
        });
        JsonNode firstHead = mine.stream().filter(m -> m.at("/params/subscription").asText().equals(heads)).findFirst()
                .orElseThrow();
        assertThat(firstHead.get("method").asText()).isEqualTo("eth_subscription");
        assertThat(firstHead.at("/params/result/number").asText()).isEqualTo("0x2");
        assertThat(JsonSupport.parse(new String(aliceSession.onMessage(("{\"jsonrpc\":\"2.0\",\"id\":2,"
                + "\"method\":\"eth_unsubscribe\",\"params\":[\"" + heads + "\"]}").getBytes()),
                java.nio.charset.StandardCharsets.UTF_8)).get("result").asBoolean()).isTrue();
        aliceSession.close();
        carolSession.close();
    }

    @Test
    void accountCodeRoundTrip() {
        String open = deploy(A, alice, TestContracts.notes(null));
        Account acc = new org.consort.ethereum.state.KvWorldState(chain.store.readTx()).account(Address.fromHex(open))
                .orElseThrow();
        assertThat(acc.nonce()).isEqualTo(1);
        assertThat(acc.code()).isNotEmpty();
    }
}
