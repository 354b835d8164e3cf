package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.consort.evm.Address;
import org.consort.evm.vm.Interpreter;
import org.consort.kv.CommitResult;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Throughput of the Ethereum application in one process, without HTTP or the ledger: signed raw
 * transactions go through {@link EthereumApp#handle} (JSON parsing, decoding and sender recovery
 * on the calling threads, then the sequencer, execution and a store commit per block) from many
 * client threads that each wait for their transaction, as wallets do. Prints transfers/s and
 * contract calls/s; asserts only that everything was included. Not part of the normal build:
 * {@code ./mvnw -pl ethereum test -Dtest=SequencerThroughputProbe} (-Dprobe.transactions=N).
 */
@Tag("soak")
class SequencerThroughputProbe {
    private static final String USER = "d".repeat(64);

    @Test
    void probe() throws Exception {
        int clients = Integer.getInteger("probe.clients", 64);
        int perClient = Integer.getInteger("probe.transactions", 20_000) / clients;
        run(clients, perClient, false);
        run(clients, perClient, true);
    }

    static void run(int clients, int perClient, boolean contractCalls) throws Exception {
        List<TestWallet> wallets = new ArrayList<>();
        Map<String, String> alloc = new LinkedHashMap<>();
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < clients + 1; i++) {
            TestWallet w = new TestWallet(10 + i);
            wallets.add(w);
            alloc.put(w.address.toString(), BigInteger.TEN.pow(24).toString());
            addresses.add(w.address.toString());
        }
        EthereumConfig config = new EthereumConfig(null, null, null, null, null, alloc,
                List.of(new EthereumConfig.UserBinding(USER, addresses)), null);
        Store store = new Store(new StoreConfig(1_000));
        WriteSubmitter writer = new WriteSubmitter() {
            @Override
            public <T> Written<T> write(Function<WriteTx, T> body) throws Refused {
                for (int attempt = 0; attempt < 16; attempt++) {
                    WriteTx tx = store.writeTx();
                    T result = body.apply(tx);
                    if (!tx.hasWrites()) {
                        return new Written<>(result, 0);
                    }
                    if (store.commit(tx) instanceof CommitResult.Committed c) {
                        store.globalCommit(c.version());
                        return new Written<>(result, c.version());
                    }
                }
                throw new Refused("conflicts");
            }
        };
        try (EthereumApp app = new EthereumApp(store, writer, config, InstantSource.system(), new java.util.SplittableRandom(1))) {
            app.start(InstantSource.system().instant().getEpochSecond(), writer);
            long chainId = config.chainId();
            Address target = Address.ofLow(0xbeef);
            if (contractCalls) {
                TestWallet deployer = wallets.get(clients);
                target = Interpreter.createAddress(deployer.address, 0);
                String out = new String(app.handle(USER, body(deployer.eip1559(chainId, 0, BigInteger.ZERO, BigInteger.ZERO,
                        500_000, null, BigInteger.ZERO, TestContracts.notes(null)))), StandardCharsets.UTF_8);
                assertThat(out).contains("\"result\"");
            }
            byte[] data = contractCalls ? TestContracts.call("store(uint256)", new byte[] {5}) : new byte[0];
            long gas = contractCalls ? 60_000 : 21_000;
            // Sign everything first: signing is the wallet's cost, not the node's.
            List<List<byte[]>> bodies = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                List<byte[]> mine = new ArrayList<>();
                for (int n = 0; n < perClient; n++) {
                    mine.add(body(wallets.get(c).eip1559(chainId, n, BigInteger.ZERO, BigInteger.ZERO, gas, target,
                            BigInteger.ONE, data)));
                }
                bodies.add(mine);
            }
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long blocksBefore = app.sequencer().blocksWritten();
            long start = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (List<byte[]> mine : bodies) {
                done.add(pool.submit(() -> {
                    int ok = 0;
                    for (byte[] b : mine) {
                        if (new String(app.handle(USER, b), StandardCharsets.UTF_8).contains("\"result\"")) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int ok = 0;
            for (Future<Integer> f : done) {
                ok += f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            long blocks = app.sequencer().blocksWritten() - blocksBefore;
            System.out.printf("%s: %d transactions from %d clients in %.2f s: %.0f tx/s, %d blocks (%.1f tx/block)%n",
                    contractCalls ? "contract calls (SSTORE + LOG2)" : "transfers", ok, clients, seconds, ok / seconds,
                    blocks, (double) ok / Math.max(1, blocks));
            assertThat(ok).isEqualTo(clients * perClient);
        }
    }

    private static byte[] body(byte[] raw) {
        return ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\""
                + TestWallet.hex(raw) + "\"]}").getBytes(StandardCharsets.UTF_8);
    }
}
