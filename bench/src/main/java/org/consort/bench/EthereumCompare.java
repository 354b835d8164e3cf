package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.consort.common.Hex;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.vm.Interpreter;

/**
 * The same pre-signed OpenZeppelin ERC-20 transfers against a Hardhat 2.x node (automine) and
 * against Consort sandboxes of 1 and 3 nodes, one target after the other, each fresh, with a
 * side-by-side report.
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.EthereumCompare
 *     [--targets consort-1,consort-3,hardhat] [--users 32] [--transfers-per-user 300]
 *     [--hardhat-transfers-per-user 120] [--window 8] [--hardhat-window W] [--batch 1] [--hardhat-batch B] [--poll-ms 5]
 *     [--jar cli/target/consort.jar] [--artifacts tests/target/ethereum-tools/artifacts.json]
 *     [--node-java-options "..."] [--hardhat-dir bench/target/hardhat] [--hardhat-logging false]
 * </pre>
 *
 * <p>Each of the {@code --users} users is one client with its own keep-alive connections (HTTPS
 * with its certificate to Consort, plain HTTP to Hardhat), and its own Ethereum key. Setup, not
 * timed: every user deploys its own {@code ConsortToken} (the artifacts that EthereumToolsIT
 * compiles; nonce 0, so at {@code createAddress(sender, 0)} on both networks), then
 * {@code transfer(freshAddress, 1)} transactions are signed (nonces 1..T, zero-fee EIP-1559,
 * chain id 1337) and each client opens its connections. Timed: each client sends its
 * transfers in nonce order with {@code eth_sendRawTransaction}, {@code --window} requests in flight
 * (1 is a wallet waiting for each answer), {@code --batch} transactions per JSON-RPC request
 * ({@code --hardhat-batch}, default the same, for Hardhat).
 *
 * <p>Keys: a sandbox makes its own users' keys, so each Consort target signs with its sandbox's
 * keys. Hardhat is configured with the keys of the first Consort target that ran before it and
 * is sent the very same bytes (the first {@code --hardhat-transfers-per-user} transfers of each
 * user); run alone, it gets fresh random keys (the same transactions in every other respect).
 * Hardhat runs last by default for that reason.
 *
 * <p>Times: a transfer's receipt time is when its {@code eth_sendRawTransaction} answer arrived
 * (both networks answer once the transaction is in a block). Hardhat's automine refuses a nonce
 * that is ahead ("Nonce too high", as Consort does after parking it for 1 s), which happens with
 * a window above 1 when requests of one client overtake each other: such a transfer is sent
 * again as soon as the one before it is answered, and counted in {@code errors} and
 * {@code retried} (its latency runs from its first send); {@code --hardhat-window} (default: the
 * same as {@code --window}) gives Hardhat a window of its own. Its commit time: on Hardhat the same
 * (a mined block is final); on Consort the arrival of the first answer of a poller, which asks
 * the primary for {@code eth_getBlockByNumber("finalized")} every {@code --poll-ms} during the run,
 * showing the transfer's block number or a later one; the poller's round trip (reported as
 * {@code finalizedPollMsP50/P99}) bounds how late it sees a commit. Block numbers come from the
 * receipts, fetched after the timed phase (in batches, so that the run itself carries only the
 * sends and the poller). Throughput is transfers / (first send to the commit of the last
 * transfer): a rate, so Hardhat, which mines one transaction per block, gets its own smaller
 * number of transfers per user for a run of similar length.
 *
 * <p>Checked after each run: every transfer's receipt has status 1, the token balance of a few
 * recipients is 1 and of their senders the supply less what they sent ({@code eth_call
 * balanceOf}). JSON-RPC errors are counted ({@code errors}) with their messages.
 *
 * <p>Hardhat: the newest 2.x from npm is installed into {@code --hardhat-dir} when missing, a
 * {@code hardhat.config.js} is written there (chain id 1337, Cancun as Consort's default fork,
 * the users' keys with 1,000,000 ether each as on a sandbox, {@code initialBaseFeePerGas: 0} so
 * that the zero-fee transactions are valid and the base fee stays 0, automine, no interval
 * mining), and {@code npx hardhat node} is started on a free local port and stopped with its
 * whole process tree at the end. Its per-request console log is turned off with
 * {@code hardhat_setLoggingEnabled} unless {@code --hardhat-logging true}; the log goes to
 * {@code node.log} there.
 */
