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
 * Governance's {@code trigger_snapshot}: once the proposal is accepted and committed, every node
 * takes a snapshot at the same point of the log, far below its schedule, and restarts from it.
 */
class TriggerSnapshotNodeTest {
    /** Scheduled snapshots would come only after this many batches: never in this test. */
    private static final int SNAPSHOT_EVERY = 100_000;

    @TempDir
    Path dir;
    final List<Node> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Node n : nodes) {
            n.close();
        }
    }

    private static NodeConfig config(NodeConfig base, String nodeDir, NodeConfig.Join join) {
        return new NodeConfig(nodeDir, Path.of(nodeDir, "ledger").toString(), base.host(), 0,
                join == null ? base.initialMembers() : List.of(), join == null ? base.initialUsers() : List.of(),
                base.signatureIntervalEntries(), base.signatureIntervalMs(), base.ledgerChunkBytes(), base.fsync(),
                base.limits(), null, join, new NodeConfig.Replication(null, null, null, 300, 600, null, SNAPSHOT_EVERY),
                base.ethereum(), base.nodeKeyCurve());
    }

    private Node start(NodeConfig config) throws Node.StartFailure {
        Node n = Node.start(config);
        nodes.add(n);
        return n;
    }

    private static List<String> snapshots(NodeConfig config) throws Exception {
        Path raft = Path.of(config.nodeDir()).resolve(NodeFiles.RAFT_DIR);
        if (!Files.exists(raft)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(raft)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("snapshot\\.\\d+_\\d+")).sorted().toList();
        }
    }

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

    private static long seqno(String txId) {
        return Long.parseLong(txId.substring(txId.indexOf('.') + 1));
    }

    @Test
    void anAcceptedTriggerSnapshotMakesEveryNodeTakeOneAtTheSamePointAndARestartStartsFromIt() throws Exception {
        TestNetwork net = new TestNetwork(dir, 10);
        NodeConfig config0 = config(net.config, net.config.nodeDir(), null);
        Node node0 = start(config0);
        net.open(node0);
        ConsortClient user0 = net.user(node0);

        Path dir1 = dir.resolve("node1");
        NodeConfig config1 = config(net.config, dir1.toString(), new NodeConfig.Join(node0.url(), net.serviceCert().toString()));
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
        awaitTrue("node " + id1 + " pending", Duration.ofSeconds(60),
                () -> user0.get("/node/network/nodes").json().toString().contains(id1));
        MemberClient member = net.memberClient(node0);
        MemberClient.trustNode(List.of(member), id1, Duration.ofSeconds(60));
        Node node1 = joining.get(120, TimeUnit.SECONDS);
        nodes.add(node1);
        ConsortClient user1 = net.user(node1);

        String last = null;
        for (int i = 0; i < 20; i++) {
            last = write(user0, i, "m" + i);
        }
        assertThat(user1.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
        assertThat(snapshots(config0)).as("no scheduled snapshot so far below the threshold").isEmpty();
        assertThat(snapshots(config1)).isEmpty();

        String proposal = member.propose("{\"actions\": [{\"name\": \"trigger_snapshot\", \"args\": {}}]}")
                .json().get("proposalId").asText();
        Response accepted = member.vote(proposal, MemberClient.ACCEPT_BALLOT);
        assertThat(accepted.json().get("state").asText()).as(accepted.text()).isEqualTo("Accepted");
        String acceptedTx = accepted.transactionId().orElseThrow();
        long started = System.nanoTime();
        awaitTrue("a snapshot on every node", Duration.ofSeconds(30),
                () -> !snapshots(config0).isEmpty() && !snapshots(config1).isEmpty());
        System.out.printf("trigger_snapshot: snapshots on both nodes %d ms after the vote%n",
                (System.nanoTime() - started) / 1_000_000);
        List<String> taken = snapshots(config0);
        assertThat(taken).hasSize(1);
        assertThat(snapshots(config1)).as("taken at the same index of the log").isEqualTo(taken);

        // Entries after the snapshot, then both nodes restart: each starts from it and replays only what follows.
        for (int i = 20; i < 30; i++) {
            last = write(user0, i, "m" + i);
        }
        assertThat(user1.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
        TestNetwork.awaitSigned(node0);
        awaitTrue("node1 applied everything", Duration.ofSeconds(30), () -> node1.lastSeqno() == node0.lastSeqno());
        long stoppedAt = node0.lastSeqno();
        for (Node n : List.copyOf(nodes)) {
            n.close();
            nodes.remove(n);
        }
        assertThat(snapshots(config0)).as("no other snapshot since").isEqualTo(taken);

        Node restarted0 = start(config0);
        Node restarted1 = start(config1);
        for (Node n : List.of(restarted0, restarted1)) {
            Node.StartReport report = n.startReport();
            assertThat(report.snapshotFile()).as("started from the triggered snapshot").isPresent();
            assertThat(report.snapshotFile().get().getFileName().toString()).isEqualTo(taken.get(0));
            assertThat(report.snapshotSeqno()).as("its store covers the accepting vote")
                    .isGreaterThanOrEqualTo(seqno(acceptedTx)).isLessThan(stoppedAt);
            assertThat(report.replayedEntries()).isEqualTo(n.startupSeqno() - report.snapshotSeqno());
        }
        ConsortClient again = net.user(restarted1);
        for (int i = 0; i < 30; i++) {
            assertThat(again.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("m" + i);
        }
        String afterRestart = write(net.user(restarted0), 100, "after the restart");
        assertThat(again.awaitStatus(afterRestart, Duration.ofSeconds(30))).isEqualTo("Committed");
    }
}
