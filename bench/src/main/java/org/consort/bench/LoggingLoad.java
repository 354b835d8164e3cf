package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.consort.client.ConsortClient;
import org.consort.common.TxId;
import org.eclipse.jetty.client.ContentResponse;

/**
 * Load benchmark of the logging application: many concurrent HTTPS keep-alive clients with a
 * user certificate write private records to the primary for a fixed time; reports executed and
 * committed writes/s and the p50/p99/p99.9 response latency, then (when it started the network
 * itself) stops it and times {@code consort ledger verify} on the ledger.
 *
 * <p>It survives what it measures: it follows the primary when it moves ({@link PrimaryTracker});
 * it counts failed writes by kind ({@link LoadErrors}) and goes on; after the timed phase it asks
 * how the acknowledged writes ended ({@code GET /node/tx}): the last one of every client and
 * the latest one, and, by a few binary searches per view, how many of all are Committed, Pending,
 * Invalid or Unknown ({@link AckedWrites#classify}). Committed writes/s counts the committed ones
 * only. The report's {@code timeline} has, for each second of the timed phase, the writes
 * committed in it (by commit time) and the p50/p99 commit latency of the sampled writes committed
 * in it ({@link PerSecondTimeline}), for a chart over time. Every request has a timeout, and a watchdog ends the JVM if the run overruns
 * {@code warm-up + seconds + grace} (or start-up overruns its own timeout). While the warm-up and
 * the timed phase run, a progress line goes to stderr every second ({@link ProgressLine}).
 *
 * <p>Exit code: 0 when the run finished (even with errors), 1 when it acknowledged no write in
 * the timed phase, 2 when it could not start (bad options, no network, no primary), 3 when the
 * hard deadline passed before a report was made.
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.LoggingLoad \
 *     [--network DIR/network.json | --nodes 1] [--jar cli/target/consort.jar] [--clients 64] \
 *     [--connections 16 (HTTP/2 only)] [--seconds 20] [--warmup-seconds 5] [--http 1.1|2] [--value-bytes 100] \
 *     [--rate WRITES_PER_S (open loop; default: closed loop)] [--json-out FILE] [--request-timeout-seconds 10] [--settle-seconds 30] [--grace-seconds 120] \
 *     [--start-timeout-seconds 600] [--node-java-options "..." (default: the sandbox's)]
 * </pre>
 */