public final class EthereumCompare {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BigInteger SUPPLY = BigInteger.TEN.pow(30);
    private static final long DEPLOY_GAS = 3_000_000;
    private static final long TRANSFER_GAS = 80_000;
    /** What each account holds, as on a sandbox: 1,000,000 ether. */
    private static final String FUNDS_WEI = BigInteger.TEN.pow(24).toString();
    /** How long a transfer refused with "nonce too high" is sent again. */
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int RECEIPT_BATCH = 100;
    private static final int BALANCE_CHECKS = 5;

    private EthereumCompare() {
    }

    /** The options; see the class comment. */
    record Options(List<String> targets, int users, int transfersPerUser, int hardhatTransfersPerUser, int window,
                   int hardhatWindow, int batch, int hardhatBatch, int pollMs, Path jar, Path artifacts, String nodeJavaOptions, Path hardhatDir,
                   boolean hardhatLogging) {
        static Options parse(String[] args) {
            Map<String, String> o = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
                }
                o.put(args[i].substring(2), args[i + 1]);
            }
            Set<String> known = Set.of("targets", "users", "transfers-per-user", "hardhat-transfers-per-user", "window",
                    "hardhat-window", "batch", "hardhat-batch", "poll-ms", "jar", "artifacts", "node-java-options", "hardhat-dir",
                    "hardhat-logging");
            for (String k : o.keySet()) {
                if (!known.contains(k)) {
                    throw new IllegalArgumentException("unknown option --" + k + "; known: " + known);
                }
            }
            List<String> targets = List.of(o.getOrDefault("targets", "consort-1,consort-3,hardhat").split(","));
            for (String t : targets) {
                if (!t.equals("hardhat") && !t.matches("consort-[1-9]")) {
                    throw new IllegalArgumentException("unknown target " + t + " (hardhat, consort-1, consort-3, ...)");
                }
            }
            Options opts = new Options(targets, Integer.parseInt(o.getOrDefault("users", "32")),
                    Integer.parseInt(o.getOrDefault("transfers-per-user", "300")),
                    Integer.parseInt(o.getOrDefault("hardhat-transfers-per-user", "120")),
                    Integer.parseInt(o.getOrDefault("window", "8")),
                    Integer.parseInt(o.getOrDefault("hardhat-window", o.getOrDefault("window", "8"))),
                    Integer.parseInt(o.getOrDefault("batch", "1")),
                    Integer.parseInt(o.getOrDefault("hardhat-batch", o.getOrDefault("batch", "1"))),
                    Integer.parseInt(o.getOrDefault("poll-ms", "5")),
                    Path.of(o.getOrDefault("jar", "cli/target/consort.jar")),
                    Path.of(o.getOrDefault("artifacts", "tests/target/ethereum-tools/artifacts.json")),
                    o.get("node-java-options"), Path.of(o.getOrDefault("hardhat-dir", "bench/target/hardhat")),
                    Boolean.parseBoolean(o.getOrDefault("hardhat-logging", "false")));
            if (opts.users < 1 || opts.transfersPerUser < 1 || opts.hardhatTransfersPerUser < 1 || opts.window < 1
                    || opts.hardhatWindow < 1 || opts.batch < 1 || opts.batch > 100 || opts.hardhatBatch < 1 || opts.hardhatBatch > 100 || opts.pollMs < 1) {
                throw new IllegalArgumentException("--users, --*transfers-per-user, --*window, --poll-ms must be at least 1,"
                        + " --*batch between 1 and 100");
            }
            return opts;
        }
    }

    /** A signed transfer of one token to a fresh address. */
    record Transfer(byte[] raw, String hash, Address recipient) {
    }

    /** Per user: its key, address, token, signed deployment (nonce 0) and signed transfers (nonces 1..). */
    record Workload(String keySource, List<byte[]> keys, List<Address> senders, List<Address> tokens, List<byte[]> deploys,
                    List<List<Transfer>> transfers) {
        static Workload sign(String keySource, List<byte[]> keys, byte[] tokenInit, int transfersPerUser) {
            int users = keys.size();
            List<Address> senders = keys.stream().map(k -> Address.wrap(Secp256k1.address(k))).toList();
            List<Address> tokens = senders.stream().map(s -> Interpreter.createAddress(s, 0)).toList();
            List<byte[]> deploys = keys.stream().map(k -> EthTransactions.sign(k, 0, DEPLOY_GAS, null, tokenInit)).toList();
            List<List<Transfer>> transfers = IntStream.range(0, users).parallel().mapToObj(u -> {
                List<Transfer> mine = new ArrayList<>(transfersPerUser);
                for (int n = 0; n < transfersPerUser; n++) {
                    Address fresh = Address.ofLow(0x100000 + u * transfersPerUser + n);
                    byte[] raw = EthTransactions.sign(keys.get(u), n + 1, TRANSFER_GAS, tokens.get(u),
                            EthTransactions.transferCall(fresh, Word.ONE));
                    mine.add(new Transfer(raw, EthTransactions.hash(raw), fresh));
                }
                return mine;
            }).toList();
            return new Workload(keySource, keys, senders, tokens, deploys, transfers);
        }
    }

    public static void main(String[] args) throws Exception {
        Options opt;
        try {
            opt = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("EthereumCompare: " + e.getMessage());
            System.exit(2);
            return;
        }
        JsonNode artifacts = JSON.readTree(opt.artifacts.toFile());
        byte[] tokenInit = EthTransactions.concat(Hex.decode(artifacts.at("/ConsortToken/bytecode").asText()),
                Word.fromBigInteger(SUPPLY).toBytes());
        int signed = Math.max(opt.transfersPerUser, opt.targets.contains("hardhat") ? opt.hardhatTransfersPerUser : 0);
        Workload firstConsort = null;
        int failures = 0;
        Map<String, Map<String, Object>> reports = new LinkedHashMap<>();
        for (String target : opt.targets) {
            System.out.printf("== %s: %d users, window %d, batch %d%n", target, opt.users,
                    target.equals("hardhat") ? opt.hardhatWindow : opt.window,
                    target.equals("hardhat") ? opt.hardhatBatch : opt.batch);
            Map<String, Object> report;
            try {
                if (target.equals("hardhat")) {
                    Workload w = firstConsort != null ? firstConsort
                            : Workload.sign("generated", randomKeys(opt.users), tokenInit, opt.hardhatTransfersPerUser);
                    report = runHardhat(opt, w);
                } else {
                    int nodes = Integer.parseInt(target.substring("consort-".length()));
                    try (SandboxProcess sandbox = new SandboxProcess(opt.jar, nodes, opt.users, opt.nodeJavaOptions)) {
                        List<byte[]> keys = new ArrayList<>();
                        sandbox.network().get("users")
                                .forEach(u -> keys.add(Hex.decode(u.get("ethereumPrivateKey").asText())));
                        Workload w = Workload.sign(target, keys, tokenInit, signed);
                        if (firstConsort == null) {
                            firstConsort = w;
                        }
                        report = runConsort(opt, target, nodes, sandbox, w);
                    }
                }
            } catch (Exception e) {
                // One target failing (a sandbox that does not start, npm unreachable) does not lose the others.
                e.printStackTrace();
                report = new LinkedHashMap<>(Map.of("target", target, "targetError", String.valueOf(e)));
                failures++;
            }
            reports.put(target, report);
            System.out.println(JSON.writeValueAsString(report));
        }
        System.out.println("== reports");
        for (Map<String, Object> r : reports.values()) {
            System.out.println(JSON.writeValueAsString(r));
        }
        Map<String, Object> hardhat = reports.get("hardhat");
        if (hardhat != null && !hardhat.containsKey("targetError") && reports.size() > 1) {
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (var e : reports.entrySet()) {
                if (!e.getKey().equals("hardhat") && !e.getValue().containsKey("targetError")) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    for (String k : List.of("committedTransfersPerSecond", "latencyToReceiptMsP50", "latencyToCommitMsP50")) {
                        r.put(k, ratio(e.getValue().get(k), hardhat.get(k)));
                    }
                    ratios.put(e.getKey() + "/hardhat", r);
                }
            }
            System.out.println(JSON.writeValueAsString(Map.of("ratios", ratios)));
        }
        if (failures > 0) {
            System.exit(1);
        }
    }

    private static Object ratio(Object a, Object b) {
        double x = ((Number) a).doubleValue();
        double y = ((Number) b).doubleValue();
        return y == 0 ? null : Math.round(100 * x / y) / 100.0;
    }

    private static List<byte[]> randomKeys(int n) {
        SecureRandom random = new SecureRandom();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[32];
            do {
                random.nextBytes(key);
            } while (!Secp256k1.inScalarRange(key));
            keys.add(key);
        }
        return keys;
    }

    // ---- Consort --------------------------------------------------------------------------

    private static Map<String, Object> runConsort(Options opt, String target, int nodes, SandboxProcess sandbox, Workload w)
            throws Exception {
        JsonNode network = sandbox.network();
        Path serviceCert = Path.of(network.get("serviceCert").asText());
        JsonNode users = network.get("users");
        String primary = primaryUrl(network.at("/nodes/0/url").asText(), serviceCert, users.get(0));
        int primaryIndex = 0;
        for (int i = 0; i < network.get("nodes").size(); i++) {
            if (network.at("/nodes/" + i + "/url").asText().equals(primary)) {
                primaryIndex = i;
            }
        }
        List<Rpc> clients = new ArrayList<>();
        List<JettyLoadClient> jetty = new ArrayList<>();
        for (JsonNode u : users) {
            JettyLoadClient c = new JettyLoadClient(primary, serviceCert, Path.of(u.get("cert").asText()),
                    Path.of(u.get("key").asText()), false, opt.window);
            jetty.add(c);
            clients.add(body -> c.post("/app/ethereum", body).getContentAsString());
        }
        JettyLoadClient pollerClient = new JettyLoadClient(primary, serviceCert, Path.of(users.get(0).get("cert").asText()),
                Path.of(users.get(0).get("key").asText()), false, 1);
        try {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("target", target);
            report.put("nodes", nodes);
            report.put("sentTo", "node" + primaryIndex + " (primary)");
            report.putAll(measure(opt, opt.window, opt.batch, clients, w, opt.transfersPerUser,
                    body -> pollerClient.post("/app/ethereum", body).getContentAsString()));
            return report;
        } finally {
            pollerClient.close();
            for (JettyLoadClient c : jetty) {
                c.close();
            }
        }
    }

    /** The URL of the primary, as node0 sees it ({@code GET /node/network/nodes/primary}). */
    private static String primaryUrl(String url0, Path serviceCert, JsonNode user) throws Exception {
        try (JettyLoadClient c = new JettyLoadClient(url0, serviceCert, Path.of(user.get("cert").asText()),
                Path.of(user.get("key").asText()), false, 1)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                var r = c.get("/node/network/nodes/primary");
                if (r.getStatus() == 200) {
                    return JSON.readTree(r.getContentAsString()).get("url").asText();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no primary: " + r.getContentAsString());
                }
                Thread.sleep(200);
            }
        }
    }

    // ---- Hardhat --------------------------------------------------------------------------

    private static Map<String, Object> runHardhat(Options opt, Workload w) throws Exception {
        Path dir = opt.hardhatDir.toAbsolutePath();
        String version = HardhatNode.install(dir);
        try (HardhatNode node = HardhatNode.start(dir, w.keys, opt.hardhatLogging)) {
            List<Rpc> clients = new ArrayList<>();
            List<JettyLoadClient> jetty = new ArrayList<>();
            for (int u = 0; u < w.keys.size(); u++) {
                JettyLoadClient c = JettyLoadClient.plain(node.url, opt.hardhatWindow);
                jetty.add(c);
                clients.add(body -> c.post("/", body).getContentAsString());
            }
            try {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("target", "hardhat");
                report.put("hardhatVersion", version);
                report.put("hardhatLogging", opt.hardhatLogging);
                report.put("sameBytesAs", w.keySource.equals("generated") ? null : w.keySource);
                report.putAll(measure(opt, opt.hardhatWindow, opt.hardhatBatch, clients, w, opt.hardhatTransfersPerUser, null));
                return report;
            } finally {
                for (JettyLoadClient c : jetty) {
                    c.close();
                }
            }
        }
    }

    /** A Hardhat 2.x node ({@code npx hardhat node}) in a folder of its own. */
    static final class HardhatNode implements AutoCloseable {
        private final Process process;
        final String url;

        private HardhatNode(Process process, String url) {
            this.process = process;
            this.url = url;
        }

        /** Installs the newest Hardhat 2.x into {@code dir} unless a 2.x is there; returns its version. */
        static String install(Path dir) throws Exception {
            Files.createDirectories(dir);
            Path installed = dir.resolve("node_modules/hardhat/package.json");
            if (!Files.exists(installed) || !JSON.readTree(installed.toFile()).path("version").asText().startsWith("2.")) {
                Files.writeString(dir.resolve("package.json"),
                        "{\"name\":\"consort-bench-hardhat\",\"version\":\"0.0.0\",\"private\":true}\n");
                System.out.println("installing hardhat@^2 into " + dir);
                Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "hardhat@^2")
                        .directory(dir.toFile()).inheritIO().start();
                if (npm.waitFor() != 0) {
                    throw new IllegalStateException("npm install hardhat@^2 failed");
                }
            }
            return JSON.readTree(installed.toFile()).path("version").asText();
        }

        static HardhatNode start(Path dir, List<byte[]> keys, boolean logging) throws Exception {
            StringBuilder accounts = new StringBuilder();
            for (byte[] k : keys) {
                accounts.append("        { privateKey: \"0x").append(Hex.encode(k)).append("\", balance: \"").append(FUNDS_WEI)
                        .append("\" },\n");
            }
            Files.writeString(dir.resolve("hardhat.config.js"), """
                    // Written by org.consort.bench.EthereumCompare: a Hardhat network like a Consort sandbox.
                    module.exports = {
                      networks: {
                        hardhat: {
                          chainId: 1337,
                          hardfork: "cancun",          // Consort's default fork
                          initialBaseFeePerGas: 0,     // zero-fee transactions are valid; the base fee stays 0
                          blockGasLimit: 30000000,     // Consort's default
                          mining: { auto: true, interval: 0 },
                          accounts: [
                    %s      ],
                        },
                      },
                    };
                    """.formatted(accounts));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder("npx", "hardhat", "node", "--port", Integer.toString(port), "--hostname",
                    "127.0.0.1").directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("node.log").toFile());
            pb.environment().put("HARDHAT_DISABLE_TELEMETRY_PROMPT", "true");
            HardhatNode node = new HardhatNode(pb.start(), "http://127.0.0.1:" + port);
            try (JettyLoadClient c = JettyLoadClient.plain(node.url, 1)) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (true) {
                    try {
                        String r = c.post("/", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}")
                                .getContentAsString();
                        if (!JSON.readTree(r).path("result").asText().equals("0x539")) {
                            throw new IllegalStateException("hardhat answered eth_chainId with " + r);
                        }
                        break;
                    } catch (IllegalStateException e) {
                        node.close();
                        throw e;
                    } catch (Exception e) {
                        if (!node.process.isAlive() || System.nanoTime() > deadline) {
                            node.close();
                            throw new IllegalStateException("hardhat node did not start; see " + dir.resolve("node.log"), e);
                        }
                        Thread.sleep(250);
                    }
                }
                c.post("/", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hardhat_setLoggingEnabled\",\"params\":[" + logging
                        + "]}");
            } catch (Exception e) {
                node.close();
                throw e;
            }
            return node;
        }

        /** Stops npx and everything it started. */
        @Override
        public void close() {
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            for (ProcessHandle p : tree) {
                p.destroy();
            }
            for (ProcessHandle p : tree) {
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    p.destroyForcibly();
                }
            }
        }
    }

    // ---- The measurement ------------------------------------------------------------------

    /** One user's JSON-RPC connection(s): posts a body, returns the answer's body. */
    @FunctionalInterface
    interface Rpc {
        String post(String body) throws Exception;
    }

    /**
     * Deploys the tokens, sends {@code count} transfers per user and checks the outcome.
     *
     * @param finalized the poller's connection to ask for the finalized block, or null when a
     *                  mined block is final (Hardhat)
     */
    private static Map<String, Object> measure(Options opt, int window, int batch, List<Rpc> clients, Workload w, int count,
                                               Rpc finalized)
            throws Exception {
        int users = clients.size();
        deploy(clients, w);
        // Open each client's connections before the clock starts (TLS handshakes are not part of a transfer).
        parallel(users * window, i -> call(clients.get(i / window), "eth_chainId", "[]"));
        long blockBefore = Long.decode(call(clients.get(0), "eth_blockNumber", "[]").asText());

        long[][] sent = new long[users][count];
        long[][] answered = new long[users][count];
        Settled[] settled = new Settled[users];
        for (int u = 0; u < users; u++) {
            settled[u] = new Settled(count);
        }
        AtomicLong errors = new AtomicLong();
        AtomicLong retried = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<String, Integer> messages = new ConcurrentHashMap<>();
        FinalizedPoller poller = finalized == null ? null : new FinalizedPoller(finalized, opt.pollMs);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        int requests = (count + batch - 1) / batch;
        for (int u = 0; u < users; u++) {
            int me = u;
            AtomicInteger next = new AtomicInteger();
            for (int k = 0; k < window; k++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    int r;
                    while ((r = next.getAndIncrement()) < requests) {
                        List<Integer> pending = new ArrayList<>();
                        for (int n = r * batch; n < Math.min(count, (r + 1) * batch); n++) {
                            pending.add(n);
                        }
                        long t = System.nanoTime();
                        for (int n : pending) {
                            sent[me][n] = t;
                        }
                        while (!pending.isEmpty()) {
                            List<Integer> again = send(clients.get(me), w.transfers.get(me), pending, batch > 1,
                                    answered[me], settled[me], t, errors, retried, failed, messages);
                            // Refused as ahead: sent again once the transfer before it is settled.
                            int before = again.isEmpty() ? -1 : again.get(0) - 1;
                            if (before >= 0) {
                                try {
                                    settled[me].await(before, Math.max(0, RETRY_NANOS - (System.nanoTime() - t)));
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                            pending = again;
                        }
                    }
                }));
            }
        }
        System.out.printf("timed phase: %d transfers%n", users * count);
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long sendsDone = System.nanoTime();
        long latest = Long.decode(call(clients.get(0), "eth_blockNumber", "[]").asText());
        if (poller != null) {
            poller.awaitAtLeast(latest, TimeUnit.SECONDS.toNanos(60));
            poller.close();
        }

        // Receipts of every transfer that got an answer: block numbers, status.
        long[][] blockOf = new long[users][count];
        AtomicLong notOk = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        parallel(users, u -> {
            List<Integer> ok = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                if (answered[u][n] != 0) {
                    ok.add(n);
                }
            }
            for (int from = 0; from < ok.size(); from += RECEIPT_BATCH) {
                List<Integer> part = ok.subList(from, Math.min(ok.size(), from + RECEIPT_BATCH));
                StringBuilder b = new StringBuilder("[");
                for (int n : part) {
                    b.append(b.length() > 1 ? "," : "").append("{\"jsonrpc\":\"2.0\",\"id\":").append(n)
                            .append(",\"method\":\"eth_getTransactionReceipt\",\"params\":[\"")
                            .append(w.transfers.get(u).get(n).hash).append("\"]}");
                }
                JsonNode answer = JSON.readTree(clients.get(u).post(b.append(']').toString()));
                for (JsonNode a : answer) {
                    JsonNode receipt = a.path("result");
                    int n = a.path("id").asInt();
                    if (!receipt.isObject()) {
                        missing.incrementAndGet();
                        blockOf[u][n] = -1;
                        continue;
                    }
                    blockOf[u][n] = Long.decode(receipt.get("blockNumber").asText());
                    if (!receipt.path("status").asText().equals("0x1")) {
                        notOk.incrementAndGet();
                    }
                }
            }
        });

        List<Long> toReceipt = new ArrayList<>();
        List<Long> toCommit = new ArrayList<>();
        Set<Long> blocks = new HashSet<>();
        long lastAnswer = start;
        long lastCommit = start;
        long uncommitted = 0;
        for (int u = 0; u < users; u++) {
            for (int n = 0; n < count; n++) {
                if (answered[u][n] == 0 || blockOf[u][n] < 0) {
                    continue;
                }
                toReceipt.add(answered[u][n] - sent[u][n]);
                lastAnswer = Math.max(lastAnswer, answered[u][n]);
                blocks.add(blockOf[u][n]);
                long committed = poller == null ? answered[u][n] : poller.commitTime(blockOf[u][n]);
                if (committed < 0) {
                    uncommitted++;
                    continue;
                }
                toCommit.add(committed - sent[u][n]);
                lastCommit = Math.max(lastCommit, committed);
            }
        }
        long transfers = toReceipt.size();
        double seconds = (lastCommit - start) / 1e9;

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("users", users);
        r.put("window", window);
        r.put("batch", batch);
        r.put("transfers", transfers);
        r.put("errors", errors.get());
        r.put("retried", retried.get());
        r.put("failed", failed.get());
        r.put("seconds", Math.round(seconds * 100) / 100.0);
        r.put("committedTransfersPerSecond", Math.round(transfers / Math.max(seconds, 1e-9)));
        r.put("answeredTransfersPerSecond", Math.round(transfers / Math.max((lastAnswer - start) / 1e9, 1e-9)));
        r.put("latencyToReceiptMsP50", percentileMs(toReceipt, 50));
        r.put("latencyToReceiptMsP99", percentileMs(toReceipt, 99));
        r.put("latencyToCommitMsP50", percentileMs(toCommit, 50));
        r.put("latencyToCommitMsP99", percentileMs(toCommit, 99));
        r.put("lastCommitAfterLastAnswerMs", Math.round((lastCommit - lastAnswer) / 1e5) / 10.0);
        r.put("blocks", blocks.size());
        r.put("blocksAfterSetup", latest - blockBefore);
        r.put("transfersPerBlock", Math.round(10.0 * transfers / Math.max(1, blocks.size())) / 10.0);
        r.put("receiptsChecked", transfers + missing.get());
        r.put("receiptsMissing", missing.get());
        r.put("receiptsNotStatus1", notOk.get());
        r.put("uncommitted", uncommitted);
        if (poller != null) {
            r.put("finalizedPolls", poller.polls.get());
            r.put("finalizedPollErrors", poller.errors.get());
            r.put("finalizedPollMsP50", percentileMs(poller.roundTrips, 50));
            r.put("finalizedPollMsP99", percentileMs(poller.roundTrips, 99));
        }
        r.put("balanceChecksFailed", checkBalances(clients, w, answered, count));
        r.put("errorMessages", new TreeMap<>(messages));
        r.put("sendSeconds", Math.round((sendsDone - start) / 1e7) / 100.0);
        return r;
    }

    /**
     * Sends the pending transfers (one call, or one batch) and records the answered ones.
     * Returns those refused with "nonce too high" within {@link #RETRY_NANOS} of their first send.
     */
    private static List<Integer> send(Rpc client, List<Transfer> transfers, List<Integer> pending, boolean asBatch,
                                      long[] answered, Settled settled, long firstSent, AtomicLong errors,
                                      AtomicLong retried, AtomicLong failed, Map<String, Integer> messages) {
        String body;
        if (asBatch) {
            StringBuilder b = new StringBuilder("[");
            for (int n : pending) {
                b.append(b.length() > 1 ? "," : "").append(EthTransactions.sendRawCall(transfers.get(n).raw, n));
            }
            body = b.append(']').toString();
        } else {
            body = EthTransactions.sendRawCall(transfers.get(pending.get(0)).raw, pending.get(0));
        }
        JsonNode answer;
        try {
            answer = JSON.readTree(client.post(body));
        } catch (Exception e) {
            errors.addAndGet(pending.size());
            failed.addAndGet(pending.size());
            messages.merge("transport: " + e, pending.size(), Integer::sum);
            pending.forEach(n -> settled.set(n));
            return List.of();
        }
        long now = System.nanoTime();
        Map<Integer, JsonNode> byId = new LinkedHashMap<>();
        if (answer.isArray()) {
            answer.forEach(a -> byId.put(a.path("id").asInt(), a));
        } else if (!asBatch) {
            byId.put(pending.get(0), answer);
        }
        List<Integer> again = new ArrayList<>();
        for (int n : pending) {
            JsonNode a = byId.getOrDefault(n, answer);
            if (a.hasNonNull("result")) {
                answered[n] = now;
                settled.set(n);
                continue;
            }
            errors.incrementAndGet();
            String message = a.path("error").path("message").asText(a.toString());
            messages.merge(message.replaceAll("[0-9]+", "#"), 1, Integer::sum);
            if (message.toLowerCase(Locale.ROOT).contains("nonce too high") && now - firstSent < RETRY_NANOS) {
                retried.incrementAndGet();
                again.add(n);
            } else {
                failed.incrementAndGet();
                settled.set(n);
            }
        }
        return again;
    }

    /** Which transfers of one user are settled (answered, or given up), to be waited for without polling. */
    static final class Settled {
        private final CountDownLatch[] latches;

        Settled(int count) {
            latches = new CountDownLatch[count];
            Arrays.setAll(latches, i -> new CountDownLatch(1));
        }

        void set(int n) {
            latches[n].countDown();
        }

        void await(int n, long nanos) throws InterruptedException {
            latches[n].await(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Deploys every user's token (nonce 0) at once and checks receipt and address. */
    private static void deploy(List<Rpc> clients, Workload w) throws Exception {
        parallel(clients.size(), u -> {
            JsonNode a = JSON.readTree(clients.get(u).post(EthTransactions.sendRawCall(w.deploys.get(u), 1)));
            if (!a.hasNonNull("result")) {
                throw new IllegalStateException("deployment failed: " + a);
            }
            JsonNode receipt = null;
            for (int i = 0; i < 100 && (receipt == null || !receipt.isObject()); i++) {
                receipt = call(clients.get(u), "eth_getTransactionReceipt", "[\"" + a.get("result").asText() + "\"]");
                if (!receipt.isObject()) {
                    Thread.sleep(50);
                }
            }
            if (!receipt.isObject() || !receipt.path("status").asText().equals("0x1")
                    || !receipt.path("contractAddress").asText().equalsIgnoreCase("0x" + Hex.encode(w.tokens.get(u).toBytes()))) {
                throw new IllegalStateException("deployment of user " + u + "'s token: " + receipt);
            }
        });
    }

    /**
     * For a few random answered transfers: the recipient holds 1 token, and the sender the supply
     * less what it sent. Returns how many of these checks failed.
     */
    private static int checkBalances(List<Rpc> clients, Workload w, long[][] answered, int count) throws Exception {
        Random random = new Random(42);
        int failures = 0;
        for (int i = 0; i < BALANCE_CHECKS; i++) {
            int u = random.nextInt(clients.size());
            int n = random.nextInt(count);
            if (answered[u][n] == 0) {
                continue;
            }
            long sentByU = Arrays.stream(answered[u]).filter(t -> t != 0).count();
            BigInteger recipient = balanceOf(clients.get(u), w, u, w.transfers.get(u).get(n).recipient);
            BigInteger sender = balanceOf(clients.get(u), w, u, w.senders.get(u));
            if (!recipient.equals(BigInteger.ONE) || !sender.equals(SUPPLY.subtract(BigInteger.valueOf(sentByU)))) {
                System.err.printf("balance check failed: user %d transfer %d: recipient %s, sender %s (sent %d)%n", u, n,
                        recipient, sender, sentByU);
                failures++;
            }
        }
        return failures;
    }

    private static BigInteger balanceOf(Rpc client, Workload w, int u, Address owner) throws Exception {
        String params = "[{\"from\":\"0x" + Hex.encode(w.senders.get(u).toBytes()) + "\",\"to\":\"0x"
                + Hex.encode(w.tokens.get(u).toBytes()) + "\",\"data\":\"0x" + Hex.encode(EthTransactions.balanceOfCall(owner))
                + "\"},\"latest\"]";
        return new BigInteger(call(client, "eth_call", params).asText().substring(2), 16);
    }

    /** One JSON-RPC call; its result, or an exception with the error. */
    private static JsonNode call(Rpc client, String method, String params) throws Exception {
        JsonNode a = JSON.readTree(client.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":"
                + params + "}"));
        if (a.has("error")) {
            throw new IllegalStateException(method + ": " + a.get("error"));
        }
        return a.path("result");
    }

    /**
     * The commit point over time: asks {@code eth_getBlockByNumber("finalized", false)} every
     * {@code pollMs} and records (arrival of the answer, block number) each time it moves.
     */
    static final class FinalizedPoller implements AutoCloseable {
        private final List<long[]> timeline = new ArrayList<>();
        private final List<Long> roundTrips = new ArrayList<>();
        private final AtomicLong polls = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();
        private final Thread thread;
        private volatile boolean stop;
        private volatile long latest = -1;

        FinalizedPoller(Rpc rpc, int pollMs) {
            thread = Thread.ofPlatform().daemon().name("finalized-poller").start(() -> {
                while (!stop) {
                    try {
                        long asked = System.nanoTime();
                        JsonNode b = call(rpc, "eth_getBlockByNumber", "[\"finalized\",false]");
                        long now = System.nanoTime();
                        synchronized (roundTrips) {
                            roundTrips.add(now - asked);
                        }
                        long number = Long.decode(b.get("number").asText());
                        polls.incrementAndGet();
                        if (number > latest) {
                            synchronized (timeline) {
                                timeline.add(new long[] {now, number});
                                latest = number;
                                timeline.notifyAll();
                            }
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    try {
                        Thread.sleep(pollMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        /** Waits until the poller has seen {@code block} (or a later one) finalized, at most {@code timeoutNanos}. */
        void awaitAtLeast(long block, long timeoutNanos) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutNanos;
            synchronized (timeline) {
                long left;
                while (latest < block && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(timeline, left);
                }
            }
        }

        /** When the poller first saw {@code block} (or a later one) finalized; -1 if it never did. */
        long commitTime(long block) {
            synchronized (timeline) {
                return CommitTimeline.firstTimeReaching(timeline, block).orElse(-1);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }

    // ---- Helpers --------------------------------------------------------------------------

    @FunctionalInterface
    interface IndexTask {
        void run(int i) throws Exception;
    }

    /** Runs {@code task(0..n-1)} on virtual threads; rethrows the first failure. */
    private static void parallel(int n, IndexTask task) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < n; i++) {
            int me = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    task.run(me);
                } catch (Exception e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    private static double percentileMs(List<Long> nanos, double p) {
        if (nanos.isEmpty()) {
            return 0;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 100_000.0) / 10.0;
    }
}
