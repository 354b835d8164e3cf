package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;
import org.consort.common.Hex;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.eclipse.jetty.client.ContentResponse;

/**
 * The Ethereum load of {@code consort bench erc20|smallbank}: one client per network user (its
 * client certificate and its bound Ethereum key, HTTPS keep-alive, sent to the primary), each
 * sending its own pre-signed requests in nonce order, one request in flight at a time, for a
 * warm-up and then a timed phase.
 *
 * <ul>
 * <li>Closed loop ({@code rate} 0): each client sends its next request when the last is answered.</li>
 * <li>Open loop ({@code rate} operations/s): client {@code c} sends its {@code i}th request at
 *     the fixed time {@link #dueNanos}, whatever the answers; latencies count from that time, so
 *     a slow answer that delays the next requests shows in their latencies too.</li>
 * </ul>
 * Setup (deploying, creating accounts) and signing happen before the clock starts; a client that
 * has sent all its pre-signed requests stops and is reported as exhausted.
 *
 * <p>Commits: a poller asks the primary for {@code eth_getBlockByNumber("finalized")} every few
 * milliseconds ({@link EthereumCompare.FinalizedPoller}); after the run every sent transaction's
 * receipt gives its block, so its commit time is when the poller first saw that block finalized.
 * An acknowledged transaction is then Committed, Pending (in a block not committed within the
 * settle time) or Unknown (no receipt: its block was dropped by a failover, or it never ran).
 * The workload checks the resulting state ({@link Workload#check}).
 */
final class TxLoad {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;
    private static final int RECEIPT_BATCH = 100;
    private static final int POLL_MS = 5;

    private TxLoad() {
    }

    /**
     * One request of one client: its JSON-RPC body (one call or a batch) and the hashes of the
     * signed transactions in it (none for a read).
     *
     * @param type an index into {@link Workload#types}
     */
    record Request(int type, String body, List<String> hashes) {
        int operations() {
            return Math.max(1, hashes.size());
        }

        boolean writes() {
            return !hashes.isEmpty();
        }
    }

    /** A network user that sends load: its HTTPS client, its Ethereum key and address, its next nonce. */
    static final class Client {
        final int index;
        final JettyLoadClient http;
        final byte[] key;
        final Address address;
        long nonce;

        Client(int index, JettyLoadClient http, byte[] key) {
            this.index = index;
            this.http = http;
            this.key = key;
            this.address = Address.wrap(Secp256k1.address(key));
        }

        /** One JSON-RPC call; its result, or an exception with its error. */
        JsonNode call(String method, String params) throws Exception {
            return TxLoad.call(body -> http.post("/app/ethereum", body).getContentAsString(), method, params);
        }

        String addressHex() {
            return "0x" + Hex.encode(address.toBytes());
        }
    }

    /** What a scenario provides to the load. */
    interface Workload {
        /** The request types, for the report (e.g. "transfer", or SmallBank's six transactions). */
        List<String> types();

        /** Before the clock: deploys and prepares what the requests need, with the clients' keys (advancing their nonces). */
        void setup(List<Client> clients, PrintStream log) throws Exception;

        /** Client {@code c}'s first {@code count} requests, signed with consecutive nonces from its next one. */
        List<Request> sign(Client c, int count);

        /** A number the workload wants to keep from each receipt (e.g. how many events of a kind it holds); 0 by default. */
        default int tally(JsonNode receipt) {
            return 0;
        }

        /** After the run: checks the state against what the receipts say; {@code "ok"} is true when it holds. */
        Map<String, Object> check(List<Client> clients, Results results) throws Exception;
    }

    /** The run's settings. */
    record Settings(int clients, int rate, int seconds, int warmup, int requestsPerClient, Duration requestTimeout,
                    Duration settle) {
    }

    /** What each client sent and how it ended, for the workload's check. */
    static final class Results {
        final List<ClientRun> runs;

        Results(List<ClientRun> runs) {
            this.runs = runs;
        }

