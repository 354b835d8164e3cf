package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.consort.evm.Address;
import org.consort.kv.CommitResult;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;
import org.junit.jupiter.api.Test;

/** The sequencer's bounds and failure paths: a full pool, a write path that refuses. */
class SequencerTest {
    private static final String USER = "e".repeat(64);

    private static EthereumLimits limits(int queue, int block) {
        EthereumLimits d = EthereumLimits.defaults();
        return new EthereumLimits(queue, block, d.parkedNonceWaitMs(), d.submitWaitMs(), d.rawTransactionBytesMax(),
                d.requestBodyBytesMax(), d.batchRequestsMax(), d.callGasMax(), d.canReadGasMax(), d.logsBlockRangeMax(),
                d.logsResultsMax(), d.filtersMax(), d.filtersPerUserMax(), d.filterIdleMs(), d.filterAddressesMax(),
                d.feeHistoryBlocksMax(), d.blockHashesOnPollMax(), d.sessionsMax(), d.subscriptionsPerSessionMax(),
                d.sessionBacklogMessagesMax());
    }

    /** A write path that commits to the store, optionally held at a gate, optionally refusing. */
    private static final class Gate implements WriteSubmitter {
        final Store store = new Store(StoreConfig.defaults());
        final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicBoolean hold = new AtomicBoolean();
        final AtomicBoolean refuse = new AtomicBoolean();

        @Override
        public <T> Written<T> write(Function<WriteTx, T> body) throws Refused {
            if (hold.get()) {
                entered.countDown();
                try {
                    open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (refuse.get()) {
                throw new Refused("too many transactions are waiting for the ledger");
            }
            WriteTx tx = store.writeTx();
            T r = body.apply(tx);
            if (!tx.hasWrites()) {
                return new Written<>(r, 0);
            }
            CommitResult c = store.commit(tx);
            return new Written<>(r, ((CommitResult.Committed) c).version());
        }
    }

    private static EthereumApp app(Gate gate, EthereumLimits limits, List<TestWallet> wallets) {
        List<String> addresses = new ArrayList<>();
        java.util.LinkedHashMap<String, String> alloc = new java.util.LinkedHashMap<>();
        for (TestWallet w : wallets) {
            addresses.add(w.address.toString());
            alloc.put(w.address.toString(), "1000000000000000000");
        }
        EthereumConfig config = new EthereumConfig(null, null, null, null, null, alloc,
                List.of(new EthereumConfig.UserBinding(USER, addresses)), limits);
        EthereumApp app = new EthereumApp(gate.store, gate, config, InstantSource.system(), new java.util.SplittableRandom(3));
        app.start(1, gate);
        return app;
    }

    private static JsonNode send(EthereumApp app, byte[] raw) {
        byte[] out = app.handle(USER, ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\""
                + TestWallet.hex(raw) + "\"]}").getBytes(StandardCharsets.UTF_8));
        return JsonSupport.parse(new String(out, StandardCharsets.UTF_8));
    }

    private static byte[] transfer(TestWallet w, long nonce) {
        return w.legacy(1337, nonce, BigInteger.ZERO, 21_000, Address.ofLow(0xbeef), BigInteger.ONE, new byte[0]);
    }

    @Test
    void aFullPoolIsRefusedAtOnceAndTheQueuedOnesStillGoIn() throws Exception {
        List<TestWallet> wallets = List.of(new TestWallet(40), new TestWallet(41), new TestWallet(42), new TestWallet(43));
        Gate gate = new Gate();
        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (EthereumApp app = app(gate, limits(2, 1), wallets)) {
            gate.hold.set(true);
            CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> send(app, transfer(wallets.get(0), 0)),
                    clients);
            gate.entered.await(); // the sequencer holds the first in the write path
            CompletableFuture<JsonNode> second = CompletableFuture.supplyAsync(() -> send(app, transfer(wallets.get(1), 0)),
                    clients);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (app.sequencer().waiting() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            JsonNode full = send(app, transfer(wallets.get(2), 0));
            assertThat(full.at("/error/code").asInt()).isEqualTo(-32005);
            assertThat(full.at("/error/message").asText()).startsWith("transaction pool is full");
            gate.open.countDown();
            assertThat(first.get().has("result")).as(first.get().toString()).isTrue();
            assertThat(second.get().has("result")).as(second.get().toString()).isTrue();
            assertThat(send(app, transfer(wallets.get(3), 0)).has("result")).isTrue();
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aRefusingWritePathIsReportedAndChangesNothing() {
        List<TestWallet> wallets = List.of(new TestWallet(44));
        Gate gate = new Gate();
        try (EthereumApp app = app(gate, EthereumLimits.defaults(), wallets)) {
            gate.refuse.set(true);
            JsonNode r = send(app, transfer(wallets.get(0), 0));
            assertThat(r.at("/error/code").asInt()).isEqualTo(-32000);
            assertThat(r.at("/error/message").asText()).contains("not written").contains("too many transactions");
            gate.refuse.set(false);
            assertThat(send(app, transfer(wallets.get(0), 0)).has("result")).isTrue();
            assertThat(app.sequencer().blocksWritten()).isEqualTo(1);
        }
    }

}
