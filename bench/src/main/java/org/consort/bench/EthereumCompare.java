package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import java.util.function.Supplier;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
import org.eclipse.jetty.client.ContentResponse;

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
 *     [--modes B[:T[:H]],...] [--seconds S] [--warmup-seconds W] [--json-out FILE] [--max-seconds N]
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
 *
 * <p>Modes: {@code --modes 1:600,20:2400} measures, on the same network of each target, one mode
 * after the other, each with users of its own (a sandbox of {@code users x modes} users; Hardhat
 * configured with all their keys): batches of {@code B} transactions per request on both targets,
 * {@code T} transfers per user signed (default {@code --transfers-per-user}) and {@code H} of them
 * for Hardhat (default {@code T}). Without {@code --modes}, one mode as {@code --batch},
 * {@code --hardhat-batch}, {@code --transfers-per-user} and {@code --hardhat-transfers-per-user}
 * say. {@code --seconds S} stops sending new requests S seconds into each mode's timed phase (the
 * transfers signed are then a cap; those not sent are not counted), so that a run's length does
 * not depend on the rate. {@code --warmup-seconds W} first sends, unmeasured, for W seconds on
 * each target as the mode with the largest batch does, with users of its own (JIT compilers
 * warming up on both sides), reported as mode {@code warmup}.
 *
 * <p>It survives what it measures: a request to Consort that fails with a connection error, a
 * time-out or a 503 follows the primary ({@link PrimaryTracker}: {@code GET
 * /node/network/nodes/primary}, confirmed by {@code /node/state}; every client and the poller are
 * retargeted) and sends the same raw transactions again, for up to 60 s after their first send;
 * a resent transaction answered "already known" or "nonce too low" may have made it into a block
 * before the answer was lost, so its receipt is asked for, and found it counts as answered
 * ({@code recoveredByReceipt}). Every failure is counted by kind in {@code errorKinds}
 * ({@code connect:*}, {@code timeout:*}, {@code http503:*} as LoggingLoad counts them,
 * {@code rpc:<message>} for JSON-RPC errors, {@code receipt:missing} for an answered transfer whose
 * receipt is gone after the run, e.g. rolled back by a view change, {@code receipt:status0});
 * none ends the run. Each mode's report also has a per-second {@code timeline} (transfers
 * committed in each second of the timed phase and their commit latency p50/p99, by commit time;
 * {@link PerSecondTimeline}) and {@code cpu}: CPU per process over the sending phase (the nodes,
 * or Hardhat's processes, as servers; this JVM as the load generator; {@link ProcessCpu}).
 * {@code --json-out FILE} writes every report and the ratios as one JSON object;
 * {@code --max-seconds N} ends the run after N s whatever it is doing (the processes it started
 * are killed, the reports made so far written, exit code 3). Exit code 0 when every target was
 * measured, 1 when one failed (its report says why), 2 for bad options or artifacts.
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
    /** How long a transfer whose request failed (connection, time-out, 503) is sent again, from its first send. */
    private static final long RESEND_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How long a resent transfer answered "already known" or "nonce too low" waits for its receipt. */
    private static final long RECEIPT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Longest that one rediscovery of the primary waits for an election to end. */
    private static final Duration DISCOVERY_WAIT = Duration.ofSeconds(20);
    /** Timeout of one request of the timed phase (Consort answers once the transfer is in a block). */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(20);

    static final int EXIT_OK = 0;
    static final int EXIT_TARGET_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_DEADLINE = 3;

    private EthereumCompare() {
    }

    /**
     * One way of sending, measured on each target: {@code batch} transfers per request to Consort
     * ({@code hardhatBatch} to Hardhat), {@code transfersPerUser} signed per user
     * ({@code hardhatTransfersPerUser} sent to Hardhat).
     */
    record Mode(int batch, int transfersPerUser, int hardhatBatch, int hardhatTransfersPerUser) {
        /** "batch-B", or "batch-B/hardhat-batch-H" when Hardhat is sent other batches. */
        String label() {
            return batch == hardhatBatch ? "batch-" + batch : "batch-" + batch + "/hardhat-batch-" + hardhatBatch;
        }

        /** {@code B[:T[:H]]}: batch B for both targets, T transfers per user (default {@code transfersPerUser}), H for Hardhat (default T). */
        static Mode parse(String spec, int transfersPerUser) {
            String[] f = spec.trim().split(":");
            if (f.length > 3 || f[0].isEmpty()) {
                throw new IllegalArgumentException("a mode is B[:T[:H]] (batch, transfers per user, for Hardhat), got '" + spec + "'");
            }
            try {
                int b = Integer.parseInt(f[0]);
                int t = f.length > 1 ? Integer.parseInt(f[1]) : transfersPerUser;
                int h = f.length > 2 ? Integer.parseInt(f[2]) : t;
                return new Mode(b, t, b, h);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a mode is B[:T[:H]] with whole numbers, got '" + spec + "'");
            }
        }
    }

    /** The options; see the class comment. */
    record Options(List<String> targets, int users, int transfersPerUser, int hardhatTransfersPerUser, int window,
                   int hardhatWindow, int batch, int hardhatBatch, int pollMs, Path jar, Path artifacts, String nodeJavaOptions, Path hardhatDir,
                   boolean hardhatLogging, List<Mode> modes, boolean modesGiven, int seconds, Path jsonOut, int maxSeconds,
                   int warmupSeconds) {
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
                    "hardhat-logging", "modes", "seconds", "json-out", "max-seconds", "warmup-seconds");
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
            if (o.containsKey("modes") && (o.containsKey("batch") || o.containsKey("hardhat-batch"))) {
                throw new IllegalArgumentException("--modes gives the batches; leave out --batch and --hardhat-batch");
            }
            int transfersPerUser;
            int hardhatTransfersPerUser;
            int batch;
            int hardhatBatch;
            int seconds;
            int maxSeconds;
            int warmupSeconds;
            try {
                transfersPerUser = Integer.parseInt(o.getOrDefault("transfers-per-user", "300"));
                hardhatTransfersPerUser = Integer.parseInt(o.getOrDefault("hardhat-transfers-per-user", "120"));
                batch = Integer.parseInt(o.getOrDefault("batch", "1"));
                hardhatBatch = Integer.parseInt(o.getOrDefault("hardhat-batch", o.getOrDefault("batch", "1")));
                seconds = Integer.parseInt(o.getOrDefault("seconds", "0"));
                maxSeconds = Integer.parseInt(o.getOrDefault("max-seconds", "0"));
                warmupSeconds = Integer.parseInt(o.getOrDefault("warmup-seconds", "0"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("options take whole numbers: " + e.getMessage());
            }
            List<Mode> modes = new ArrayList<>();
            if (o.containsKey("modes")) {
                for (String m : o.get("modes").split(",")) {
                    modes.add(Mode.parse(m, transfersPerUser));
                }
            } else {
                modes.add(new Mode(batch, transfersPerUser, hardhatBatch, hardhatTransfersPerUser));
            }
            Options opts;
            try {
                opts = new Options(targets, Integer.parseInt(o.getOrDefault("users", "32")),
                        transfersPerUser, hardhatTransfersPerUser,
                        Integer.parseInt(o.getOrDefault("window", "8")),
                        Integer.parseInt(o.getOrDefault("hardhat-window", o.getOrDefault("window", "8"))),
                        batch, hardhatBatch,
                        Integer.parseInt(o.getOrDefault("poll-ms", "5")),
                        Path.of(o.getOrDefault("jar", "cli/target/consort.jar")),
                        Path.of(o.getOrDefault("artifacts", "tests/target/ethereum-tools/artifacts.json")),
                        o.get("node-java-options"), Path.of(o.getOrDefault("hardhat-dir", "bench/target/hardhat")),
                        Boolean.parseBoolean(o.getOrDefault("hardhat-logging", "false")), List.copyOf(modes),
                        o.containsKey("modes"), seconds, o.containsKey("json-out") ? Path.of(o.get("json-out")) : null,
                        maxSeconds, warmupSeconds);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("options take whole numbers: " + e.getMessage());
            }
            boolean modesOk = modes.stream().allMatch(m -> m.batch >= 1 && m.batch <= 100 && m.hardhatBatch >= 1
                    && m.hardhatBatch <= 100 && m.transfersPerUser >= 1 && m.hardhatTransfersPerUser >= 1);
            if (opts.users < 1 || opts.window < 1 || opts.hardhatWindow < 1 || opts.pollMs < 1 || !modesOk) {
                throw new IllegalArgumentException("--users, --*transfers-per-user, --*window, --poll-ms must be at least 1,"
                        + " --*batch between 1 and 100");
            }
            if (opts.seconds < 0 || opts.maxSeconds < 0 || opts.warmupSeconds < 0) {
                throw new IllegalArgumentException("--seconds, --max-seconds and --warmup-seconds must be 0 (none) or more");
            }
            return opts;
        }

        /**
         * The modes measured, then the warm-up's (the mode with the largest batch) when there is
         * one: each gets users of its own, in this order.
         */
        List<Mode> slices() {
            List<Mode> all = new ArrayList<>(modes);
            if (warmupSeconds > 0) {
                all.add(warmupMode());
            }
            return all;
        }

        Mode warmupMode() {
            return modes.stream().max(java.util.Comparator.comparingInt(Mode::batch)).orElseThrow();
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

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            code = EXIT_TARGET_FAILED;
        }
        System.out.flush();
        System.exit(code);
    }

    /** Runs the comparison; returns the exit code. */
    static int run(String[] args) throws Exception {
        Options opt;
        JsonNode artifacts;
        try {
            opt = Options.parse(args);
            artifacts = JSON.readTree(opt.artifacts.toFile());
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("EthereumCompare: " + e.getMessage());
            return EXIT_USAGE;
        }
        byte[] tokenInit = EthTransactions.concat(Hex.decode(artifacts.at("/ConsortToken/bytecode").asText()),
                Word.fromBigInteger(SUPPLY).toBytes());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("settings", settings(opt));
        List<Map<String, Object>> reports = new CopyOnWriteArrayList<>();
        results.put("reports", reports);
        Watchdog watchdog = opt.maxSeconds > 0 ? new Watchdog(Duration.ofSeconds(opt.maxSeconds), opt.jsonOut, results) : null;
        try {
            List<Workload> firstConsort = null;
            int failures = 0;
            for (String target : opt.targets) {
                if (watchdog != null) {
                    watchdog.phase = target;
                }
                boolean hardhat = target.equals("hardhat");
                System.out.printf("== %s: %d users, window %d, %s%n", target, opt.users, hardhat ? opt.hardhatWindow : opt.window,
                        String.join(", ", opt.modes.stream().map(m -> "batch " + (hardhat ? m.hardhatBatch : m.batch)).toList()));
                List<Map<String, Object>> made;
                try {
                    if (hardhat) {
                        List<Workload> w = firstConsort;
                        if (w == null) {
                            w = new ArrayList<>();
                            long t0 = System.nanoTime();
                            for (Mode m : opt.slices()) {
                                w.add(Workload.sign("generated", randomKeys(opt.users), tokenInit, m.hardhatTransfersPerUser));
                            }
                            System.out.printf("signed the transfers in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                        }
                        made = runHardhat(opt, w);
                    } else {
                        int nodes = Integer.parseInt(target.substring("consort-".length()));
                        List<Mode> slices = opt.slices();
                        try (SandboxProcess sandbox = new SandboxProcess(opt.jar, nodes, opt.users * slices.size(),
                                opt.nodeJavaOptions)) {
                            List<byte[]> keys = new ArrayList<>();
                            sandbox.network().get("users")
                                    .forEach(u -> keys.add(Hex.decode(u.get("ethereumPrivateKey").asText())));
                            List<Workload> w = new ArrayList<>();
                            long t0 = System.nanoTime();
                            for (int k = 0; k < slices.size(); k++) {
                                Mode m = slices.get(k);
                                int signed = Math.max(m.transfersPerUser, opt.targets.contains("hardhat") ? m.hardhatTransfersPerUser : 0);
                                w.add(Workload.sign(target, keys.subList(k * opt.users, (k + 1) * opt.users), tokenInit, signed));
                            }
                            System.out.printf("signed the transfers in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                            if (firstConsort == null) {
                                firstConsort = w;
                            }
                            made = runConsort(opt, target, nodes, sandbox, w);
                        }
                    }
                } catch (Exception e) {
                    // One target failing (a sandbox that does not start, npm unreachable) does not lose the others.
                    e.printStackTrace();
                    made = List.of(new LinkedHashMap<>(Map.of("target", target, "targetError", String.valueOf(e))));
                    failures++;
                }
                for (Map<String, Object> report : made) {
                    reports.add(report);
                    System.out.println(JSON.writeValueAsString(report));
                }
            }
            System.out.println("== reports");
            for (Map<String, Object> r : reports) {
                System.out.println(JSON.writeValueAsString(r));
            }
            Map<String, Object> ratios = ratios(opt, reports);
            if (!ratios.isEmpty()) {
                results.put("ratios", ratios);
                System.out.println(JSON.writeValueAsString(Map.of("ratios", ratios)));
            }
            int code = failures > 0 ? EXIT_TARGET_FAILED : EXIT_OK;
            results.put("exitCode", code);
            if (watchdog != null) {
                watchdog.done();
            }
            writeJson(opt.jsonOut, results);
            return code;
        } finally {
            if (watchdog != null) {
                watchdog.done();
            }
        }
    }

    /** Each Consort target's committed transfers/s and latencies over Hardhat's, per mode. */
    private static Map<String, Object> ratios(Options opt, List<Map<String, Object>> reports) {
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (Mode m : opt.modes) {
            Map<String, Object> hardhat = reports.stream().filter(r -> r.get("target").equals("hardhat")
                    && m.label().equals(r.get("mode")) && !r.containsKey("targetError")).findFirst().orElse(null);
            if (hardhat == null) {
                continue;
            }
            for (Map<String, Object> e : reports) {
                if (!e.get("target").equals("hardhat") && m.label().equals(e.get("mode")) && !e.containsKey("targetError")) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    for (String k : List.of("committedTransfersPerSecond", "latencyToReceiptMsP50", "latencyToCommitMsP50")) {
                        r.put(k, ratio(e.get(k), hardhat.get(k)));
                    }
                    ratios.put(e.get("target") + "/hardhat" + (opt.modesGiven ? " " + m.label() : ""), r);
                }
            }
        }
        return ratios;
    }

    private static Map<String, Object> settings(Options opt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("targets", opt.targets);
        m.put("users", opt.users);
        m.put("window", opt.window);
        m.put("hardhatWindow", opt.hardhatWindow);
        m.put("modes", opt.modes.stream().map(x -> Map.of("mode", x.label(), "batch", x.batch, "hardhatBatch", x.hardhatBatch,
                "transfersPerUser", x.transfersPerUser, "hardhatTransfersPerUser", x.hardhatTransfersPerUser)).toList());
        m.put("sendSecondsLimit", opt.seconds);
        m.put("warmupSeconds", opt.warmupSeconds);
        m.put("pollMs", opt.pollMs);
        m.put("nodeJavaOptions", opt.nodeJavaOptions);
        m.put("hardhatLogging", opt.hardhatLogging);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    /** Writes the results to {@code file} (if one was asked for). */
    private static synchronized void writeJson(Path file, Map<String, Object> results) throws java.io.IOException {
        if (file == null) {
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
    }

    /**
     * Ends the JVM when {@code --max-seconds} pass: kills the processes it started (sandboxes,
     * nodes, Hardhat), writes the reports made so far, and halts with {@link #EXIT_DEADLINE}.
     */
    private static final class Watchdog {
        private final Thread thread;
        volatile String phase = "start-up";
        private volatile boolean done;

        Watchdog(Duration limit, Path jsonOut, Map<String, Object> results) {
            long deadline = System.nanoTime() + limit.toNanos();
            thread = Thread.ofPlatform().daemon().name("watchdog").start(() -> {
                try {
                    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
                        Thread.sleep(Duration.ofNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1))));
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (done) {
                    return;
                }
                System.err.println("EthereumCompare: --max-seconds " + limit.toSeconds() + " passed during " + phase + "; ending");
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
                try {
                    results.put("hardDeadlinePassedDuring", phase);
                    results.put("exitCode", EXIT_DEADLINE);
                    writeJson(jsonOut, results);
                } catch (Exception e) {
                    e.printStackTrace();
                }
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(EXIT_DEADLINE);
            });
        }

        void done() {
            done = true;
            thread.interrupt();
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

    private static List<Map<String, Object>> runConsort(Options opt, String target, int nodes, SandboxProcess sandbox,
                                                          List<Workload> workloads) throws Exception {
        JsonNode network = sandbox.network();
        Path serviceCert = Path.of(network.get("serviceCert").asText());
        JsonNode users = network.get("users");
        List<String> urls = new ArrayList<>();
        network.get("nodes").forEach(n -> urls.add(n.get("url").asText()));
        String guess = primaryUrl(urls.get(0), serviceCert, users.get(0));
        // Every client of the load and the poller, retargeted together when the primary moves.
        List<JettyLoadClient> following = new CopyOnWriteArrayList<>();
        List<Map<String, Object>> reports = new ArrayList<>();
        try (JettyLoadClient control = new JettyLoadClient(guess, serviceCert, Path.of(users.get(0).get("cert").asText()),
                Path.of(users.get(0).get("key").asText()), false, 2).requestTimeout(Duration.ofSeconds(10))) {
            PrimaryTracker tracker = new PrimaryTracker(control, url -> following.forEach(c -> c.retarget(url)), urls, guess);
            tracker.start(System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
            List<ProcessCpu.Proc> procs = new ArrayList<>();
            List<Long> pids = sandbox.nodePids();
            for (int i = 0; i < pids.size(); i++) {
                ProcessHandle h = ProcessHandle.of(pids.get(i)).orElse(null);
                procs.add(h == null ? new ProcessCpu.Proc("node" + i, "server", pids.get(i), "")
                        : ProcessCpu.Proc.of("node" + i, "server", h));
            }
            procs.add(ProcessCpu.Proc.self("ethereum-compare"));
            procs.add(ProcessCpu.Proc.of("sandbox-launcher", "launcher", sandbox.process()));
            for (int k : order(opt)) {
                boolean warmup = k == opt.modes.size();
                Mode mode = warmup ? opt.warmupMode() : opt.modes.get(k);
                Workload w = workloads.get(k);
                List<Rpc> clients = new ArrayList<>();
                List<JettyLoadClient> jetty = new ArrayList<>();
                JettyLoadClient pollerClient = null;
                try {
                    for (int u = 0; u < opt.users; u++) {
                        JsonNode user = users.get(k * opt.users + u);
                        JettyLoadClient c = new JettyLoadClient(tracker.primary(), serviceCert, Path.of(user.get("cert").asText()),
                                Path.of(user.get("key").asText()), false, opt.window).requestTimeout(SEND_TIMEOUT);
                        jetty.add(c);
                        following.add(c);
                        clients.add(body -> post(c, "/app/ethereum", body));
                    }
                    JsonNode first = users.get(k * opt.users);
                    JettyLoadClient pc = new JettyLoadClient(tracker.primary(), serviceCert, Path.of(first.get("cert").asText()),
                            Path.of(first.get("key").asText()), false, 1).requestTimeout(Duration.ofSeconds(10));
                    pollerClient = pc;
                    following.add(pc);
                    int movesBefore = tracker.moves().size();
                    Map<String, Object> report = new LinkedHashMap<>();
                    report.put("target", target);
                    report.put("mode", warmup ? "warmup" : mode.label());
                    report.put("nodes", nodes);
                    report.put("sentTo", "node" + Math.max(0, urls.indexOf(tracker.primary())) + " (primary)");
                    report.putAll(measure(opt, warmup ? opt.warmupSeconds : opt.seconds, opt.window, mode.batch, clients, w,
                            mode.transfersPerUser, body -> post(pc, "/app/ethereum", body), tracker, () -> procs));
                    report.put("primaryChanges", tracker.moves().size() - movesBefore);
                    report.put("primaryMoves", tracker.moves().subList(movesBefore, tracker.moves().size()));
                    report.put("primaryAfter", "node" + Math.max(0, urls.indexOf(tracker.primary())));
                    reports.add(report);
                } finally {
                    for (JettyLoadClient c : jetty) {
                        following.remove(c);
                        c.close();
                    }
                    if (pollerClient != null) {
                        following.remove(pollerClient);
                        pollerClient.close();
                    }
                }
            }
        }
        return reports;
    }

    /** The slices of users in the order they run: the warm-up's first (when there is one), then the modes'. */
    private static List<Integer> order(Options opt) {
        List<Integer> order = new ArrayList<>();
        if (opt.warmupSeconds > 0) {
            order.add(opt.modes.size());
        }
        for (int k = 0; k < opt.modes.size(); k++) {
            order.add(k);
        }
        return order;
    }

    /**
     * Posts a JSON-RPC body; the answer's body when it is 200 or a JSON-RPC answer of another
     * status, else throws {@link HttpStatusException} with the kind of the answer (e.g.
     * {@code http503:NotPrimary}).
     */
    static String post(JettyLoadClient c, String path, String body) throws Exception {
        ContentResponse r = c.post(path, body);
        String text = r.getContentAsString();
        if (r.getStatus() == 200 || text.contains("\"jsonrpc\"")) {
            return text;
        }
        throw new HttpStatusException(LoadErrors.kindOf(r.getStatus(), text), r.getStatus() + " " + text);
    }

    /** An HTTP answer that is not JSON-RPC (e.g. 503 from a node that is not the primary). */
    static final class HttpStatusException extends Exception {
        final String kind;

        HttpStatusException(String kind, String message) {
            super(message);
            this.kind = kind;
        }
    }

    /** The kind of a failed request, as {@link LoadErrors} names it. */
    static String kindOf(Throwable e) {
        return e instanceof HttpStatusException h ? h.kind : LoadErrors.kindOf(e);
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

    private static List<Map<String, Object>> runHardhat(Options opt, List<Workload> workloads) throws Exception {
        Path dir = opt.hardhatDir.toAbsolutePath();
        String version = HardhatNode.install(dir);
        List<byte[]> keys = new ArrayList<>();
        workloads.forEach(w -> keys.addAll(w.keys));
        List<Map<String, Object>> reports = new ArrayList<>();
        try (HardhatNode node = HardhatNode.start(dir, keys, opt.hardhatLogging)) {
            // npx and what it started (a shell, the node process that runs Hardhat), found at each phase's start.
            Supplier<List<ProcessCpu.Proc>> procs = () -> {
                List<ProcessCpu.Proc> p = new ArrayList<>();
                p.add(ProcessCpu.Proc.of("hardhat-npx", "server", node.process.toHandle()));
                node.process.descendants().forEach(d -> p.add(ProcessCpu.Proc.of(
                        "hardhat-" + d.info().command().map(c -> Path.of(c).getFileName().toString()).orElse(Long.toString(d.pid())),
                        "server", d)));
                p.add(ProcessCpu.Proc.self("ethereum-compare"));
                return p;
            };
            for (int k : order(opt)) {
                boolean warmup = k == opt.modes.size();
                Mode mode = warmup ? opt.warmupMode() : opt.modes.get(k);
                Workload w = workloads.get(k);
                List<Rpc> clients = new ArrayList<>();
                List<JettyLoadClient> jetty = new ArrayList<>();
                for (int u = 0; u < w.keys.size(); u++) {
                    JettyLoadClient c = JettyLoadClient.plain(node.url, opt.hardhatWindow).requestTimeout(SEND_TIMEOUT);
                    jetty.add(c);
                    clients.add(body -> post(c, "/", body));
                }
                try {
                    Map<String, Object> report = new LinkedHashMap<>();
                    report.put("target", "hardhat");
                    report.put("mode", warmup ? "warmup" : mode.label());
                    report.put("hardhatVersion", version);
                    report.put("hardhatLogging", opt.hardhatLogging);
                    report.put("sameBytesAs", w.keySource.equals("generated") ? null : w.keySource);
                    int count = Math.min(mode.hardhatTransfersPerUser, w.transfers.get(0).size());
                    report.putAll(measure(opt, warmup ? opt.warmupSeconds : opt.seconds, opt.hardhatWindow, mode.hardhatBatch,
                            clients, w, count, null, null, procs));
                    reports.add(report);
                } finally {
                    for (JettyLoadClient c : jetty) {
                        c.close();
                    }
                }
            }
        }
        return reports;
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

    /** What the senders of one mode counted, shared by its threads. */
    static final class Counters {
        final AtomicLong errors = new AtomicLong();
        final AtomicLong retried = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong resent = new AtomicLong();
        final AtomicLong recoveredByReceipt = new AtomicLong();
        final Map<String, Integer> messages = new ConcurrentHashMap<>();
        final LoadErrors kinds = new LoadErrors();

        void kind(String kind, long times) {
            for (long i = 0; i < times; i++) {
                kinds.count(kind);
            }
        }
    }

    /**
     * Deploys the tokens, sends {@code count} transfers per user and checks the outcome.
     *
     * @param finalized the poller's connection to ask for the finalized block, or null when a
     *                  mined block is final (Hardhat)
     * @param tracker   follows the primary (Consort), or null (Hardhat)
     * @param procs     the processes whose CPU is measured over the sending phase
     * @param sendSeconds how long to send new requests, or 0 until every transfer is sent
     */
    private static Map<String, Object> measure(Options opt, int sendSeconds, int window, int batch, List<Rpc> clients, Workload w,
                                               int count, Rpc finalized, PrimaryTracker tracker,
                                               Supplier<List<ProcessCpu.Proc>> procs) throws Exception {
        int users = clients.size();
        deploy(clients, w);
        // Open each client's connections before the clock starts (TLS handshakes are not part of a transfer).
        TxLoad.parallel(users * window, i -> call(clients.get(i / window), "eth_chainId", "[]"));
        long blockBefore = Long.decode(call(clients.get(0), "eth_blockNumber", "[]").asText());

        long[][] sent = new long[users][count];
        long[][] answered = new long[users][count];
        Counters counters = new Counters();
        Sender[] senders = new Sender[users];
        for (int u = 0; u < users; u++) {
            senders[u] = new Sender(clients.get(u), w.transfers.get(u), answered[u], new Settled(count), counters, tracker);
        }
        FinalizedPoller poller = finalized == null ? null : new FinalizedPoller(finalized, opt.pollMs, tracker);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        int requests = (count + batch - 1) / batch;
        AtomicLong sendUntil = new AtomicLong(Long.MAX_VALUE);
        AtomicLong requestsSent = new AtomicLong();
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
                    while (System.nanoTime() < sendUntil.get() && (r = next.getAndIncrement()) < requests) {
                        requestsSent.incrementAndGet();
                        List<Integer> pending = new ArrayList<>();
                        for (int n = r * batch; n < Math.min(count, (r + 1) * batch); n++) {
                            pending.add(n);
                        }
                        long t = System.nanoTime();
                        for (int n : pending) {
                            sent[me][n] = t;
                        }
                        try {
                            senders[me].sendAll(pending, batch > 1, t);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
        }
        System.out.printf("timed phase: %d transfers%s%n", users * count,
                sendSeconds > 0 ? " at most, sending for " + sendSeconds + " s" : "");
        List<ProcessCpu.Proc> measured = procs.get();
        ProcessCpu.Sample cpuStart = ProcessCpu.sample(measured);
        long start = System.nanoTime();
        if (sendSeconds > 0) {
            sendUntil.set(start + TimeUnit.SECONDS.toNanos(sendSeconds));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long sendsDone = System.nanoTime();
        ProcessCpu.Sample cpuEnd = ProcessCpu.sample(measured);
        long latest = Long.decode(call(clients.get(0), "eth_blockNumber", "[]", tracker).asText());
        if (poller != null) {
            poller.awaitAtLeast(latest, TimeUnit.SECONDS.toNanos(60));
            poller.close();
        }

        // Receipts of every transfer that got an answer: block numbers, status.
        long[][] blockOf = new long[users][count];
        AtomicLong notOk = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        TxLoad.parallel(users, u -> {
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
                JsonNode answer = JSON.readTree(postRetrying(clients.get(u), b.append(']').toString(), tracker));
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
        counters.kind("receipt:missing", missing.get());
        counters.kind("receipt:status0", notOk.get());

        List<Long> toReceipt = new ArrayList<>();
        List<Long> toCommit = new ArrayList<>();
        PerSecondTimeline timeline = new PerSecondTimeline(start);
        Set<Long> blocks = new HashSet<>();
        long lastAnswer = start;
        long lastCommit = start;
        long uncommitted = 0;
        long notSent = 0;
        for (int u = 0; u < users; u++) {
            for (int n = 0; n < count; n++) {
                if (sent[u][n] == 0) {
                    notSent++;
                }
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
                timeline.committed(committed, committed - sent[u][n]);
                lastCommit = Math.max(lastCommit, committed);
            }
        }
        counters.kind("commit:notSeen", uncommitted);
        long transfers = toReceipt.size();
        double seconds = (lastCommit - start) / 1e9;
        long committedPerSecond = Math.round(transfers / Math.max(seconds, 1e-9));

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("users", users);
        r.put("window", window);
        r.put("batch", batch);
        r.put("transfers", transfers);
        r.put("errors", counters.errors.get());
        r.put("retried", counters.retried.get());
        r.put("failed", counters.failed.get());
        r.put("resent", counters.resent.get());
        r.put("recoveredByReceipt", counters.recoveredByReceipt.get());
        r.put("errorKinds", counters.kinds.byKind());
        r.put("errorKindsTotal", counters.kinds.total());
        r.put("seconds", Math.round(seconds * 100) / 100.0);
        r.put("committedTransfersPerSecond", committedPerSecond);
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
        r.put("requests", requestsSent.get());
        r.put("transfersSigned", (long) users * count);
        r.put("transfersNotSent", notSent);
        if (sendSeconds > 0) {
            r.put("sendSecondsLimit", sendSeconds);
        }
        if (poller != null) {
            r.put("finalizedPolls", poller.polls.get());
            r.put("finalizedPollErrors", poller.errors.get());
            r.put("finalizedPollMsP50", percentileMs(poller.roundTrips, 50));
            r.put("finalizedPollMsP99", percentileMs(poller.roundTrips, 99));
        }
        int balanceChecksFailed;
        try {
            balanceChecksFailed = checkBalances(clients, w, answered, count, tracker);
        } catch (Exception e) {
            balanceChecksFailed = -1;
            r.put("balanceCheckError", String.valueOf(e));
        }
        r.put("balanceChecksFailed", balanceChecksFailed);
        r.put("errorMessages", new TreeMap<>(counters.messages));
        r.put("sendSeconds", Math.round((sendsDone - start) / 1e7) / 100.0);
        r.put("cpu", ProcessCpu.report(cpuStart, cpuEnd, committedPerSecond));
        r.put("timeline", timeline.toJson());
        return r;
    }

    /**
     * Sends one user's transfers and records which were answered. Thread-safe (a window of
     * threads shares it): each transfer's entries are written by the one thread that sends it.
     */
    static final class Sender {
        private final Rpc client;
        private final List<Transfer> transfers;
        private final long[] answered;
        private final Settled settled;
        private final Counters counters;
        private final PrimaryTracker tracker;

        /** @param tracker follows the primary and allows resending after a lost answer, or null (no resending) */
        Sender(Rpc client, List<Transfer> transfers, long[] answered, Settled settled, Counters counters,
               PrimaryTracker tracker) {
            this.client = client;
            this.transfers = transfers;
            this.answered = answered;
            this.settled = settled;
            this.counters = counters;
            this.tracker = tracker;
        }

        /**
         * Sends the pending transfers (one call, or one batch) until each is answered or given
         * up: a transfer refused as ahead ("nonce too high") is sent again once the one before it
         * is settled; after a failed request, all are sent again (see {@link #send}).
         */
        void sendAll(List<Integer> pending, boolean asBatch, long firstSent) throws InterruptedException {
            Set<Integer> resent = new HashSet<>();
            while (!pending.isEmpty()) {
                Again again = send(pending, asBatch, firstSent, resent);
                if (again.aheadOf() >= 0) {
                    settled.await(again.aheadOf(), Math.max(0, RETRY_NANOS - (System.nanoTime() - firstSent)));
                }
                pending = again.transfers();
            }
        }

        /** Transfers to send again; {@code aheadOf} is the transfer to wait for first, or -1. */
        record Again(List<Integer> transfers, int aheadOf) {
        }

        /**
         * Sends the pending transfers once and records the answered ones. Returns those refused
         * with "nonce too high" within {@link #RETRY_NANOS} of their first send, or, when the
         * request failed with a connection error, a time-out or a 503 and a tracker follows the
         * primary, all of them (after rediscovering the primary, within {@link #RESEND_NANOS}).
         */
        Again send(List<Integer> pending, boolean asBatch, long firstSent, Set<Integer> resent) throws InterruptedException {
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
            long seen = tracker == null ? 0 : tracker.generation();
            JsonNode answer;
            try {
                answer = JSON.readTree(client.post(body));
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                String kind = kindOf(e);
                int size = pending.size();
                counters.errors.addAndGet(size);
                counters.kind(kind, size);
                counters.messages.merge("transport: " + kind, size, Integer::sum);
                long now = System.nanoTime();
                boolean moved = LoadErrors.suggestsPrimaryMoved(kind);
                if (tracker != null && (moved || kind.startsWith("http503")) && now - firstSent < RESEND_NANOS) {
                    if (moved) {
                        tracker.rediscover(seen, Math.min(now + DISCOVERY_WAIT.toNanos(), firstSent + RESEND_NANOS));
                    } else {
                        Thread.sleep(50);
                    }
                    counters.resent.addAndGet(size);
                    resent.addAll(pending);
                    return new Again(List.copyOf(pending), -1);
                }
                counters.failed.addAndGet(size);
                pending.forEach(settled::set);
                return new Again(List.of(), -1);
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
                String message = a.path("error").path("message").asText(a.toString());
                String lower = message.toLowerCase(Locale.ROOT);
                if (resent.contains(n) && (lower.startsWith("already known") || lower.startsWith("nonce too low"))) {
                    // Sent before an answer was lost: it may be in a block already.
                    long at = receiptTime(n);
                    if (at > 0) {
                        answered[n] = at;
                        counters.recoveredByReceipt.incrementAndGet();
                        settled.set(n);
                        continue;
                    }
                }
                counters.errors.incrementAndGet();
                String normalized = message.replaceAll("[0-9]+", "#");
                counters.messages.merge(normalized, 1, Integer::sum);
                counters.kinds.count("rpc:" + (normalized.length() > 80 ? normalized.substring(0, 80) : normalized));
                if (lower.contains("nonce too high") && now - firstSent < RETRY_NANOS) {
                    counters.retried.incrementAndGet();
                    again.add(n);
                } else {
                    counters.failed.incrementAndGet();
                    settled.set(n);
                }
            }
            // Refused as ahead: sent again once the transfer before it is settled.
            return new Again(again, again.isEmpty() ? -1 : again.get(0) - 1);
        }

        /** When transfer {@code n}'s receipt was found (asked for up to {@link #RECEIPT_WAIT_NANOS}), or -1. */
        private long receiptTime(int n) throws InterruptedException {
            long until = System.nanoTime() + RECEIPT_WAIT_NANOS;
            String params = "[\"" + transfers.get(n).hash + "\"]";
            while (true) {
                try {
                    if (call(client, "eth_getTransactionReceipt", params).isObject()) {
                        return System.nanoTime();
                    }
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    // asked again below
                }
                if (System.nanoTime() >= until) {
                    return -1;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Posts with up to 5 attempts, following the primary after a failure that suggests it moved
     * (or pausing after another); for the calls after the timed phase.
     */
    static String postRetrying(Rpc rpc, String body, PrimaryTracker tracker) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            long seen = tracker == null ? 0 : tracker.generation();
            try {
                return rpc.post(body);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                if (tracker != null && LoadErrors.suggestsPrimaryMoved(kindOf(e))) {
                    tracker.rediscover(seen, System.nanoTime() + DISCOVERY_WAIT.toNanos());
                } else {
                    Thread.sleep(200L << attempt);
                }
            }
        }
        throw last;
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
        TxLoad.parallel(clients.size(), u -> {
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
    private static int checkBalances(List<Rpc> clients, Workload w, long[][] answered, int count, PrimaryTracker tracker)
            throws Exception {
        Random random = new Random(42);
        int failures = 0;
        for (int i = 0; i < BALANCE_CHECKS; i++) {
            int u = random.nextInt(clients.size());
            int n = random.nextInt(count);
            if (answered[u][n] == 0) {
                continue;
            }
            long sentByU = Arrays.stream(answered[u]).filter(t -> t != 0).count();
            BigInteger recipient = balanceOf(clients.get(u), w, u, w.transfers.get(u).get(n).recipient, tracker);
            BigInteger sender = balanceOf(clients.get(u), w, u, w.senders.get(u), tracker);
            if (!recipient.equals(BigInteger.ONE) || !sender.equals(SUPPLY.subtract(BigInteger.valueOf(sentByU)))) {
                System.err.printf("balance check failed: user %d transfer %d: recipient %s, sender %s (sent %d)%n", u, n,
                        recipient, sender, sentByU);
                failures++;
            }
        }
        return failures;
    }

    private static BigInteger balanceOf(Rpc client, Workload w, int u, Address owner, PrimaryTracker tracker) throws Exception {
        String params = "[{\"from\":\"0x" + Hex.encode(w.senders.get(u).toBytes()) + "\",\"to\":\"0x"
                + Hex.encode(w.tokens.get(u).toBytes()) + "\",\"data\":\"0x" + Hex.encode(EthTransactions.balanceOfCall(owner))
                + "\"},\"latest\"]";
        return new BigInteger(call(client, "eth_call", params, tracker).asText().substring(2), 16);
    }

    /** One JSON-RPC call; its result, or an exception with the error. */
    private static JsonNode call(Rpc client, String method, String params) throws Exception {
        return call(client, method, params, null);
    }

    /** One JSON-RPC call, retried after a failed request ({@link #postRetrying}) when a tracker is given. */
    private static JsonNode call(Rpc client, String method, String params, PrimaryTracker tracker) throws Exception {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}";
        JsonNode a = JSON.readTree(tracker == null ? client.post(body) : postRetrying(client, body, tracker));
        if (a.has("error")) {
            throw new IllegalStateException(method + ": " + a.get("error"));
        }
        return a.path("result");
    }

    /**
     * The commit point over time: asks {@code eth_getBlockByNumber("finalized", false)} every
     * {@code pollMs} and records (arrival of the answer, block number) each time it moves. With a
     * tracker, a failure that suggests that the primary moved makes it follow the primary.
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
            this(rpc, pollMs, null);
        }

        FinalizedPoller(Rpc rpc, int pollMs, PrimaryTracker tracker) {
            thread = Thread.ofPlatform().daemon().name("finalized-poller").start(() -> {
                while (!stop) {
                    long seen = tracker == null ? 0 : tracker.generation();
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
                        if (tracker != null && LoadErrors.suggestsPrimaryMoved(kindOf(e))) {
                            try {
                                tracker.rediscover(seen, System.nanoTime() + DISCOVERY_WAIT.toNanos());
                            } catch (InterruptedException ie) {
                                return;
                            }
                        }
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

    private static double percentileMs(List<Long> nanos, double p) {
        if (nanos.isEmpty()) {
            return 0;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 100_000.0) / 10.0;
    }
}