        /** Visits every sent transaction: its client, request and receipt status (1, 0, or -1 without receipt) and tally. */
        void forEachTransaction(TxVisitor v) {
            for (ClientRun r : runs) {
                for (int i = 0; i < r.sent; i++) {
                    Request q = r.requests.get(i);
                    for (int k = 0; k < q.hashes.size(); k++) {
                        int t = r.firstTx[i] + k;
                        v.visit(r.client, q, r.status[t], r.tally[t]);
                    }
                }
            }
        }
    }

    @FunctionalInterface
    interface TxVisitor {
        void visit(Client client, Request request, int status, int tally);
    }

    /** One client's requests and what became of them. */
    static final class ClientRun {
        final Client client;
        final List<Request> requests;
        /** Per request: when it was sent (open loop: due), when answered with no error (0: not). */
        final long[] sentAt;
        final long[] answeredAt;
        /** Per request, the index of its first transaction; per transaction: acknowledged, receipt status, block, tally. */
        final int[] firstTx;
        final boolean[] acked;
        final byte[] status;
        final long[] block;
        final int[] tally;
        int sent;
        boolean exhausted;

        ClientRun(Client client, List<Request> requests) {
            this.client = client;
            this.requests = requests;
            sentAt = new long[requests.size()];
            answeredAt = new long[requests.size()];
            firstTx = new int[requests.size()];
            int txs = 0;
            for (int i = 0; i < requests.size(); i++) {
                firstTx[i] = txs;
                txs += requests.get(i).hashes.size();
            }
            acked = new boolean[txs];
            status = new byte[txs];
            block = new long[txs];
            java.util.Arrays.fill(status, (byte) -1);
            java.util.Arrays.fill(block, -1);
            tally = new int[txs];
        }
    }

    /**
     * When client {@code client} of {@code clients} is due to send its {@code i}th request in an
     * open loop: the clients' schedules are spread evenly over one interval.
     */
    static long dueNanos(long startNanos, int client, int clients, double intervalNanos, long i) {
        return startNanos + Math.round(intervalNanos * client / clients + intervalNanos * i);
    }

    /** The interval between two requests of one client when {@code clients} together send {@code rate} operations/s. */
    static double intervalNanos(int clients, int rate, int operationsPerRequest) {
        return (double) clients * operationsPerRequest * SECOND / rate;
    }

    /**
     * Runs the load against {@code network} (a sandbox's network.json: nodes, serviceCert, users
     * with their Ethereum keys) and returns the report (the fields of {@link BenchReport}).
     */
    static Map<String, Object> run(Settings s, JsonNode network, Workload w, PrintStream log) throws Exception {
        List<String> urls = new ArrayList<>();
        String guess = null;
        for (JsonNode n : network.path("nodes")) {
            urls.add(n.path("url").asText());
            if (n.path("primary").asBoolean() || guess == null) {
                guess = n.path("url").asText();
            }
        }
        Path serviceCert = Path.of(network.path("serviceCert").asText());
        JsonNode users = network.path("users");
        List<Client> clients = new ArrayList<>();
        try (JettyLoadClient control = new JettyLoadClient(guess, serviceCert, Path.of(users.at("/0/cert").asText()),
                Path.of(users.at("/0/key").asText()), false, 4).requestTimeout(s.requestTimeout)) {
            PrimaryTracker tracker = new PrimaryTracker(control, control, urls, guess);
            if (!tracker.start(System.nanoTime() + TimeUnit.SECONDS.toNanos(60))) {
                throw new BenchCommand.RunFailed("no node named a primary that confirmed it within 60 s (asked " + urls + ")");
            }
            String primary = tracker.primary();
            try {
                for (int c = 0; c < s.clients; c++) {
                    JsonNode u = users.get(c);
                    JettyLoadClient http = new JettyLoadClient(primary, serviceCert, Path.of(u.get("cert").asText()),
                            Path.of(u.get("key").asText()), false, 1).requestTimeout(s.requestTimeout);
                    clients.add(new Client(c, http, Hex.decode(u.get("ethereumPrivateKey").asText())));
                }
                for (Client c : clients) {
                    c.nonce = Long.decode(c.call("eth_getTransactionCount", "[\"" + c.addressHex() + "\",\"pending\"]").asText());
                }
                log.printf("consort bench: setting up on %d node(s), primary %s%n", urls.size(), primary);
                w.setup(clients, log);
                long t0 = System.nanoTime();
                List<ClientRun> runs = IntStream.range(0, clients.size()).parallel()
                        .mapToObj(c -> new ClientRun(clients.get(c), w.sign(clients.get(c), s.requestsPerClient))).toList();
                long txs = runs.stream().mapToLong(r -> r.acked.length).sum();
                log.printf(Locale.ROOT, "consort bench: signed %,d transactions in %.1f s%n", txs, (System.nanoTime() - t0) / 1e9);
                // Open each client's connection before the clock starts (a TLS handshake is no part of a request).
                for (Client c : clients) {
                    c.call("eth_chainId", "[]");
                }
                Rpc rpc = new Rpc(control);
                return measure(s, w, runs, rpc, log);
            } finally {
                for (Client c : clients) {
                    c.http.close();
                }
            }
        }
    }

