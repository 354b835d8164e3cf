package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.client.ConsortClient;

/**
 * Load benchmark of the logging application: many concurrent HTTPS keep-alive clients with a
 * user certificate write private records for a fixed time; reports executed and committed
 * writes/s and the p50/p99/p99.9 response latency, then (when it started the network itself)
 * stops it and times {@code consort ledger verify} on the ledger.
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.LoggingLoad \
 *     [--network DIR/network.json | --nodes 1] [--jar cli/target/consort.jar] [--clients 64] \
 *     [--connections 16 (HTTP/2 only)] [--seconds 20] [--warmup-seconds 5] [--http 1.1|2] [--value-bytes 100]
 * </pre>
 */
public final class LoggingLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        int clients = Integer.parseInt(opt.getOrDefault("clients", "64"));
        int connections = Integer.parseInt(opt.getOrDefault("connections", "16"));
        int seconds = Integer.parseInt(opt.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup-seconds", "5"));
        int valueBytes = Integer.parseInt(opt.getOrDefault("value-bytes", "100"));
        HttpClient.Version version = opt.getOrDefault("http", "1.1").equals("2") ? HttpClient.Version.HTTP_2
                : HttpClient.Version.HTTP_1_1;
        Path jar = Path.of(opt.getOrDefault("jar", "cli/target/consort.jar")).toAbsolutePath();

        Process sandbox = null;
        Path networkFile;
        Path dir = null;
        if (opt.containsKey("network")) {
            networkFile = Path.of(opt.get("network"));
        } else {
            dir = Files.createTempDirectory("consort-bench");
            sandbox = new ProcessBuilder(javaCommand(jar, "sandbox", "--dir", dir.toString(), "--nodes",
                    opt.getOrDefault("nodes", "1"),
                    "--node-java-options", opt.getOrDefault("node-java-options", "-Xms1g -Xmx2g -XX:+UseSerialGC")))
                    .redirectErrorStream(true).start();
            SandboxProcess.awaitLine(sandbox, "Try: curl");
            networkFile = dir.resolve("network.json");
        }
        JsonNode network = JSON.readTree(networkFile.toFile());
        String url = network.at("/nodes/0/url").asText();
        int nodeCount = network.withArray("nodes").size();
        for (JsonNode n : network.withArray("nodes")) {
            if (n.path("primary").asBoolean()) {
                url = n.get("url").asText();
            }
        }
        Path serviceCert = Path.of(network.get("serviceCert").asText());
        Path cert = Path.of(network.at("/users/0/cert").asText());
        Path key = Path.of(network.at("/users/0/key").asText());
        boolean http2 = version == HttpClient.Version.HTTP_2;
        JettyLoadClient load = new JettyLoadClient(url, serviceCert, cert, key, http2, http2 ? connections : clients);
        ConsortClient checker = ConsortClient.connect(url, serviceCert, cert, key);
        String msg = "x".repeat(valueBytes);

        System.out.printf("logging load: %d clients over %d connections, HTTP/%s, %d-byte messages, %d s (+%d s warm-up)%n",
                clients, http2 ? connections : clients, version == HttpClient.Version.HTTP_2 ? "2" : "1.1", valueBytes, seconds, warmup);
        run(load, clients, msg, Duration.ofSeconds(warmup), null);
        Result r = run(load, clients, msg, Duration.ofSeconds(seconds), checker);
        load.close();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("nodes", nodeCount);
        report.put("clients", clients);
        report.put("http", version == HttpClient.Version.HTTP_2 ? "2" : "1.1");
        report.put("writes", r.count);
        report.put("errors", r.errors);
        report.put("executedWritesPerSecond", Math.round(r.count / r.seconds));
        report.put("committedWritesPerSecond", Math.round(r.count / r.secondsUntilCommitted));
        report.put("latencyMsP50", r.percentile(50));
        report.put("latencyMsP99", r.percentile(99));
        report.put("latencyMsP999", r.percentile(99.9));
        report.put("lastCommitDelayMs", Math.round((r.secondsUntilCommitted - r.seconds) * 1000));
        report.put("commitLatencySamples", r.commitLatenciesNanos.length);
        report.put("commitLatencyMsP50", Result.percentile(r.commitLatenciesNanos, 50));
        report.put("commitLatencyMsP99", Result.percentile(r.commitLatenciesNanos, 99));

        if (sandbox != null) {
            sandbox.destroy();
            sandbox.waitFor();
            Path ledger = Path.of(network.at("/nodes/0/ledgerDir").asText());
            long t0 = System.nanoTime();
            Process verify = new ProcessBuilder(javaCommand(jar, "ledger", "verify", ledger.toString(), "--service-cert",
                    serviceCert.toString())).redirectErrorStream(true).start();
            String out = new String(verify.getInputStream().readAllBytes());
            int code = verify.waitFor();
            double verifySeconds = (System.nanoTime() - t0) / 1e9;
            report.put("ledgerVerifyExitCode", code);
            report.put("ledgerVerifySecondsWithJvmStart", Math.round(verifySeconds * 100) / 100.0);
            report.put("ledgerVerifyOutput", out.trim());
        }
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * @param latenciesNanos       response latencies (the write executed and got its TxID), sorted
     * @param commitLatenciesNanos for a sample of writes, from sending it to seeing the node's
     *                             commit point pass its seqno (polled every millisecond), sorted
     */
    private record Result(long count, long errors, double seconds, double secondsUntilCommitted, long[] latenciesNanos,
                          long[] commitLatenciesNanos) {
        double percentile(double p) {
            return percentile(latenciesNanos, p);
        }

        static double percentile(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
            return Math.round(sorted[Math.max(0, i)] / 10_000.0) / 100.0;
        }
    }

    /** Every this many writes of a client, one is sampled for its commit latency. */
    private static final int COMMIT_SAMPLE_EVERY = 8;
    private static final int COMMIT_SAMPLES_PER_CLIENT_MAX = 1 << 16;

    private static Result run(JettyLoadClient load, int clients, String msg, Duration duration, ConsortClient checker)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        AtomicLong maxSeqno = new AtomicLong();
        String[] lastTx = new String[1];
        List<long[]> perClient = new ArrayList<>();
        int[] counts = new int[clients];
        long[][] sampleSeqno = new long[clients][COMMIT_SAMPLES_PER_CLIENT_MAX];
        long[][] sampleStart = new long[clients][COMMIT_SAMPLES_PER_CLIENT_MAX];
        int[] samples = new int[clients];
        // The commit point over time: (nanoTime, committed seqno) each time it moves.
        List<long[]> commitTimeline = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread poller = checker == null ? null : Thread.ofPlatform().daemon().start(() -> {
            long last = -1;
            while (!stop.get()) {
                try {
                    String tx = checker.get("/node/commit").json().path("transactionId").asText();
                    long seqno = Long.parseLong(tx.substring(tx.indexOf('.') + 1));
                    if (seqno > last) {
                        commitTimeline.add(new long[] {System.nanoTime(), seqno});
                        last = seqno;
                    }
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the node may be busy; keep polling
                }
            }
        });
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int me = c;
            long[] lat = new long[1 << 20];
            perClient.add(lat);
            threads.add(Thread.ofVirtual().start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long t = System.nanoTime();
                    try {
                        var r = load.post("/app/log/private",
                                "{\"id\":" + rnd.nextInt(1_000_000) + ",\"msg\":\"" + msg + "\"}");
                        long d = System.nanoTime() - t;
                        if (r.getStatus() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        String tx = r.getHeaders().get(ConsortClient.TX_ID_HEADER);
                        long seqno = Long.parseLong(tx.substring(tx.indexOf('.') + 1));
                        if (seqno > maxSeqno.get()) {
                            synchronized (lastTx) {
                                if (seqno > maxSeqno.get()) {
                                    maxSeqno.set(seqno);
                                    lastTx[0] = tx;
                                }
                            }
                        }
                        if (counts[me] < lat.length) {
                            lat[counts[me]++] = d;
                        }
                        if (counts[me] % COMMIT_SAMPLE_EVERY == 0 && samples[me] < COMMIT_SAMPLES_PER_CLIENT_MAX) {
                            sampleSeqno[me][samples[me]] = seqno;
                            sampleStart[me][samples[me]++] = t;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }));
        }
        Thread.sleep(duration.toMillis());
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double untilCommitted = seconds;
        if (checker != null && lastTx[0] != null) {
            String status = checker.awaitStatus(lastTx[0], Duration.ofSeconds(60));
            if (!status.equals("Committed")) {
                throw new IllegalStateException("last write " + lastTx[0] + " is " + status);
            }
            untilCommitted = (System.nanoTime() - start) / 1e9;
        }
        if (poller != null) {
            // The commit point is polled until the last sampled write is committed too.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                String tx = checker.get("/node/commit").json().path("transactionId").asText();
                long seqno = Long.parseLong(tx.substring(tx.indexOf('.') + 1));
                commitTimeline.add(new long[] {System.nanoTime(), seqno});
                if (seqno >= maxSeqno.get()) {
                    break;
                }
                Thread.sleep(1);
            }
            poller.join();
        }
        List<Long> commitLatencies = new ArrayList<>();
        List<long[]> timeline = new ArrayList<>(commitTimeline);
        for (int c = 0; c < clients; c++) {
            for (int i = 0; i < samples[c]; i++) {
                long started = sampleStart[c][i];
                CommitTimeline.firstTimeReaching(timeline, sampleSeqno[c][i])
                        .ifPresent(at -> commitLatencies.add(Math.max(0, at - started)));
            }
        }
        long[] commitSorted = commitLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] all = new long[(int) total];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(perClient.get(c), 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        return new Result(total, errors.get(), seconds, untilCommitted, all, commitSorted);
    }

    static List<String> javaCommand(Path jar, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --name value ...; bad argument '" + args[i] + "'");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }
}