public final class LoggingLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITE_PATH = "/app/log/private";
    private static final long SECOND = 1_000_000_000L;
    /** Longest that one rediscovery of the primary waits for an election to end. */
    private static final Duration DISCOVERY_WAIT = Duration.ofSeconds(20);
    /** Longest that finding the primary before the load may take. */
    private static final Duration FIRST_DISCOVERY_WAIT = Duration.ofSeconds(60);
    /** How long, beyond a request's timeout, a stopping writer may take (a rediscovery under way). */
    private static final Duration WRITER_STOP_MARGIN = Duration.ofSeconds(10);

    static final int EXIT_FINISHED = 0;
    static final int EXIT_NOTHING_MEASURED = 1;
    static final int EXIT_NOT_STARTED = 2;
    static final int EXIT_DEADLINE = 3;

    private LoggingLoad() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (Throwable e) {
            e.printStackTrace();
            code = EXIT_NOT_STARTED;
        }
        System.out.flush();
        System.exit(code);
    }

    /** The options, with their defaults. */
    private record Settings(int clients, int connections, int seconds, int warmup, int valueBytes, boolean http2,
                            Path jar, Path networkFile, int nodes, String nodeJavaOptions, Path jsonOut,
                            Duration requestTimeout, Duration settle, Duration grace, Duration startTimeout, int rate) {
        static Settings of(Map<String, String> o) {
            Settings s = new Settings(number(o, "clients", 64), number(o, "connections", 16), number(o, "seconds", 20),
                    number(o, "warmup-seconds", 5), number(o, "value-bytes", 100), o.getOrDefault("http", "1.1").equals("2"),
                    Path.of(o.getOrDefault("jar", "cli/target/consort.jar")).toAbsolutePath(),
                    o.containsKey("network") ? Path.of(o.get("network")) : null, number(o, "nodes", 1),
                    o.get("node-java-options"),
                    o.containsKey("json-out") ? Path.of(o.get("json-out")) : null,
                    Duration.ofSeconds(number(o, "request-timeout-seconds", 10)),
                    Duration.ofSeconds(number(o, "settle-seconds", 30)), Duration.ofSeconds(number(o, "grace-seconds", 120)),
                    Duration.ofSeconds(number(o, "start-timeout-seconds", 600)), number(o, "rate", 0));
            if (s.rate < 0) {
                throw new IllegalArgumentException("--rate must be 0 (each client sends when answered) or writes/s");
            }
            if (s.clients < 1 || s.connections < 1 || s.seconds < 1 || s.warmup < 0 || s.requestTimeout.isZero()) {
                throw new IllegalArgumentException("--clients, --connections, --seconds and --request-timeout-seconds "
                        + "must be at least 1, --warmup-seconds at least 0");
            }
            return s;
        }

        private static int number(Map<String, String> o, String name, int otherwise) {
            String v = o.get(name);
            try {
                return v == null ? otherwise : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a number: '" + v + "'");
            }
        }
    }

    /** Runs the benchmark; returns the exit code. */
    static int run(String[] args) throws Exception {
        Settings s;
        try {
            s = Settings.of(options(args));
        } catch (IllegalArgumentException e) {
            System.err.println("logging load: " + e.getMessage());
            return EXIT_NOT_STARTED;
        }
        Watchdog watchdog = new Watchdog(s.startTimeout, "start-up", s.jsonOut);
        SandboxProcess sandbox = null;
        try {
            JsonNode network;
            try {
                if (s.networkFile != null) {
                    network = JSON.readTree(s.networkFile.toFile());
                } else {
                    sandbox = new SandboxProcess(s.jar, s.nodes, 2, s.nodeJavaOptions);
                    network = sandbox.network();
                }
            } catch (Exception e) {
                System.err.println("logging load: could not start the network or read network.json: " + e);
                return EXIT_NOT_STARTED;
            }
            Map<String, Object> report = measure(s, network, watchdog);
            if (report == null) {
                return EXIT_NOT_STARTED;
            }
            if (sandbox != null) {
                watchdog.reportOnExpiry(report);
                try {
                    sandbox.stop();
                    verifyLedger(s, network, report, watchdog.remaining().minus(Duration.ofSeconds(10)));
                } catch (Exception e) {
                    report.put("ledgerVerifyError", String.valueOf(e));
                }
            }
            emit(report, s.jsonOut);
            int code = exitCode(report);
            watchdog.reported(code);
            return code;
        } finally {
            if (sandbox != null) {
                try {
                    sandbox.close();
                } catch (Exception e) {
                    System.err.println("logging load: could not clean up the sandbox: " + e);
                }
            }
            watchdog.stop();
        }
    }

    /** Runs the warm-up and timed phases against the network; returns the report, or null if it could not start. */
    private static Map<String, Object> measure(Settings s, JsonNode network, Watchdog watchdog) throws Exception {
        List<String> urls = new ArrayList<>();
        String guess = null;
        for (JsonNode n : network.path("nodes")) {
            urls.add(n.path("url").asText());
            if (n.path("primary").asBoolean() || guess == null) {
                guess = n.path("url").asText();
            }
        }
        if (urls.isEmpty()) {
            System.err.println("logging load: network.json lists no nodes");
            return null;
        }
        Path serviceCert = Path.of(network.path("serviceCert").asText());
        Path cert = Path.of(network.at("/users/0/cert").asText());
        Path key = Path.of(network.at("/users/0/key").asText());
        try (JettyLoadClient load = new JettyLoadClient(guess, serviceCert, cert, key, s.http2,
                s.http2 ? s.connections : s.clients).requestTimeout(s.requestTimeout);
             JettyLoadClient control = new JettyLoadClient(guess, serviceCert, cert, key, false, 4)
                     .requestTimeout(s.requestTimeout)) {
            PrimaryTracker tracker = new PrimaryTracker(control, load, urls, guess);
            if (!tracker.start(System.nanoTime() + FIRST_DISCOVERY_WAIT.toNanos())) {
                System.err.println("logging load: no node named a primary that confirmed it within "
                        + FIRST_DISCOVERY_WAIT.toSeconds() + " s (asked " + urls + ")");
                return null;
            }
            watchdog.arm(Duration.ofSeconds(s.warmup + s.seconds).plus(s.grace), "the load");
            System.out.printf("logging load: %d clients over %d connections, HTTP/%s, %d-byte messages, %d s (+%d s warm-up), "
                            + "primary %s%n", s.clients, s.http2 ? s.connections : s.clients, s.http2 ? "2" : "1.1", s.valueBytes,
                    s.seconds, s.warmup, tracker.primary());
            String msg = "x".repeat(s.valueBytes);
            Duration writerStop = s.requestTimeout.plus(WRITER_STOP_MARGIN);
            try (CommitPoller poller = new CommitPoller(control, tracker)) {
                Phase warm = new Phase(s.clients, false, Duration.ofSeconds(s.warmup), s.rate);
                warm.start(load, tracker, msg);
                showProgress(warm, poller, tracker);
                warm.stop(writerStop);

                Phase timed = new Phase(s.clients, true, Duration.ofSeconds(s.seconds), s.rate);
                timed.start(load, tracker, msg);
                showProgress(timed, poller, tracker);
                timed.stop(writerStop);

                Map<String, Object> report = new LinkedHashMap<>();
                report.put("nodes", urls.size());
                report.put("clients", s.clients);
                report.put("rate", s.rate == 0 ? "closed loop" : s.rate);
                report.put("http", s.http2 ? "2" : "1.1");
                settleAndReport(s, timed, poller, tracker, report);
                report.put("warmupWrites", warm.acked.sum());
                report.put("warmupErrors", warm.errors.byKind());
                return report;
            }
        }
    }

    /**
     * After the timed phase: waits (up to the settle time) until the last write of every client
     * and the latest write are Committed or Invalid, classifies all acknowledged writes (within
     * the settle time again), and puts the results into the report.
     */
    private static void settleAndReport(Settings s, Phase timed, CommitPoller poller, PrimaryTracker tracker,
            Map<String, Object> report) throws InterruptedException {
        double seconds = (timed.stoppedNanos - timed.startNanos) / 1e9;
        long settleUntil = System.nanoTime() + s.settle.toNanos();
        Set<TxId> lastWrites = new LinkedHashSet<>();
        timed.writes.forEach(w -> w.last().ifPresent(lastWrites::add));
        Optional<TxId> latest = timed.writes.stream().map(AckedWrites::latest).flatMap(Optional::stream)
                .max(AckedWrites.LATEST);
        latest.ifPresent(lastWrites::add);
        Map<TxId, String> lastStatus = awaitFinal(tracker, lastWrites, settleUntil);

        // Classifying all acknowledged writes gets a budget of its own, as long again.
        long classifyUntil = System.nanoTime() + s.settle.toNanos();
        AckedWrites.Outcome outcome = AckedWrites.classify(timed.writes,
                id -> statusOf(tracker, id, classifyUntil));
        // The commit timeline must reach the last committed write for its commit time.
        poller.awaitSeqno(outcome.lastCommittedSeqno(), classifyUntil);
        long settledAt = System.nanoTime();
        poller.close();

        List<long[]> timeline = poller.timeline();
        List<Long> commitLatencies = new ArrayList<>();
        // Per second of the timed phase: the committed writes by commit time, and the sampled ones' commit latencies.
        PerSecondTimeline perSecond = new PerSecondTimeline(timed.startNanos);
        for (AckedWrites w : timed.writes) {
            for (AckedWrites.Sample x : w.samples()) {
                if (outcome.isCommitted(x.view(), x.seqno())) {
                    CommitTimeline.firstTimeReaching(timeline, x.seqno()).ifPresent(at -> {
                        commitLatencies.add(Math.max(0, at - x.sentAt()));
                        perSecond.latency(at, Math.max(0, at - x.sentAt()));
                    });
                }
            }
            w.forEachWrite((view, seqno) -> {
                if (outcome.isCommitted(view, seqno)) {
                    CommitTimeline.firstTimeReaching(timeline, seqno).ifPresent(perSecond::committed);
                }
            });
        }
        long[] commitSorted = commitLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] latencies = AckedWrites.sortedLatencies(timed.writes);
        double untilCommitted = seconds;
        if (outcome.lastCommittedSeqno() >= 0) {
            long committedAt = CommitTimeline.firstTimeReaching(timeline, outcome.lastCommittedSeqno()).orElse(settledAt);
            untilCommitted = Math.max(seconds, (committedAt - timed.startNanos) / 1e9);
        }

        Map<String, Object> last = new LinkedHashMap<>();
        last.put("checked", lastStatus.size());
        last.putAll(countValues(lastStatus.values()));
        latest.ifPresent(id -> {
            last.put("latest", id.toString());
            last.put("latestStatus", lastStatus.get(id));
        });

        report.put("seconds", Math.round(seconds * 100) / 100.0);
        report.put("writes", latencies.length);
        report.put("committedWrites", outcome.committed());
        report.put("invalidAcknowledged", outcome.invalid());
        report.put("pendingAcknowledged", outcome.pending());
        report.put("unknownAcknowledged", outcome.unknown());
        report.put("unverifiedAcknowledged", outcome.unverified());
        report.put("lastWrites", last);
        report.put("errorsTotal", timed.errors.total());
        report.put("errors", timed.errors.byKind());
        report.put("primaryChanges", tracker.moves().size());
        report.put("primaryMoves", tracker.moves());
        report.put("primary", tracker.primary());
        if (timed.writersNotStopped > 0) {
            report.put("writersNotStopped", timed.writersNotStopped);
        }
        report.put("executedWritesPerSecond", Math.round(latencies.length / seconds));
        report.put("committedWritesPerSecond", Math.round(outcome.committed() / untilCommitted));
        report.put("latencyMsP50", percentileMs(latencies, 50));
        report.put("latencyMsP99", percentileMs(latencies, 99));
        report.put("latencyMsP999", percentileMs(latencies, 99.9));
        report.put("lastCommitDelayMs", Math.round((untilCommitted - seconds) * 1000));
        report.put("commitLatencySamples", commitSorted.length);
        report.put("commitLatencyMsP50", percentileMs(commitSorted, 50));
        report.put("commitLatencyMsP99", percentileMs(commitSorted, 99));
        report.put("timeline", perSecond.toJson());
    }

    /** The status of a transaction according to the primary ({@code GET /node/tx}), asked until {@code untilNanos}. */
    private static String statusOf(PrimaryTracker tracker, TxId id, long untilNanos)
            throws IOException, InterruptedException {
        return tracker.getFromPrimary("/node/tx?transaction_id=" + id, untilNanos).path("status").asText("Unknown");
    }

    private static boolean isFinal(String status) {
        return status.equals("Committed") || status.equals("Invalid");
    }

    /**
     * Polls the status of each transaction until all are Committed or Invalid or
     * {@code untilNanos} passes; a transaction never answered for is "Unchecked".
     */
    private static Map<TxId, String> awaitFinal(PrimaryTracker tracker, Collection<TxId> ids, long untilNanos)
            throws InterruptedException {
        Map<TxId, String> status = new LinkedHashMap<>();
        ids.forEach(id -> status.put(id, "Unchecked"));
        while (true) {
            for (var e : status.entrySet()) {
                if (!isFinal(e.getValue())) {
                    try {
                        e.setValue(statusOf(tracker, e.getKey(), untilNanos));
                    } catch (IOException noAnswer) {
                        return status;
                    }
                }
            }
            if (status.values().stream().allMatch(LoggingLoad::isFinal) || System.nanoTime() >= untilNanos) {
                return status;
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, Long> countValues(Collection<String> values) {
        Map<String, Long> counts = new TreeMap<>();
        values.forEach(v -> counts.merge(v, 1L, Long::sum));
        return counts;
    }

    /**
     * Every second of a phase, a line to stderr ({@link ProgressLine}): elapsed time, acknowledged
     * writes in that second, errors, how many seqnos the commit point trails the latest
     * acknowledged write, and the primary.
     */
    private static void showProgress(Phase p, CommitPoller poller, PrimaryTracker tracker) throws InterruptedException {
        long previous = 0;
        for (int second = 1; p.startNanos + second * SECOND <= p.endNanos; second++) {
            sleepUntil(p.startNanos + second * SECOND);
            long acked = p.acked.sum();
            long lag = Math.max(0, p.latestSeqno.get() - Math.max(0, poller.committedSeqno()));
            System.err.println(ProgressLine.format(!p.measure, second, acked - previous, "acked writes/s", p.errors.total(),
                    String.format(java.util.Locale.ROOT, "%,d seqnos", lag), "primary " + tracker.primary()));
            previous = acked;
        }
        sleepUntil(p.endNanos);
    }

    /**
     * One phase of the load: a writer per client sends writes one after the other to the
     * primary until stopped. Counts acknowledged writes and errors by kind; when measuring,
     * records each acknowledged write. After an error a writer pauses (10 ms, doubling up to
     * 1 s until a write succeeds again); after one that suggests the primary moved it first
     * rediscovers the primary (single-flight, bounded by the end of the phase).
     */
    private static final class Phase {
        final LoadErrors errors = new LoadErrors();
        final LongAdder acked = new LongAdder();
        /** The highest seqno acknowledged in this phase, for the progress line. */
        final AtomicLong latestSeqno = new AtomicLong(-1);
        /** One per client when measuring, else empty. */
        final List<AckedWrites> writes = new ArrayList<>();
        final long startNanos;
        final long endNanos;
        long stoppedNanos;
        int writersNotStopped;
        private final int clients;
        private final boolean measure;
        /** Open loop: the time between two writes of one client; 0 for a closed loop. */
        private final long intervalNanos;
        private final List<Thread> writers = new ArrayList<>();
        private volatile boolean stopping;

        /**
         * @param rate writes/s of all clients together, each client sending at its own fixed times
         *             whatever the answers (open loop), or 0: each client sends its next write when the
         *             last is answered (closed loop)
         */
        Phase(int clients, boolean measure, Duration duration, int rate) {
            this.clients = clients;
            this.measure = measure;
            this.intervalNanos = rate == 0 ? 0 : Math.round(clients * 1e9 / rate);
            startNanos = System.nanoTime();
            endNanos = startNanos + duration.toNanos();
        }

        void start(JettyLoadClient load, PrimaryTracker tracker, String msg) {
            for (int c = 0; c < clients; c++) {
                AckedWrites log = measure ? new AckedWrites() : null;
                if (log != null) {
                    writes.add(log);
                }
                long firstAt = startNanos + (intervalNanos == 0 ? 0 : Math.round((double) c * intervalNanos / clients));
                writers.add(Thread.ofVirtual().name("writer-" + c).start(() -> write(load, tracker, msg, log, firstAt)));
            }
        }

        private void write(JettyLoadClient load, PrimaryTracker tracker, String msg, AckedWrites log, long firstAt) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long pauseMillis = 0;
            long nextAt = firstAt;
            try {
                while (!stopping) {
                    long seen = tracker.generation();
                    long sentAt = System.nanoTime();
                    if (intervalNanos > 0) {
                        // Latencies count from the time the write was due, so a slow answer that delays
                        // the next writes shows in their latencies too (no coordinated omission).
                        if (nextAt >= endNanos) {
                            return;
                        }
                        if (nextAt > sentAt) {
                            Thread.sleep(Duration.ofNanos(nextAt - sentAt));
                        }
                        sentAt = nextAt;
                        nextAt += intervalNanos;
                    }
                    String kind;
                    try {
                        ContentResponse r = load.post(WRITE_PATH,
                                "{\"id\":" + random.nextInt(1_000_000) + ",\"msg\":\"" + msg + "\"}");
                        long latency = System.nanoTime() - sentAt;
                        String tx = r.getHeaders().get(ConsortClient.TX_ID_HEADER);
                        if (r.getStatus() == 200 && tx != null) {
                            TxId id = TxId.parse(tx);
                            if (log != null) {
                                log.add(id, sentAt, latency);
                            }
                            acked.increment();
                            latestSeqno.accumulateAndGet(id.seqno(), Math::max);
                            pauseMillis = 0;
                            continue;
                        }
                        kind = r.getStatus() == 200 ? "http200:NoTransactionId"
                                : LoadErrors.kindOf(r.getStatus(), r.getContentAsString());
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        kind = LoadErrors.kindOf(e);
                    }
                    errors.count(kind);
                    if (LoadErrors.suggestsPrimaryMoved(kind)) {
                        tracker.rediscover(seen, Math.min(System.nanoTime() + DISCOVERY_WAIT.toNanos(), endNanos));
                    }
                    if (intervalNanos > 0) {
                        continue;
                    }
                    pauseMillis = Math.min(Math.max(10, 2 * pauseMillis), 1000);
                    Thread.sleep(Math.max(0, Math.min(pauseMillis, (endNanos - System.nanoTime()) / 1_000_000)));
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }

        /** Stops the writers, waiting up to {@code wait} for those with a request under way. */
        void stop(Duration wait) throws InterruptedException {
            stopping = true;
            long until = System.nanoTime() + wait.toNanos();
            for (Thread t : writers) {
                if (!t.join(Duration.ofNanos(Math.max(0, until - System.nanoTime())))) {
                    t.interrupt();
                    writersNotStopped++;
                }
            }
            stoppedNanos = System.nanoTime();
        }
    }

    /**
     * Polls the primary's commit point ({@code GET /node/commit}) every millisecond and records
     * each advance (time, seqno); once a second asks the primary whether it still is
     * ({@link PrimaryTracker#check}), since writes forwarded by a former primary would not fail.
     */
    private static final class CommitPoller implements AutoCloseable {
        private final JettyLoadClient control;
        private final PrimaryTracker tracker;
        private final List<long[]> timeline = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean stopping;
        private volatile long committed = -1;

        CommitPoller(JettyLoadClient control, PrimaryTracker tracker) {
            this.control = control;
            this.tracker = tracker;
            thread = Thread.ofPlatform().daemon().name("commit-poller").start(this::poll);
        }

        long committedSeqno() {
            return committed;
        }

        List<long[]> timeline() {
            synchronized (timeline) {
                return new ArrayList<>(timeline);
            }
        }

        /** Waits until the commit point reaches {@code seqno} or {@code untilNanos} passes. */
        void awaitSeqno(long seqno, long untilNanos) throws InterruptedException {
            while (committed < seqno && System.nanoTime() < untilNanos && thread.isAlive()) {
                Thread.sleep(1);
            }
        }

        private void poll() {
            try {
                long nextCheck = System.nanoTime() + SECOND;
                while (!stopping) {
                    long seen = tracker.generation();
                    String failure = askCommit();
                    if (failure != null && LoadErrors.suggestsPrimaryMoved(failure)) {
                        tracker.rediscover(seen, System.nanoTime() + DISCOVERY_WAIT.toNanos());
                    } else if (System.nanoTime() >= nextCheck) {
                        tracker.check(System.nanoTime() + DISCOVERY_WAIT.toNanos());
                        nextCheck = System.nanoTime() + SECOND;
                    }
                    Thread.sleep(failure == null ? 1 : 10);
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        /** Asks the commit point once; returns null, or the kind of failure. */
        private String askCommit() throws InterruptedException {
            try {
                ContentResponse r = control.getAt(tracker.primary(), "/node/commit");
                if (r.getStatus() != 200) {
                    return LoadErrors.kindOf(r.getStatus(), r.getContentAsString());
                }
                long seqno = TxId.parse(JSON.readTree(r.getContent()).path("transactionId").asText()).seqno();
                if (seqno > committed) {
                    timeline.add(new long[] {System.nanoTime(), seqno});
                    committed = seqno;
                }
                return null;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                return LoadErrors.kindOf(e);
            }
        }

        @Override
        public void close() {
            stopping = true;
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Ends the JVM if the current phase overruns its deadline: kills the processes this JVM
     * started (a sandbox and its nodes), prints the report if one was made and not yet printed,
     * and halts.
     */
    private static final class Watchdog {
        private final Path jsonOut;
        private final Thread thread;
        private volatile String phase;
        private volatile long deadlineNanos;
        private volatile Map<String, Object> report;
        private volatile int code = EXIT_DEADLINE;

        Watchdog(Duration first, String phase, Path jsonOut) {
            this.jsonOut = jsonOut;
            arm(first, phase);
            thread = Thread.ofPlatform().daemon().name("watchdog").start(this::watch);
        }

        void arm(Duration timeout, String phase) {
            this.phase = phase;
            deadlineNanos = System.nanoTime() + timeout.toNanos();
        }

        Duration remaining() {
            return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
        }

        /** The report to print if the deadline passes from now on (a copy of it as it is now). */
        void reportOnExpiry(Map<String, Object> r) {
            report = new LinkedHashMap<>(r);
            code = exitCode(r);
        }

        /** The report was printed: on expiry, only exit with {@code exitCode}. */
        void reported(int exitCode) {
            report = null;
            code = exitCode;
        }

        /** Ends the watch (the run ended in time). */
        void stop() {
            thread.interrupt();
        }

        private void watch() {
            try {
                for (long left; (left = deadlineNanos - System.nanoTime()) > 0; ) {
                    Thread.sleep(Duration.ofNanos(Math.min(left, SECOND)));
                }
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("logging load: the hard deadline passed during " + phase + "; ending");
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            Map<String, Object> r = report;
            if (r != null) {
                r.put("hardDeadlinePassedDuring", phase);
                try {
                    emit(r, jsonOut);
                } catch (Exception e) {
                    e.printStackTrace();
                }
            }
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(code);
        }
    }

    /** Runs {@code consort ledger verify} on node 0's ledger (the network is stopped) within {@code budget}. */
    private static void verifyLedger(Settings s, JsonNode network, Map<String, Object> report, Duration budget)
            throws Exception {
        if (budget.toSeconds() < 1) {
            report.put("ledgerVerifySkipped", "no time left before the hard deadline");
            return;
        }
        Path ledger = Path.of(network.at("/nodes/0/ledgerDir").asText());
        Path output = Files.createTempFile("consort-ledger-verify", ".txt");
        try {
            long t0 = System.nanoTime();
            Process verify = new ProcessBuilder(javaCommand(s.jar, "ledger", "verify", ledger.toString(), "--service-cert",
                    network.path("serviceCert").asText())).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean done = verify.waitFor(budget.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!done) {
                verify.destroyForcibly().waitFor();
                report.put("ledgerVerifyTimedOut", true);
            }
            report.put("ledgerVerifyExitCode", done ? verify.exitValue() : -1);
            report.put("ledgerVerifySecondsWithJvmStart", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
            report.put("ledgerVerifyOutput", Files.readString(output).trim());
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Prints the report to stdout and, with --json-out, writes it to that file. */
    private static void emit(Map<String, Object> report, Path jsonOut) throws IOException {
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
        System.out.println(text);
        if (jsonOut != null) {
            Path parent = jsonOut.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(jsonOut, text + "\n");
        }
    }

    private static int exitCode(Map<String, Object> report) {
        return ((Number) report.getOrDefault("writes", 0)).longValue() > 0 ? EXIT_FINISHED : EXIT_NOTHING_MEASURED;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    /** The {@code p}th percentile of sorted nanoseconds, in milliseconds rounded to two decimals. */
    static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 10_000.0) / 100.0;
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
