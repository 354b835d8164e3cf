package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.consort.client.ConsortClient;
import org.consort.client.ConsortClient.Response;
import org.consort.client.MemberClient;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;
import org.consort.node.config.NodeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes in this JVM that take snapshots often: a restarted node loads its latest snapshot and
 * replays only the ledger after it, a damaged snapshot is passed over, and a node whose ledger
 * begins at a snapshot (it joined from one) restarts.
 */
class SnapshotRestartNodeTest {
    /** A message near the logging application's bound, so that the replicated log rolls its segments and drops them. */
    private static final String BIG = "x".repeat(60_000);

    @TempDir
    Path dir;
    TestNetwork net;
    final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Node n : nodes) {
            n.close();
        }
    }

    /** {@code base} with a snapshot every 5 batches and the smallest batches (so the log's segments are small too). */
    private static NodeConfig snapshotting(NodeConfig base, String nodeDir, NodeConfig.Join join) {
        return new NodeConfig(nodeDir, Path.of(nodeDir, "ledger").toString(), base.host(), 0,
                join == null ? base.initialMembers() : List.of(), join == null ? base.initialUsers() : List.of(),
                base.signatureIntervalEntries(), base.signatureIntervalMs(), base.ledgerChunkBytes(), base.fsync(),
                base.limits(), null, join, new NodeConfig.Replication(null, 1 << 20, null, 300, 600, null, 5), base.ethereum(),
                base.nodeKeyCurve());
    }

    private Node start(NodeConfig config) throws Node.StartFailure {
        Node n = Node.start(config);
        nodes.add(n);
        return n;
    }

    private void stop(Node n) {
        n.close();
        nodes.remove(n);
    }

    private static List<Path> snapshots(Path nodeDir) throws Exception {
        try (Stream<Path> s = Files.walk(nodeDir.resolve(NodeFiles.RAFT_DIR))) {
            return s.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).sorted().toList();
        }
    }

    /** A condition polled until it holds. */
    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 20 ms and fails naming {@code what} if it does not hold within {@code timeout}. */
    private static void awaitTrue(String what, Duration timeout, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void awaitSnapshot(Path nodeDir) throws Exception {
        awaitTrue("a snapshot in " + nodeDir, Duration.ofSeconds(60), () -> !snapshots(nodeDir).isEmpty());
    }

    private static String write(ConsortClient user, int id, String msg) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Response r = user.postJson("/app/log/private", Map.of("id", id, "msg", msg));
            if (r.status() == 200 || r.status() != 503 || System.nanoTime() > deadline) {
                assertThat(r.status()).as(r.text()).isEqualTo(200);
                return r.transactionId().orElseThrow();
            }
            Thread.sleep(100);
        }
    }

    private static void awaitPrimary(Node n) throws Exception {
        awaitTrue("primary after the restart", Duration.ofSeconds(20), n::isPrimary);
    }

    @Test
    void aRestartedNodeStartsFromItsLatestSnapshotAndPassesOverADamagedOne() throws Exception {
        net = new TestNetwork(dir, 10);
        NodeConfig config = snapshotting(net.config, net.config.nodeDir(), null);
        Node node = start(config);
        net.open(node);
        ConsortClient user = net.user(node);
        String last = null;
        for (int i = 0; i < 60; i++) {
            last = write(user, i, "m" + i);
        }
        assertThat(user.awaitStatus(last, Duration.ofSeconds(10))).isEqualTo("Committed");
        Path nodeDir = Path.of(config.nodeDir());
        awaitSnapshot(nodeDir);
        for (int i = 60; i < 80; i++) {
            last = write(user, i, "m" + i);
        }
        assertThat(user.awaitStatus(last, Duration.ofSeconds(10))).isEqualTo("Committed");
        TestNetwork.awaitSigned(node);
        stop(node);

        long started = System.nanoTime();
        node = start(config);
        System.out.printf("restart from a snapshot: %d ms to a serving node%n", (System.nanoTime() - started) / 1_000_000);
        Node.StartReport report = node.startReport();
        assertThat(report.snapshotSeqno()).as("the store came from a snapshot").isPositive();
        assertThat(report.snapshotFile()).isPresent();
        assertThat(report.replayedEntries()).as("only the entries after the snapshot are replayed")
                .isEqualTo(node.startupSeqno() - report.snapshotSeqno())
                .isLessThan(node.startupSeqno());
        awaitPrimary(node);
        ConsortClient again = net.user(node);
        for (int i = 0; i < 80; i++) {
            assertThat(again.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("m" + i);
        }
        assertThat(again.get("/node/tx?transaction_id=" + last).json().path("status").asText()).isEqualTo("Committed");
        String afterRestart = write(again, 1000, "after the restart");
        assertThat(again.awaitStatus(afterRestart, Duration.ofSeconds(10))).isEqualTo("Committed");
        TestNetwork.awaitSigned(node);
        stop(node);

        // A flipped byte in the newest snapshot: the node says so, starts from an older one or the whole ledger.
        List<Path> files = snapshots(nodeDir);
        Path newest = files.stream().max(java.util.Comparator.comparingLong(
                p -> Long.parseLong(p.getFileName().toString().replaceAll(".*_", "")))).orElseThrow();
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 1;
        Files.write(newest, bytes);
        node = start(config);
        report = node.startReport();
        assertThat(report.snapshotFile()).isNotEqualTo(java.util.Optional.of(newest));
        assertThat(report.replayedEntries()).isEqualTo(node.startupSeqno() - report.snapshotSeqno());
        awaitPrimary(node);
        ConsortClient third = net.user(node);
        for (int i = 0; i < 80; i += 7) {
            assertThat(third.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("m" + i);
        }
        assertThat(third.get("/app/log/private?id=1000").json().path("msg").asText()).isEqualTo("after the restart");
        String afterDamage = write(third, 1001, "after the damaged snapshot");
        assertThat(third.awaitStatus(afterDamage, Duration.ofSeconds(10))).isEqualTo("Committed");
    }

    @Test
    void aNodeThatJoinedFromASnapshotRestartsAndServesWhatCameBeforeAndAfterIt() throws Exception {
        net = new TestNetwork(dir, 10);
        NodeConfig config0 = snapshotting(net.config, net.config.nodeDir(), null);
        Node node0 = start(config0);
        net.open(node0);
        ConsortClient user0 = net.user(node0);
        // Enough for the log to roll segments and drop those that snapshots cover: a new node gets a snapshot.
        String last = null;
        for (int i = 0; i < 120; i++) {
            last = write(user0, i, i % 10 == 0 ? "m" + i : BIG);
        }
        assertThat(user0.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");

        Path dir1 = dir.resolve("node1");
        NodeConfig config1 = snapshotting(net.config, dir1.toString(),
                new NodeConfig.Join(node0.url(), net.serviceCert().toString()));
        CompletableFuture<Node> joining = CompletableFuture.supplyAsync(() -> {
            try {
                return Node.start(config1);
            } catch (Node.StartFailure e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Path joinCert = dir1.resolve(NodeFiles.JOIN_CERT);
        awaitTrue("the joining node's certificate", Duration.ofSeconds(60), () -> Files.exists(joinCert));
        String id1 = Certificates.keyId(Pem.readCertificate(Files.readString(joinCert)));
        List<MemberClient> members = List.of(net.memberClient(node0));
        trustWhenPending(members, id1, user0);
        Node node1 = joining.get(120, TimeUnit.SECONDS);
        nodes.add(node1);
        Path ledger1 = Path.of(config1.ledgerDir());
        assertThat(ledger1.resolve("ledger-base.json")).as("the new node started from a snapshot").exists();

        ConsortClient user1 = net.user(node1);
        assertThat(user1.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
        String afterJoin = null;
        for (int i = 200; i < 230; i++) {
            afterJoin = write(user1, i, "after join " + i);
        }
        assertThat(user0.awaitStatus(afterJoin, Duration.ofSeconds(30))).isEqualTo("Committed");
        assertThat(user1.awaitStatus(afterJoin, Duration.ofSeconds(30))).isEqualTo("Committed");
        TestNetwork.awaitSigned(node1);
        long stoppedAt = node1.lastSeqno();
        stop(node1);

        node1 = start(config1);
        Node.StartReport report = node1.startReport();
        assertThat(report.snapshotSeqno()).isPositive();
        assertThat(report.replayedEntries()).isEqualTo(node1.startupSeqno() - report.snapshotSeqno());
        assertThat(node1.startupSeqno()).isGreaterThanOrEqualTo(stoppedAt);
        ConsortClient back = net.user(node1);
        for (int i = 0; i < 120; i += 10) {
            assertThat(back.get("/app/log/private?id=" + i).json().path("msg").asText()).as("record %d", i).isEqualTo("m" + i);
        }
        for (int i = 200; i < 230; i++) {
            assertThat(back.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("after join " + i);
        }
        String afterRestart = write(back, 300, "after the restart");
        assertThat(back.awaitStatus(afterRestart, Duration.ofSeconds(30))).isEqualTo("Committed");
        assertThat(user0.awaitStatus(afterRestart, Duration.ofSeconds(30))).isEqualTo("Committed");
        assertThat(back.get("/app/log/private?id=300").json().path("msg").asText()).isEqualTo("after the restart");
        TestNetwork.awaitSigned(node1);
        stop(node1);

        // Without a snapshot it can read, a node whose ledger begins at one refuses to start, and says why.
        for (Path f : snapshots(dir1)) {
            byte[] bytes = Files.readAllBytes(f);
            bytes[bytes.length / 2] ^= 1;
            Files.write(f, bytes);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(config1))
                .isInstanceOf(Node.StartFailure.class)
                .hasMessageContaining("no usable snapshot")
                .hasMessageContaining("does not match");
    }

    /** Votes the joining node in once the service lists it as Pending. */
    private static void trustWhenPending(List<MemberClient> members, String nodeId, ConsortClient any) throws Exception {
        awaitTrue("node " + nodeId + " pending", Duration.ofSeconds(60),
                () -> any.get("/node/network/nodes").json().toString().contains(nodeId));
        MemberClient.trustNode(members, nodeId, Duration.ofSeconds(60));
    }
}