    /** JSON-RPC over the control client (to the primary). */
    private record Rpc(JettyLoadClient control) implements EthereumCompare.Rpc {
        @Override
        public String post(String body) throws Exception {
            return control.post("/app/ethereum", body).getContentAsString();
        }
    }

    private static Map<String, Object> measure(Settings s, Workload w, List<ClientRun> runs, Rpc rpc, PrintStream log)
            throws Exception {
        LoadErrors warmErrors = new LoadErrors();
        LoadErrors errors = new LoadErrors();
        LongAdder acked = new LongAdder();
        int operationsPerRequest = runs.getFirst().requests.isEmpty() ? 1 : runs.getFirst().requests.getFirst().operations();
        double interval = s.rate == 0 ? 0 : intervalNanos(s.clients, s.rate, operationsPerRequest);
        EthereumCompare.FinalizedPoller poller = new EthereumCompare.FinalizedPoller(rpc, POLL_MS);
        long blockBefore = Long.decode(call(rpc, "eth_blockNumber", "[]").asText());
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long timedStart = start + s.warmup * SECOND;
        long end = timedStart + s.seconds * SECOND;
        List<Thread> senders = new ArrayList<>();
        for (ClientRun r : runs) {
            senders.add(Thread.ofVirtual().name("sender-" + r.client.index).start(() -> send(r, s, start, timedStart, end,
                    interval, acked, warmErrors, errors)));
        }
        progress(start, timedStart, end, acked, warmErrors, errors, rpc, log);
        long stopBy = System.nanoTime() + s.requestTimeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        int notStopped = 0;
        for (Thread t : senders) {
            if (!t.join(Duration.ofNanos(Math.max(1, stopBy - System.nanoTime())))) {
                t.interrupt();
                notStopped++;
            }
        }
        long stopped = System.nanoTime();

        // Every answered transaction is in a block by now; wait (within the settle time) until the last block is committed.
        long settleUntil = System.nanoTime() + s.settle.toNanos();
        long latest = Long.decode(call(rpc, "eth_blockNumber", "[]").asText());
        poller.awaitAtLeast(latest, Math.max(0, settleUntil - System.nanoTime()));
        fetchReceipts(runs, w);
        poller.close();

        // The timed phase's operations, latencies and commits.
        List<Long> response = new ArrayList<>();
        List<Long> commit = new ArrayList<>();
        long operations = 0;
        long committed = 0;
        long pending = 0;
        long unknown = 0;
        long lastCommit = timedStart;
        long warmupOperations = 0;
        int exhausted = 0;
        Map<String, long[]> byType = new LinkedHashMap<>();
        w.types().forEach(t -> byType.put(t, new long[4]));
        for (ClientRun r : runs) {
            exhausted += r.exhausted ? 1 : 0;
            for (int i = 0; i < r.sent; i++) {
                Request q = r.requests.get(i);
                boolean timed = r.sentAt[i] >= timedStart;
                int ackedOps = q.writes() ? countAcked(r, i) : (r.answeredAt[i] != 0 ? 1 : 0);
                if (!timed) {
                    warmupOperations += ackedOps;
                    continue;
                }
                long[] t = byType.get(w.types().get(q.type()));
                t[0] += q.operations();
                t[1] += ackedOps;
                operations += ackedOps;
                if (r.answeredAt[i] != 0) {
                    response.add(r.answeredAt[i] - r.sentAt[i]);
                }
                for (int k = 0; k < q.hashes().size(); k++) {
                    int tx = r.firstTx[i] + k;
                    if (!r.acked[tx]) {
                        continue;
                    }
                    long at = r.block[tx] < 0 ? -1 : poller.commitTime(r.block[tx]);
                    if (r.block[tx] < 0) {
                        unknown++;
                    } else if (at < 0) {
                        pending++;
                    } else {
                        committed++;
                        t[2]++;
                        t[3] += r.status[tx] == 0 ? 1 : 0;
                        commit.add(at - r.sentAt[i]);
                        lastCommit = Math.max(lastCommit, at);
                    }
                }
            }
        }
        double untilCommitted = Math.max(s.seconds, (lastCommit - timedStart) / 1e9);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("operations", operations);
        report.put("operationsPerSecond", Math.round(operations / (double) s.seconds));
        report.put("committed", committed);
        report.put("committedPerSecond", Math.round(committed / untilCommitted));
        report.put("responseMsP50", percentileMs(response, 50));
        report.put("responseMsP99", percentileMs(response, 99));
        report.put("commitMsP50", percentileMs(commit, 50));
        report.put("commitMsP99", percentileMs(commit, 99));
        report.put("errorsTotal", errors.total());
        report.put("errors", errors.byKind());
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("committed", committed);
        ack.put("pending", pending);
        ack.put("invalid", null);
        ack.put("unknown", unknown);
        report.put("acknowledged", ack);
        report.put("check", w.check(runs.stream().map(r -> r.client).toList(), new Results(runs)));

        Map<String, Object> details = new LinkedHashMap<>();
        Map<String, Object> types = new LinkedHashMap<>();
        byType.forEach((name, t) -> {
            if (t[0] > 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("sent", t[0]);
                m.put("acknowledged", t[1]);
                m.put("committed", t[2]);
                m.put("reverted", t[3]);
                types.put(name, m);
            }
        });
        details.put("byType", types);
        details.put("operationsPerRequest", operationsPerRequest);
        details.put("responseLatencyIsPer", operationsPerRequest > 1 ? "request of " + operationsPerRequest : "operation");
        details.put("lastCommitAfterEndMs", Math.max(0, Math.round((untilCommitted - s.seconds) * 1000)));
        details.put("blocks", Long.decode(call(rpc, "eth_blockNumber", "[]").asText()) - blockBefore);
        details.put("presignedRequestsPerClient", s.requestsPerClient);
        details.put("exhaustedClients", exhausted);
        details.put("sendersNotStopped", notStopped);
        details.put("stopSeconds", Math.round((stopped - end) / 1e7) / 100.0);
        details.put("warmupOperations", warmupOperations);
        details.put("warmupErrors", warmErrors.byKind());
        report.put("details", details);
        return report;
    }

