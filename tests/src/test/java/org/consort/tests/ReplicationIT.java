package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Hashes;
import org.consort.crypto.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-node network of real processes: writes through every node, reads from every node,
 * identical ledgers; kill -9 of the primary under load, with every write reported Committed
 * still there on every node; the killed node restarts and catches up; a node is retired by
 * vote and a fourth joins; a node whose code is not allowed cannot join.
 */
class ReplicationIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private record NodeRef(String id, String url, long pid, Path dir) {
    }

    @Test
    void aThreeNodeNetworkSurvivesItsPrimaryAndChangesMembers() throws Exception {
        Path dir = tmp.resolve("sandbox");
        List<ConsortProcess> extra = new ArrayList<>();
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--nodes", "3", "--dir", dir.toString(), "--users", "1",
                "--snapshot-every", "20")) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(240));
            JsonNode net = JSON.readTree(dir.resolve("network.json").toFile());
            Path serviceCert = Path.of(net.get("serviceCert").asText());
            Path userCert = Path.of(net.at("/users/0/cert").asText());
            Path userKey = Path.of(net.at("/users/0/key").asText());
            List<NodeRef> nodes = new ArrayList<>();
            for (JsonNode n : net.withArray("nodes")) {
                nodes.add(new NodeRef(n.get("id").asText(), n.get("url").asText(), n.get("pid").asLong(),
                        Path.of(n.get("nodeDir").asText())));
            }
            assertThat(nodes).hasSize(3);
            List<ConsortClient> users = new ArrayList<>();
            for (NodeRef n : nodes) {
                users.add(ConsortClient.connect(n.url(), serviceCert, userCert, userKey));
            }

            // Writes through every node (backups forward them), reads from every node.
            String last = null;
            for (int i = 0; i < 60; i++) {
                ConsortClient.Response r = users.get(i % 3).postJson("/app/log/private", Map.of("id", i, "msg", "m" + i));
                assertThat(r.status()).as(r.text()).isEqualTo(200);
                last = r.transactionId().orElseThrow();
            }
            for (ConsortClient u : users) {
                assertThat(u.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
            }
            for (ConsortClient u : users) {
                for (int i = 0; i < 60; i += 7) {
                    assertThat(u.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("m" + i);
                }
            }
            awaitSameCommit(users, Duration.ofSeconds(30));
            assertSameLedgers(nodes);

            // An Ethereum transfer signed by the user's bound key, sent through a backup (forwarded
            // to the primary's sequencer), is mined and its receipt is read from the other backup.
            int ethPrimary = primaryIndex(users.get(0), nodes);
            ConsortClient viaBackup = users.get((ethPrimary + 1) % 3);
            ConsortClient otherBackup = users.get((ethPrimary + 2) % 3);
            long chainId = Long.decode(rpc(viaBackup, "eth_chainId", List.of()).path("result").asText());
            org.web3j.crypto.Credentials eth = org.web3j.crypto.Credentials.create(net.at("/users/0/ethereumPrivateKey").asText());
            String nonce = rpc(viaBackup, "eth_getTransactionCount", List.of(eth.getAddress(), "pending")).path("result").asText();
            org.web3j.crypto.RawTransaction transfer = org.web3j.crypto.RawTransaction.createEtherTransaction(
                    new java.math.BigInteger(nonce.substring(2), 16), java.math.BigInteger.ZERO, java.math.BigInteger.valueOf(21_000),
                    "0x00000000000000000000000000000000000000aa", java.math.BigInteger.valueOf(12345));
            String raw = org.web3j.utils.Numeric.toHexString(org.web3j.crypto.TransactionEncoder.signMessage(transfer, chainId, eth));
            JsonNode sent = rpc(viaBackup, "eth_sendRawTransaction", List.of(raw));
            assertThat(sent.has("result")).as(sent.toString()).isTrue();
            String txHash = sent.path("result").asText();
            JsonNode receipt = null;
            long ethDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < ethDeadline) {
                receipt = rpc(otherBackup, "eth_getTransactionReceipt", List.of(txHash)).path("result");
                if (receipt.isObject()) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(receipt).as("receipt of %s on another node", txHash).isNotNull();
            assertThat(receipt.path("status").asText()).isEqualTo("0x1");

            // Steady load through the two backups while the primary is killed.
            int primary = primaryIndex(users.get(0), nodes);
            List<Integer> backups = new ArrayList<>(List.of(0, 1, 2));
            backups.remove(Integer.valueOf(primary));
            Map<Long, String> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failures = new AtomicInteger();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                ConsortClient u = users.get(backups.get(w % 2));
                long base = 1_000_000L * (w + 1);
                writers.add(Thread.ofPlatform().start(() -> {
                    long k = base;
                    while (!stop.get()) {
                        try {
                            ConsortClient.Response r = u.postJson("/app/log/private", Map.of("id", k, "msg", "load " + k));
                            if (r.status() == 200) {
                                acknowledged.put(k, r.transactionId().orElseThrow());
                                k++;
                            } else {
                                failures.incrementAndGet(); // 503 while there is no primary: retried
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                }));
            }
            awaitCount(acknowledged, 100, Duration.ofSeconds(60));
            int beforeKill = acknowledged.size();
            ProcessHandle.of(nodes.get(primary).pid()).orElseThrow().destroyForcibly();
            long killedAt = System.nanoTime();
            awaitCount(acknowledged, beforeKill + 1, Duration.ofSeconds(60));
            // The first write acknowledged after the kill may have been executed just before it;
            // wait for one that the new primary committed.
            ConsortClient survivor = users.get(backups.get(0));
            String newPrimaryTx = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (newPrimaryTx == null && System.nanoTime() < deadline) {
                for (String tx : acknowledged.values()) {
                    if (!tx.startsWith(firstView(last) + ".") && survivor.get("/node/tx?transaction_id=" + tx).json()
                            .path("status").asText().equals("Committed")) {
                        newPrimaryTx = tx;
                        break;
                    }
                }
                Thread.sleep(20);
            }
            double failoverSeconds = (System.nanoTime() - killedAt) / 1e9;
            assertThat(newPrimaryTx).as("a write committed by the new primary").isNotNull();
            System.out.printf("failover: first write committed by the new primary %.2f s after kill -9 of the primary%n",
                    failoverSeconds);
            awaitCount(acknowledged, acknowledged.size() + 200, Duration.ofSeconds(60));
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }

            // Every write reported Committed is on both survivors.
            List<ConsortClient> alive = List.of(users.get(backups.get(0)), users.get(backups.get(1)));
            int committed = 0;
            for (Map.Entry<Long, String> e : acknowledged.entrySet()) {
                String status = alive.get(0).awaitStatus(e.getValue(), Duration.ofSeconds(30));
                if (status.equals("Committed")) {
                    committed++;
                    for (ConsortClient u : alive) {
                        assertThat(u.get("/app/log/private?id=" + e.getKey()).json().path("msg").asText())
                                .as("committed write %s", e.getValue()).isEqualTo("load " + e.getKey());
                    }
                }
            }
            assertThat(committed).isGreaterThan(300);

            // The killed node restarts from its folder and catches up by itself.
            NodeRef killed = nodes.get(primary);
            ConsortProcess restarted = ConsortProcess.start("node", primary == 0 ? "start" : "join", "--config",
                    killed.dir().resolve("config.json").toString());
            extra.add(restarted);
            restarted.awaitOutput("listening on https://", Duration.ofSeconds(120));
            ConsortClient back = ConsortClient.connect(killed.url(), serviceCert, userCert, userKey);
            String lastCommitted = alive.get(0).get("/node/commit").json().path("transactionId").asText();
            assertThat(back.awaitStatus(lastCommitted, Duration.ofSeconds(60))).isEqualTo("Committed");
            for (Map.Entry<Long, String> e : acknowledged.entrySet()) {
                if (alive.get(0).get("/node/tx?transaction_id=" + e.getValue()).json().path("status").asText().equals("Committed")) {
                    assertThat(back.get("/app/log/private?id=" + e.getKey()).json().path("msg").asText()).isEqualTo("load " + e.getKey());
                }
            }
            ConsortClient.Response w = postRetrying(back, Map.of("id", 5, "msg", "after restart"));
            assertThat(w.status()).as(w.text()).isEqualTo(200);
            awaitSameCommit(users, Duration.ofSeconds(30));
            assertSameLedgers(nodes);

            // A node whose code is not allowed is refused, with the reason.
            HttpResponse<String> refused = joinRequest(nodes.get(0).url(), serviceCert, "00".repeat(32));
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("MeasurementNotAllowed");

            // Retire one node by vote: it leaves the group and stops; the others go on.
            List<MemberClient> members = new ArrayList<>();
            for (JsonNode m : net.withArray("members")) {
                members.add(MemberClient.connect(nodes.get(0).url(), serviceCert, Path.of(m.get("cert").asText()),
                        Path.of(m.get("key").asText())));
            }
            int retiredIndex = backups.get(1);
            NodeRef retired = nodes.get(retiredIndex);
            MemberClient.retireNode(members, retired.id(), Duration.ofSeconds(60));
            ProcessHandle retiredProcess = ProcessHandle.of(retired.pid()).orElseThrow();
            retiredProcess.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            ConsortClient.Response afterRetire = postRetrying(users.get(0), Map.of("id", 6, "msg", "two nodes"));
            assertThat(afterRetire.status()).as(afterRetire.text()).isEqualTo(200);
            assertThat(users.get(0).awaitStatus(afterRetire.transactionId().orElseThrow(), Duration.ofSeconds(30)))
                    .isEqualTo("Committed");

            // A fourth node joins, is trusted by vote and catches up.
            Path fourthDir = dir.resolve("node3");
            Files.createDirectories(fourthDir);
            ObjectNode config = (ObjectNode) JSON.readTree(nodes.get(0).dir().resolve("config.json").toFile());
            config.put("nodeDir", fourthDir.toString());
            config.put("ledgerDir", fourthDir.resolve("ledger").toString());
            config.put("port", 0);
            config.putArray("initialMembers");
            config.putArray("initialUsers");
            config.putObject("join").put("target", nodes.get(0).url()).put("serviceCert", serviceCert.toString());
            Files.write(fourthDir.resolve("config.json"), JSON.writeValueAsBytes(config));
            ConsortProcess fourth = ConsortProcess.start("node", "join", "--config", fourthDir.resolve("config.json").toString());
            extra.add(fourth);
            fourth.awaitOutput("is Pending", Duration.ofSeconds(120));
            String fourthId = Certificates.keyId(Pem.readCertificate(Files.readString(fourthDir.resolve("join_cert.pem"))));
            MemberClient.trustNode(members, fourthId, Duration.ofSeconds(60));
            fourth.awaitOutput("listening on https://", Duration.ofSeconds(120));
            JsonNode startup = JSON.readTree(fourthDir.resolve("startup.json").toFile());
            ConsortClient fourthUser = ConsortClient.connect(startup.get("url").asText(), serviceCert, userCert, userKey);
            assertThat(fourthUser.awaitStatus(afterRetire.transactionId().orElseThrow(), Duration.ofSeconds(60)))
                    .isEqualTo("Committed");
            assertThat(fourthUser.get("/app/log/private?id=6").json().path("msg").asText()).isEqualTo("two nodes");
            assertThat(fourthUser.get("/app/log/private?id=5").json().path("msg").asText()).isEqualTo("after restart");
            ConsortClient.Response viaFourth = postRetrying(fourthUser, Map.of("id", 7, "msg", "via the fourth"));
            assertThat(viaFourth.status()).as(viaFourth.text()).isEqualTo(200);
            assertThat(users.get(0).awaitStatus(viaFourth.transactionId().orElseThrow(), Duration.ofSeconds(30)))
                    .isEqualTo("Committed");
            // Snapshots every 20 batches let the log drop what they cover: the fourth node started from one.
            assertThat(fourthDir.resolve("ledger").resolve("ledger-base.json")).exists();
            assertThat(fourthUser.get("/app/log/private?id=3").json().path("msg").asText()).isEqualTo("m3");
            ConsortProcess.Result verified = ConsortProcess.run(Duration.ofSeconds(60), "ledger", "verify",
                    fourthDir.resolve("ledger").toString(), "--service-cert", serviceCert.toString());
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            assertThat(verified.output()).contains("started from a snapshot");
            JsonNode listed = users.get(0).get("/node/network/nodes").json().path("nodes");
            assertThat(listed.toString()).contains(fourthId).contains("Retired");

            // The fourth node, whose ledger begins at a snapshot, is stopped (SIGTERM) and started again with its
            // configuration: it loads its snapshot, replays its ledger after it and catches up with what it missed.
            fourth.stop(Duration.ofSeconds(60));
            ConsortClient.Response whileStopped = postRetrying(users.get(0), Map.of("id", 8, "msg", "while the fourth was stopped"));
            assertThat(whileStopped.status()).as(whileStopped.text()).isEqualTo(200);
            assertThat(users.get(0).awaitStatus(whileStopped.transactionId().orElseThrow(), Duration.ofSeconds(30)))
                    .isEqualTo("Committed");
            ConsortProcess fourthAgain = ConsortProcess.start("node", "join", "--config",
                    fourthDir.resolve("config.json").toString());
            extra.add(fourthAgain);
            fourthAgain.awaitOutput("listening on https://", Duration.ofSeconds(120));
            assertThat(fourthAgain.output()).contains("started from snapshot").doesNotContain("InvariantViolation");
            ConsortClient fourthBack = ConsortClient.connect(startup.get("url").asText(), serviceCert, userCert, userKey);
            assertThat(fourthBack.awaitStatus(whileStopped.transactionId().orElseThrow(), Duration.ofSeconds(60)))
                    .isEqualTo("Committed");
            assertThat(fourthBack.get("/app/log/private?id=3").json().path("msg").asText()).isEqualTo("m3");
            assertThat(fourthBack.get("/app/log/private?id=7").json().path("msg").asText()).isEqualTo("via the fourth");
            assertThat(fourthBack.get("/app/log/private?id=8").json().path("msg").asText())
                    .isEqualTo("while the fourth was stopped");
            ConsortClient.Response afterFourthRestart = postRetrying(fourthBack, Map.of("id", 9, "msg", "after the fourth restarted"));
            assertThat(afterFourthRestart.status()).as(afterFourthRestart.text()).isEqualTo(200);
            assertThat(users.get(0).awaitStatus(afterFourthRestart.transactionId().orElseThrow(), Duration.ofSeconds(30)))
                    .isEqualTo("Committed");
            assertThat(fourthBack.awaitStatus(afterFourthRestart.transactionId().orElseThrow(), Duration.ofSeconds(30)))
                    .isEqualTo("Committed");
        } finally {
            for (ConsortProcess p : extra) {
                p.close();
            }
        }
    }

    private static JsonNode rpc(ConsortClient c, String method, List<Object> params) throws Exception {
        ConsortClient.Response r = c.postJson("/app/ethereum", Map.of("jsonrpc", "2.0", "id", 1, "method", method,
                "params", params));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json();
    }

    /** Writes as a client should: a 503 (no primary right now) is retried after its Retry-After. */
    private static ConsortClient.Response postRetrying(ConsortClient c, Map<String, Object> record) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            ConsortClient.Response r = c.postJson("/app/log/private", record);
            if (r.status() != 503 || System.nanoTime() > deadline) {
                return r;
            }
            assertThat(r.headers().firstValue("retry-after")).isPresent();
            Thread.sleep(100);
        }
    }

    private static long firstView(String txId) {
        return Long.parseLong(txId.substring(0, txId.indexOf('.')));
    }

    private static int primaryIndex(ConsortClient any, List<NodeRef> nodes) throws Exception {
        String id = any.get("/node/network/nodes/primary").json().path("nodeId").asText();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).id().equals(id)) {
                return i;
            }
        }
        throw new AssertionError("primary " + id + " is not one of the nodes");
    }

    private static void awaitCount(Map<?, ?> map, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (map.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + map.size() + " of " + n + " writes acknowledged within " + timeout);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until every node reports the same commit point, which nothing moves any more. */
    private static void awaitSameCommit(List<ConsortClient> nodes, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> seen = new ArrayList<>();
            for (ConsortClient c : nodes) {
                try {
                    seen.add(c.get("/node/state").json().path("committedSeqno").asText() + "/"
                            + c.get("/node/state").json().path("lastSeqno").asText());
                } catch (java.io.IOException e) {
                    seen.add("down");
                }
            }
            if (seen.stream().distinct().count() == 1) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nodes did not converge: " + seen);
            }
            Thread.sleep(50);
        }
    }

    /**
     * Every node's ledger holds the same entries, byte for byte, where they overlap, and they all
     * end at the same seqno. (A node that started from a snapshot holds the entries after it only.)
     */
    private static void assertSameLedgers(List<NodeRef> nodes) throws Exception {
        java.util.TreeMap<Long, String> reference = null;
        for (NodeRef n : nodes) {
            Path dir = n.dir().resolve("ledger");
            long first = org.consort.ledger.LedgerBase.read(dir).map(b -> b.last().seqno() + 1).orElse(1L);
            java.util.TreeMap<Long, String> digests = new java.util.TreeMap<>();
            long view = 0;
            for (org.consort.ledger.ChunkFiles.Chunk c : org.consort.ledger.ChunkFiles.list(dir, first)) {
                view = org.consort.ledger.ChunkFiles.scan(c, view, 64 << 20, (e, off) ->
                        digests.put(e.txId().seqno(), HexFormat.of().formatHex(e.writeSetDigest()))).lastView();
            }
            assertThat(digests).as("entries of node %s", n.id()).isNotEmpty();
            if (reference == null) {
                reference = digests;
                continue;
            }
            assertThat(digests.lastKey()).as("last seqno of node %s", n.id()).isEqualTo(reference.lastKey());
            for (Map.Entry<Long, String> e : digests.entrySet()) {
                if (reference.containsKey(e.getKey())) {
                    assertThat(e.getValue()).as("entry %d of node %s", e.getKey(), n.id()).isEqualTo(reference.get(e.getKey()));
                }
            }
            if (digests.firstKey() < reference.firstKey()) {
                reference = digests;
            }
        }
    }

    /** A join request from a fresh self-signed key, claiming {@code measurement}. */
    private static HttpResponse<String> joinRequest(String url, Path serviceCert, String measurement) throws Exception {
        KeyPair kp = EcCurve.P384.generateKeyPair(new SecureRandom());
        X509Certificate cert = Certificates.selfSigned(kp, "foreign node", Instant.now().minusSeconds(60), Duration.ofDays(1),
                new SecureRandom());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("service", Pem.readCertificate(Files.readString(serviceCert)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", kp.getPrivate(), new char[0], new X509Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
        String report = HexFormat.of().formatHex(Hashes.sha256(cert.getPublicKey().getEncoded()));
        String body = JSON.writeValueAsString(Map.of("url", "https://127.0.0.1:1", "raftAddress", "127.0.0.1:2",
                "attestation", Map.of("platform", "virtual", "measurement", measurement, "reportData", report)));
        return http.send(HttpRequest.newBuilder(URI.create(url + "/node/join")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
