package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Pem;

/**
 * Governance measurements against a sandbox it starts itself (not a test: it prints numbers).
 *
 * <p>{@code --mode latency}: proposal-to-applied latency of a simple action ({@code set_user_data})
 * with {@code --members N}: one member proposes, members vote one after the other until the
 * constitution accepts (a strict majority), and the time from sending the proposal to the answer
 * of the accepting ballot (applied on the primary) and to that transaction's commit is taken;
 * the median of {@code --proposals} such proposals is reported.
 *
 * <p>{@code --mode recovery}: fills the ledger with {@code --entries} private logging writes, stops
 * the network, starts {@code consort node recover} on a copy of the ledger, and times until the
 * node listens (public state replayed), until members voted it open, and until 2 of 3 shares
 * brought the private state back (service Open).
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.GovernanceBench --mode latency --members 7 [--nodes 3] [--proposals 15]
 * java -cp bench/target/consort-bench.jar org.consort.bench.GovernanceBench --mode recovery [--entries 100000] [--nodes 1] [--clients 32]
 * </pre>
 */
public final class GovernanceBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = LoggingLoad.options(args);
        Path jar = Path.of(opt.getOrDefault("jar", "cli/target/consort.jar")).toAbsolutePath();
        String mode = opt.getOrDefault("mode", "latency");
        Path dir = Files.createTempDirectory("consort-gov-bench");
        try {
            Map<String, Object> report = switch (mode) {
                case "latency" -> latency(jar, dir, opt);
                case "recovery" -> recovery(jar, dir, opt);
                default -> throw new IllegalArgumentException("--mode latency|recovery, not " + mode);
            };
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Process sandbox(Path jar, Path dir, String nodes, String members, String users, Map<String, String> opt)
            throws Exception {
        Process p = new ProcessBuilder(LoggingLoad.javaCommand(jar, "sandbox", "--dir", dir.toString(), "--nodes", nodes,
                "--members", members, "--users", users,
                "--node-java-options", opt.getOrDefault("node-java-options", "-Xms1g -Xmx2g")))
                .redirectErrorStream(true).start();
        SandboxProcess.awaitLine(p, "Try: curl");
        return p;
    }

    private static String primaryUrl(JsonNode network) {
        for (JsonNode n : network.withArray("nodes")) {
            if (n.path("primary").asBoolean()) {
                return n.get("url").asText();
            }
        }
        return network.at("/nodes/0/url").asText();
    }

    private static Map<String, Object> latency(Path jar, Path dir, Map<String, String> opt) throws Exception {
        int memberCount = Integer.parseInt(opt.getOrDefault("members", "3"));
        int proposals = Integer.parseInt(opt.getOrDefault("proposals", "15"));
        String nodes = opt.getOrDefault("nodes", "3");
        Process sandbox = sandbox(jar, dir.resolve("sandbox"), nodes, Integer.toString(memberCount), "1", opt);
        try {
            JsonNode network = JSON.readTree(dir.resolve("sandbox/network.json").toFile());
            Path serviceCert = Path.of(network.get("serviceCert").asText());
            String url = primaryUrl(network);
            List<MemberClient> members = new ArrayList<>();
            for (JsonNode m : network.withArray("members")) {
                members.add(MemberClient.connect(url, serviceCert, Path.of(m.get("cert").asText()), Path.of(m.get("key").asText())));
            }
            String userId = network.at("/users/0/id").asText();
            ConsortClient checker = ConsortClient.connect(url, serviceCert, null, null);
            List<Double> applied = new ArrayList<>();
            List<Double> committed = new ArrayList<>();
            int votes = 0;
            for (int i = -2; i < proposals; i++) { // two warm-up rounds
                String proposal = JSON.writeValueAsString(Map.of("actions", List.of(Map.of("name", "set_user_data",
                        "args", Map.of("user_id", userId, "user_data", Map.of("round", i))))));
                long t0 = System.nanoTime();
                ConsortClient.Response created = members.get(0).propose(proposal);
                if (created.status() != 200) {
                    throw new IllegalStateException("proposal refused: " + created.text());
                }
                String id = created.json().path("proposalId").asText();
                ConsortClient.Response accepting = null;
                int ballots = 0;
                for (MemberClient m : members) {
                    ConsortClient.Response v = m.vote(id, MemberClient.ACCEPT_BALLOT);
                    ballots++;
                    if (v.status() != 200) {
                        throw new IllegalStateException("vote refused: " + v.text());
                    }
                    if (v.json().path("state").asText().equals("Accepted")) {
                        accepting = v;
                        break;
                    }
                }
                if (accepting == null) {
                    throw new IllegalStateException("proposal " + id + " was not accepted");
                }
                long t1 = System.nanoTime();
                String status = checker.awaitStatus(accepting.transactionId().orElseThrow(), Duration.ofSeconds(30));
                long t2 = System.nanoTime();
                if (!status.equals("Committed")) {
                    throw new IllegalStateException("accepting ballot " + accepting.transactionId() + " is " + status);
                }
                if (i >= 0) {
                    applied.add((t1 - t0) / 1e6);
                    committed.add((t2 - t0) / 1e6);
                    votes = ballots;
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("mode", "latency");
            r.put("nodes", Integer.parseInt(nodes));
            r.put("members", memberCount);
            r.put("ballotsToAccept", votes);
            r.put("proposals", proposals);
            r.put("proposalToAppliedMsMedian", median(applied));
            r.put("proposalToAppliedMsMin", applied.stream().mapToDouble(Double::doubleValue).min().orElse(0));
            r.put("proposalToAppliedMsMax", applied.stream().mapToDouble(Double::doubleValue).max().orElse(0));
            r.put("proposalToCommittedMsMedian", median(committed));
            return r;
        } finally {
            sandbox.destroy();
            sandbox.waitFor();
        }
    }

    private static Map<String, Object> recovery(Path jar, Path dir, Map<String, String> opt) throws Exception {
        int entries = Integer.parseInt(opt.getOrDefault("entries", "100000"));
        int clients = Integer.parseInt(opt.getOrDefault("clients", "32"));
        String nodes = opt.getOrDefault("nodes", "1");
        Process sandbox = sandbox(jar, dir.resolve("sandbox"), nodes, "3", "1", opt);
        JsonNode network;
        double fillSeconds;
        long lastSeqno;
        try {
            network = JSON.readTree(dir.resolve("sandbox/network.json").toFile());
            Path serviceCert = Path.of(network.get("serviceCert").asText());
            String url = primaryUrl(network);
            Path cert = Path.of(network.at("/users/0/cert").asText());
            Path key = Path.of(network.at("/users/0/key").asText());
            ConsortClient user = ConsortClient.connect(url, serviceCert, cert, key);
            // Recovery shares are issued once the service opened; wait for them before filling.
            awaitStatus(user, "/gov/recovery/encrypted-share/" + network.at("/members/0/id").asText(), 200, Duration.ofSeconds(60));
            AtomicLong next = new AtomicLong();
            AtomicLong maxSeqno = new AtomicLong();
            String[] lastTx = new String[1];
            String msg = "m".repeat(100);
            long t0 = System.nanoTime();
            try (JettyLoadClient load = new JettyLoadClient(url, serviceCert, cert, key, false, clients)) {
                List<Thread> threads = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    threads.add(Thread.ofVirtual().start(() -> {
                        long k;
                        while ((k = next.getAndIncrement()) < entries) {
                            try {
                                var r = load.post("/app/log/private", "{\"id\":" + k + ",\"msg\":\"" + msg + "\"}");
                                if (r.getStatus() != 200) {
                                    next.decrementAndGet(); // retried below by another id
                                    continue;
                                }
                                String tx = r.getHeaders().get(ConsortClient.TX_ID_HEADER);
                                long seqno = Long.parseLong(tx.substring(tx.indexOf('.') + 1));
                                synchronized (lastTx) {
                                    if (seqno > maxSeqno.get()) {
                                        maxSeqno.set(seqno);
                                        lastTx[0] = tx;
                                    }
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException("write failed: " + e.getMessage(), e);
                            }
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
            }
            String status = user.awaitStatus(lastTx[0], Duration.ofSeconds(120));
            if (!status.equals("Committed")) {
                throw new IllegalStateException("last write " + lastTx[0] + " is " + status);
            }
            fillSeconds = (System.nanoTime() - t0) / 1e9;
            lastSeqno = maxSeqno.get();
        } finally {
            sandbox.destroy();
            sandbox.waitFor();
        }

        Path recovered = dir.resolve("recovered");
        Path ledgerCopy = recovered.resolve("ledger");
        copyTree(Path.of(network.at("/nodes/0/ledgerDir").asText()), ledgerCopy);
        long ledgerBytes;
        try (Stream<Path> s = Files.walk(ledgerCopy)) {
            ledgerBytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("nodeDir", recovered.resolve("node").toString());
        config.put("ledgerDir", ledgerCopy.toString());
        Files.write(recovered.resolve("config.json"), JSON.writeValueAsBytes(config));
        long t0 = System.nanoTime();
        Process node = new ProcessBuilder(LoggingLoad.javaCommand(jar, "node", "recover", "--config",
                recovered.resolve("config.json").toString())).redirectErrorStream(true)
                .redirectOutput(recovered.resolve("node.log").toFile()).start();
        try {
            Path startup = recovered.resolve("node/startup.json");
            awaitFile(node, startup, Duration.ofMinutes(10), recovered.resolve("node.log"));
            long tListening = System.nanoTime();
            String url = JSON.readTree(startup.toFile()).get("url").asText();
            Path newServiceCert = recovered.resolve("node/service_cert.pem");
            ConsortClient anyone = ConsortClient.connect(url, newServiceCert, null, null);
            List<MemberClient> members = new ArrayList<>();
            for (JsonNode m : network.withArray("members")) {
                members.add(MemberClient.connect(url, newServiceCert, Path.of(m.get("cert").asText()), Path.of(m.get("key").asText())));
            }
            MemberClient.pass(members, "{\"actions\": [{\"name\": \"transition_service_to_open\", \"args\": {}}]}",
                    Duration.ofSeconds(60));
            long tVoted = System.nanoTime();
            for (int i = 0; i < 2; i++) {
                ConsortClient.Response r = members.get(i).submitRecoveryShare(Pem.readRsaPrivateKey(Files.readString(
                        Path.of(network.at("/members/" + i + "/encryptionPrivateKey").asText()))));
                if (r.status() != 200) {
                    throw new IllegalStateException("share of member " + i + " refused: " + r.text());
                }
            }
            long tShares = System.nanoTime();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (!anyone.get("/gov/service/info").json().path("status").asText().equals("Open")) {
                if (System.nanoTime() > deadline || !node.isAlive()) {
                    throw new IllegalStateException("the recovered service did not open; see " + recovered.resolve("node.log"));
                }
                Thread.sleep(20);
            }
            long tOpen = System.nanoTime();
            ConsortClient user = ConsortClient.connect(url, newServiceCert, Path.of(network.at("/users/0/cert").asText()),
                    Path.of(network.at("/users/0/key").asText()));
            String last = user.get("/app/log/private?id=" + (entries - 1)).json().path("msg").asText();
            if (!last.equals("m".repeat(100))) {
                throw new IllegalStateException("record " + (entries - 1) + " did not come back: " + last);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("mode", "recovery");
            r.put("nodesBeforeLoss", Integer.parseInt(nodes));
            r.put("privateWrites", entries);
            r.put("ledgerLastSeqno", lastSeqno);
            r.put("ledgerMiB", Math.round(ledgerBytes / 1048576.0 * 10) / 10.0);
            r.put("fillSeconds", round(fillSeconds));
            r.put("recoverStartToListeningSeconds", round((tListening - t0) / 1e9));
            r.put("openVoteSeconds", round((tVoted - tListening) / 1e9));
            r.put("sharesSubmitSeconds", round((tShares - tVoted) / 1e9));
            r.put("lastShareToOpenSeconds", round((tOpen - tShares) / 1e9));
            r.put("recoverStartToOpenSeconds", round((tOpen - t0) / 1e9));
            return r;
        } finally {
            node.destroy();
            node.waitFor();
        }
    }

    private static double round(double s) {
        return Math.round(s * 100) / 100.0;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        double m = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        return Math.round(m * 10) / 10.0;
    }

    private static void awaitStatus(ConsortClient c, String path, int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (c.get(path).status() != status) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(path + " did not answer " + status + " within " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static void awaitFile(Process p, Path file, Duration timeout, Path log) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(file)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the recovering node did not start; last lines of " + log + ":\n"
                        + tail(log, 20));
            }
            Thread.sleep(20);
        }
    }

    private static String tail(Path file, int lines) throws Exception {
        List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("consort-ledger.lock")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