    private static int countAcked(ClientRun r, int request) {
        int n = 0;
        for (int k = 0; k < r.requests.get(request).hashes().size(); k++) {
            n += r.acked[r.firstTx[request] + k] ? 1 : 0;
        }
        return n;
    }

    /** One client's sender: its requests in order until the end, the open loop's schedule, or its last request. */
    private static void send(ClientRun r, Settings s, long start, long timedStart, long end, double interval,
                             LongAdder acked, LoadErrors warmErrors, LoadErrors errors) {
        long pauseMillis = 0;
        try {
            for (int i = 0; i < r.requests.size(); i++) {
                long sentAt = System.nanoTime();
                if (interval > 0) {
                    long due = dueNanos(start, r.client.index, s.clients, interval, i);
                    if (due >= end) {
                        return;
                    }
                    if (due > sentAt) {
                        Thread.sleep(Duration.ofNanos(due - sentAt));
                    } else if (sentAt >= end) {
                        return;
                    }
                    sentAt = due;
                } else if (sentAt >= end) {
                    return;
                } else if (sentAt < start) {
                    Thread.sleep(Duration.ofNanos(start - sentAt));
                    sentAt = System.nanoTime();
                }
                Request q = r.requests.get(i);
                r.sentAt[i] = sentAt;
                r.sent = i + 1;
                LoadErrors counted = sentAt >= timedStart ? errors : warmErrors;
                String failure = post(r, i, q, acked, counted);
                if (failure == null) {
                    pauseMillis = 0;
                } else if (interval == 0) {
                    // A closed loop must not spin on a network that refuses it.
                    pauseMillis = Math.min(Math.max(10, 2 * pauseMillis), 1000);
                    Thread.sleep(Math.max(0, Math.min(pauseMillis, (end - System.nanoTime()) / 1_000_000)));
                }
            }
            r.exhausted = true;
        } catch (InterruptedException e) {
            // stopped
        }
    }

