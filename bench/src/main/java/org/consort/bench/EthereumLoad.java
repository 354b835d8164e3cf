package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
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
    private static final long CHAIN_ID = 1337;

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
        Path dir = Files.createTempDirectory("consort-eth-bench");
        Process sandbox = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "sandbox", "--dir", dir.toString(),
                "--users", Integer.toString(users), "--nodes", opt.getOrDefault("nodes", "1"), "--node-java-options", opt.getOrDefault("node-java-options", "-Xms1g -Xmx3g -XX:+UseSerialGC"))
                .redirectErrorStream(true).start();
        try {
            awaitLine(sandbox, "Try: curl");
            JsonNode network = JSON.readTree(dir.resolve("network.json").toFile());
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
                byte[] init = concat(Hex.decode(artifacts.at("/ConsortToken/bytecode").asText()),
                        Word.fromBigInteger(BigInteger.TEN.pow(30)).toBytes());
                for (int u = 0; u < users; u++) {
                    String r = send(clients.get(u), sign(keys.get(u), nonces[u]++, 3_000_000, null, init));
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
                    byte[] call = erc20 ? concat(selector("transfer(address,uint256)"), concat(fresh.toWord().toBytes(),
                            Word.ONE.toBytes())) : data;
                    calls.add(body(sign(keys.get(u), nonces[u] + n, gas, erc20 ? targets[u] : fresh, call)));
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
                            long took = System.nanoTime() - t;
                            for (int i = 0; i < ok; i++) {
                                latencies[me][counts[me]++] = took;
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(seconds * 1000L);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
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
            report.put("transactionsPerSecond", Math.round(total / elapsed));
            report.put("blocks", blocks);
            report.put("transactionsPerBlock", Math.round(10.0 * total / Math.max(1, blocks)) / 10.0);
            report.put("latencyMsP50", percentile(all, 50));
            report.put("latencyMsP99", percentile(all, 99));
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            for (JettyLoadClient c : clients) {
                c.close();
            }
        } finally {
            sandbox.destroy();
            sandbox.waitFor();
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
        return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_sendRawTransaction\",\"params\":[\"0x" + Hex.encode(raw) + "\"]}";
    }

    /** A zero-fee EIP-1559 transaction. */
    private static byte[] sign(byte[] key, long nonce, long gas, Address to, byte[] data) {
        List<byte[]> f = new ArrayList<>(List.of(Rlp.encodeLong(CHAIN_ID), Rlp.encodeLong(nonce), Rlp.encodeLong(0),
                Rlp.encodeLong(0), Rlp.encodeLong(gas), Rlp.encodeBytes(to == null ? new byte[0] : to.toBytes()),
                Rlp.encodeLong(0), Rlp.encodeBytes(data), Rlp.encodeList()));
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(concat(new byte[] {2}, Rlp.encodeList(f))), key);
        f.add(Rlp.encodeLong(sig.recId()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return concat(new byte[] {2}, Rlp.encodeList(f));
    }

    private static byte[] selector(String signature) {
        return Arrays.copyOf(Hashes.keccak256(signature.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void awaitLine(Process p, String text) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        StringBuilder all = new StringBuilder();
        while ((line = r.readLine()) != null) {
            all.append(line).append('\n');
            if (line.contains(text)) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe empty
                        }
                    } catch (Exception ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("sandbox ended before '" + text + "':\n" + all);
    }
}
