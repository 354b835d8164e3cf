package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.common.Hex;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.vm.Interpreter;

/**
 * Load benchmark of the Ethereum JSON-RPC against a sandbox it starts: one client per sandbox
 * user (its own certificate and Ethereum key, HTTPS keep-alive), each sending signed EIP-1559
 * transactions with {@code eth_sendRawTransaction} one after the other, as wallets do (each call
 * returns once its transaction is in a block), or {@code --batch B} at a time in one JSON-RPC batch
 * (answered once all B are in a block). Transactions are signed before the clock starts.
 * Reports transactions/s, latency percentiles and transactions per block.
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.EthereumLoad [--users 32] [--seconds 15]
 *     [--mode transfer|erc20] [--batch 1] [--nodes 1] [--artifacts tests/target/ethereum-tools/artifacts.json] [--jar cli/target/consort.jar]
 * </pre>
 * {@code erc20} deploys one OpenZeppelin ERC-20 per user (ConsortToken from the artifacts that
 * EthereumToolsIT compiles) and sends token transfers to fresh addresses.
 */
public final class EthereumLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int users = Integer.parseInt(opt.getOrDefault("users", "32"));
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "15"));
        boolean erc20 = opt.getOrDefault("mode", "transfer").equals("erc20");
        int perUser = Integer.parseInt(opt.getOrDefault("transactions-per-user", "4000"));
        int batch = Integer.parseInt(opt.getOrDefault("batch", "1"));
        Path jar = Path.of(opt.getOrDefault("jar", "cli/target/consort.jar")).toAbsolutePath();
        try (SandboxProcess sandbox = new SandboxProcess(jar, Integer.parseInt(opt.getOrDefault("nodes", "1")), users,
                opt.getOrDefault("node-java-options", "-Xms1g -Xmx3g -XX:+UseSerialGC"))) {
            JsonNode network = sandbox.network();
            String url = network.at("/nodes/0/url").asText();
            for (JsonNode n : network.withArray("nodes")) {
                if (n.path("primary").asBoolean()) {
                    url = n.get("url").asText(); // only the primary's sequencer makes blocks: backups forward
                }
            }
            Path serviceCert = Path.of(network.get("serviceCert").asText());
            List<JettyLoadClient> clients = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            for (JsonNode u : network.get("users")) {
                clients.add(new JettyLoadClient(url, serviceCert, Path.of(u.get("cert").asText()), Path.of(u.get("key").asText()),
                        false, 1));
                keys.add(Hex.decode(u.get("ethereumPrivateKey").asText()));
            }
            long[] nonces = new long[users];
            Address[] targets = new Address[users];
            byte[] data = new byte[0];
            long gas = 21_000;
            if (erc20) {
                JsonNode artifacts = JSON.readTree(Path.of(opt.getOrDefault("artifacts",
                        "tests/target/ethereum-tools/artifacts.json")).toFile());
                byte[] init = EthTransactions.concat(Hex.decode(artifacts.at("/ConsortToken/bytecode").asText()),
                        Word.fromBigInteger(BigInteger.TEN.pow(30)).toBytes());
                for (int u = 0; u < users; u++) {
                    String r = send(clients.get(u), EthTransactions.sign(keys.get(u), nonces[u]++, 3_000_000, null, init));
                    if (!r.contains("\"result\"")) {
                        throw new IllegalStateException("deployment failed: " + r);
                    }
                    targets[u] = Interpreter.createAddress(Address.wrap(Secp256k1.address(keys.get(u))), 0);
                }
                gas = 80_000;
            }
            System.out.printf("ethereum load: %d users (one client each), %s, %d s; signing %d transactions...%n", users,
                    erc20 ? "ERC-20 transfers" : "ether transfers", seconds, users * perUser);
            List<List<String>> bodies = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                List<String> mine = new ArrayList<>();
                List<String> calls = new ArrayList<>();
                for (int n = 0; n < perUser; n++) {
                    Address fresh = Address.ofLow(0x100000 + u * perUser + n);
                    byte[] call = erc20 ? EthTransactions.transferCall(fresh, Word.ONE) : data;
                    calls.add(body(EthTransactions.sign(keys.get(u), nonces[u] + n, gas, erc20 ? targets[u] : fresh, call)));
                    if (calls.size() == batch || n == perUser - 1) {
                        mine.add(calls.size() == 1 ? calls.get(0) : "[" + String.join(",", calls) + "]");
                        calls.clear();
                    }
                }
                bodies.add(mine);
            }
            long blocksBefore = blockNumber(clients.get(0));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong errors = new AtomicLong();
            AtomicLong lastAnswer = new AtomicLong();
            long[][] latencies = new long[users][perUser];
            int[] counts = new int[users];
            List<Thread> threads = new ArrayList<>();
            long start = System.nanoTime();
            for (int u = 0; u < users; u++) {
                int me = u;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (String b : bodies.get(me)) {
                        if (stop.get()) {
                            return;
                        }
                        long t = System.nanoTime();
                        try {
                            String r = clients.get(me).post("/app/ethereum", b).getContentAsString();
                            int ok = count(r, "\"result\"");
                            int failed = count(r, "\"error\"");
                            if (failed > 0 || ok == 0) {
                                errors.addAndGet(Math.max(1, failed));
                                if (errors.get() < 5) {
                                    System.err.println("error: " + r.substring(0, Math.min(r.length(), 400)));
                                }
                            }
                            long now = System.nanoTime();
                            lastAnswer.accumulateAndGet(now, Math::max);
                            long took = now - t;
                            for (int i = 0; i < ok; i++) {
                                latencies[me][counts[me]++] = took;
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                }));
            }
            // Until --seconds pass or every pre-signed transaction is answered, whichever comes first.
            long deadline = start + seconds * 1_000_000_000L;
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(java.time.Duration.ofNanos(left))) {
                    break;
                }
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            // The rate is over the time the answers took, not the time allowed for them.
            double elapsed = (Math.max(lastAnswer.get(), start + 1) - start) / 1e9;
            long blocks = blockNumber(clients.get(0)) - blocksBefore;
            long total = Arrays.stream(counts).sum();
            long[] all = new long[(int) total];
            int k = 0;
            for (int u = 0; u < users; u++) {
                System.arraycopy(latencies[u], 0, all, k, counts[u]);
                k += counts[u];
            }
            Arrays.sort(all);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("mode", erc20 ? "erc20" : "transfer");
            report.put("nodes", Integer.parseInt(opt.getOrDefault("nodes", "1")));
            report.put("users", users);
            report.put("transactionsPerRequest", batch);
            report.put("transactions", total);
            report.put("errors", errors.get());
            report.put("seconds", Math.round(elapsed * 100) / 100.0);
            report.put("transactionsPerSecond", Math.round(total / elapsed));
            report.put("blocks", blocks);
            report.put("transactionsPerBlock", Math.round(10.0 * total / Math.max(1, blocks)) / 10.0);
            report.put("latencyMsP50", percentile(all, 50));
            report.put("latencyMsP99", percentile(all, 99));
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            for (JettyLoadClient c : clients) {
                c.close();
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 10_000.0) / 100.0;
    }

    private static long blockNumber(JettyLoadClient c) throws Exception {
        String r = c.post("/app/ethereum", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}").getContentAsString();
        return Long.decode(JSON.readTree(r).get("result").asText());
    }

    private static String send(JettyLoadClient c, byte[] raw) throws Exception {
        return c.post("/app/ethereum", body(raw)).getContentAsString();
    }

    private static String body(byte[] raw) {
        return EthTransactions.sendRawCall(raw, 1);
    }
}