    /** Sends request {@code i} and records its answer; returns null, or the kind of a failure of the whole request. */
    private static String post(ClientRun r, int i, Request q, LongAdder acked, LoadErrors errors) throws InterruptedException {
        String kind;
        try {
            ContentResponse resp = r.client.http.post("/app/ethereum", q.body());
            long now = System.nanoTime();
            if (resp.getStatus() != 200) {
                kind = LoadErrors.kindOf(resp.getStatus(), resp.getContentAsString());
            } else {
                JsonNode answer = JSON.readTree(resp.getContent());
                int ok = 0;
                if (!q.writes()) {
                    if (answer.hasNonNull("result")) {
                        ok = 1;
                    } else {
                        errors.count(rpcKind(answer));
                    }
                } else {
                    for (int k = 0; k < q.hashes().size(); k++) {
                        JsonNode a = answer.isArray() ? answer.path(k) : answer;
                        if (answer.isArray() && a.path("id").asInt(-1) != k) {
                            a = byId(answer, k);
                        }
                        if (a != null && a.hasNonNull("result")) {
                            r.acked[r.firstTx[i] + k] = true;
                            ok++;
                        } else {
                            errors.count(a == null ? "rpc:missing answer" : rpcKind(a));
                        }
                    }
                }
                if (ok > 0) {
                    r.answeredAt[i] = now;
                    acked.add(ok);
                }
                return null;
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            kind = LoadErrors.kindOf(e);
        }
        for (int k = 0; k < q.operations(); k++) {
            errors.count(kind);
        }
        return kind;
    }

    private static JsonNode byId(JsonNode batch, int id) {
        for (JsonNode a : batch) {
            if (a.path("id").asInt(-1) == id) {
                return a;
            }
        }
        return null;
    }

    /** The kind of a JSON-RPC error answer: {@code rpc:<message>} with its numbers replaced by #. */
    static String rpcKind(JsonNode answer) {
        String message = answer.path("error").path("message").asText(answer.toString());
        if (message.length() > 80) {
            message = message.substring(0, 80);
        }
        return "rpc:" + message.replaceAll("0x[0-9a-fA-F]+|[0-9]+", "#");
    }

    /** Every second until {@code end}, a progress line: acknowledged operations, errors, blocks the commit point trails. */
    private static void progress(long start, long timedStart, long end, LongAdder acked, LoadErrors warmErrors,
                                 LoadErrors errors, Rpc rpc, PrintStream log) throws InterruptedException {
        long previous = 0;
        for (long at = start + SECOND; at <= end; at += SECOND) {
            sleepUntil(at);
            boolean warm = at <= timedStart;
            long second = (at - (warm ? start : timedStart)) / SECOND;
            long now = acked.sum();
            String lag;
            try {
                long latest = Long.decode(call(rpc, "eth_blockNumber", "[]").asText());
                long finalized = Long.decode(call(rpc, "eth_getBlockByNumber", "[\"finalized\",false]").path("number").asText());
                lag = String.format(Locale.ROOT, "%,d blocks", Math.max(0, latest - finalized));
            } catch (Exception e) {
                lag = null;
            }
            log.println(ProgressLine.format(warm, second, now - previous, "acked operations/s",
                    (warm ? warmErrors : errors).total(), lag, null));
            previous = now;
        }
        sleepUntil(end);
    }

    /** Fetches every sent transaction's receipt (each client its own, in batches): block, status, the workload's tally. */
    private static void fetchReceipts(List<ClientRun> runs, Workload w) throws Exception {
        try {
            parallel(runs.size(), c -> {
                ClientRun r = runs.get(c);
                List<Integer> txs = new ArrayList<>();
                List<String> hashes = new ArrayList<>();
                for (int i = 0; i < r.sent; i++) {
                    List<String> h = r.requests.get(i).hashes();
                    for (int k = 0; k < h.size(); k++) {
                        txs.add(r.firstTx[i] + k);
                        hashes.add(h.get(k));
                    }
                }
                for (int from = 0; from < txs.size(); from += RECEIPT_BATCH) {
                    StringBuilder b = new StringBuilder("[");
                    int to = Math.min(txs.size(), from + RECEIPT_BATCH);
                    for (int j = from; j < to; j++) {
                        b.append(j > from ? "," : "").append("{\"jsonrpc\":\"2.0\",\"id\":").append(j)
                                .append(",\"method\":\"eth_getTransactionReceipt\",\"params\":[\"").append(hashes.get(j))
                                .append("\"]}");
                    }
                    JsonNode answer = JSON.readTree(r.client.http.post("/app/ethereum", b.append(']').toString())
                            .getContentAsString());
                    for (JsonNode a : answer) {
                        JsonNode receipt = a.path("result");
                        if (!receipt.isObject()) {
                            continue;
                        }
                        int tx = txs.get(a.path("id").asInt());
                        r.block[tx] = Long.decode(receipt.path("blockNumber").asText());
                        r.status[tx] = (byte) (receipt.path("status").asText().equals("0x1") ? 1 : 0);
                        r.tally[tx] = w.tally(receipt);
                    }
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("could not fetch the receipts: " + e, e);
        }
    }

    /** One JSON-RPC call; its result, or an exception with its error. */
    static JsonNode call(EthereumCompare.Rpc rpc, String method, String params) throws Exception {
        JsonNode a = JSON.readTree(rpc.post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"));
        if (a.has("error") || !a.has("result")) {
            throw new IllegalStateException(method + ": " + a.path("error"));
        }
        return a.get("result");
    }

    /**
     * Sends signed transactions of one client in JSON-RPC batches (of at most 50) and waits for
     * each receipt; throws unless every one has status 1. Returns the receipts.
     */
    static List<JsonNode> sendAll(Client c, List<byte[]> raws) throws Exception {
        List<String> hashes = new ArrayList<>();
        for (int from = 0; from < raws.size(); from += 50) {
            StringBuilder b = new StringBuilder("[");
            for (int i = from; i < Math.min(raws.size(), from + 50); i++) {
                b.append(i > from ? "," : "").append(EthTransactions.sendRawCall(raws.get(i), i));
                hashes.add(EthTransactions.hash(raws.get(i)));
            }
            JsonNode answer = JSON.readTree(c.http.post("/app/ethereum", b.append(']').toString()).getContentAsString());
            for (JsonNode a : answer) {
                if (!a.hasNonNull("result")) {
                    throw new IllegalStateException("setup transaction refused: " + a);
                }
            }
        }
        List<JsonNode> receipts = new ArrayList<>();
        for (String h : hashes) {
            JsonNode receipt = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((receipt == null || !receipt.isObject()) && System.nanoTime() < deadline) {
                receipt = c.call("eth_getTransactionReceipt", "[\"" + h + "\"]");
                if (!receipt.isObject()) {
                    Thread.sleep(20);
                }
            }
            if (receipt == null || !receipt.path("status").asText().equals("0x1")) {
                throw new IllegalStateException("setup transaction " + h + " failed: " + receipt);
            }
            receipts.add(receipt);
        }
        return receipts;
    }

    @FunctionalInterface
    interface IndexTask {
        void run(int i) throws Exception;
    }

    /** Runs {@code task(0..n-1)} on virtual threads; rethrows the first failure. */
    static void parallel(int n, IndexTask task) throws Exception {
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
            throw failures.getFirst();
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    private static Double percentileMs(List<Long> nanos, double p) {
        if (nanos.isEmpty()) {
            return null;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return LoggingLoad.percentileMs(sorted, p);
    }
}
