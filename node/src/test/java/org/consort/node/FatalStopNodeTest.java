package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.consort.client.ConsortClient;
import org.consort.client.ConsortClient.Response;
import org.consort.ledger.LedgerVerifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A node whose ledger cannot be written stops loudly: its apply thread fails, it reports itself
 * Failed and unhealthy, logs one FATAL line naming the cause, stops serving and exits with status
 * 70; once the cause is gone it starts again with every committed write.
 */
class FatalStopNodeTest {
    @TempDir
    Path dir;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Integer> exits = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    @AfterEach
    void stop() {
        root.detachAppender(log);
        for (Node n : nodes) {
            n.close();
        }
    }

    /** Polls {@code condition} every 20 ms and fails naming {@code what} if it does not hold within {@code timeout}. */
    private static void awaitTrue(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private List<ILoggingEvent> events(Level level, String prefix) {
        synchronized (log) {
            return log.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().startsWith(prefix)).toList();
        }
    }

    @Test
    void aLedgerThatCannotBeWrittenStopsTheNodeLoudlyAndItRestartsOnceTheCauseIsGone() throws Exception {
        TestNetwork net = new TestNetwork(dir, 10);
        Node node = Node.start(net.config, exits::add);
        nodes.add(node);
        net.open(node);
        ConsortClient user = net.user(node);
        String msg = "x".repeat(8 * 1024);
        List<String> committed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Response w = user.postJson("/app/log/private", Map.of("id", i, "msg", msg + i));
            assertThat(w.status()).as(w.text()).isEqualTo(200);
            committed.add(w.transactionId().orElseThrow());
        }
        assertThat(user.awaitStatus(committed.get(2), Duration.ofSeconds(10))).isEqualTo("Committed");
        assertThat(node.state()).isEqualTo("PartOfNetwork");
        assertThat(node.metrics().scrape()).contains("consort_node_healthy 1.0");

        // The next chunk file cannot be created (a directory holds each name it may take): the ledger write fails.
        Path ledgerDir = Path.of(net.config.ledgerDir());
        long from = node.lastSeqno() + 1;
        List<Path> blockers = new ArrayList<>();
        for (long s = from; s < from + 400; s++) {
            blockers.add(Files.createDirectory(ledgerDir.resolve("ledger_" + s + ".open")));
        }
        log.start();
        root.addAppender(log);
        for (int i = 3; i < 200 && exits.isEmpty(); i++) {
            try {
                user.postJson("/app/log/private", Map.of("id", i, "msg", msg + i));
            } catch (java.io.IOException e) {
                break; // the node stopped serving
            }
        }
        awaitTrue("the node's exit", Duration.ofSeconds(30), () -> !exits.isEmpty());
        assertThat(exits).containsExactly(Node.FATAL_EXIT_STATUS);
        assertThat(node.state()).isEqualTo(Node.FAILED);
        assertThat(node.healthy()).isFalse();
        assertThat(node.metrics().scrape()).contains("consort_node_healthy 0.0");
        List<ILoggingEvent> fatalLines = events(Level.ERROR, "FATAL");
        assertThat(fatalLines).hasSize(1);
        assertThat(fatalLines.get(0).getFormattedMessage()).contains("exit status 70").contains("cannot append seqno")
                .contains("FileAlreadyExistsException");
        // It no longer answers: its HTTPS server is closed.
        awaitTrue("the node stops serving", Duration.ofSeconds(10), () -> {
            try {
                user.get("/node/state");
                return false;
            } catch (Exception e) {
                return true;
            }
        });

        // The cause is gone: the node starts again, from a ledger that verifies, with every committed write.
        for (Path b : blockers) {
            Files.delete(b);
        }
        nodes.remove(node);
        node.close();
        LedgerVerifier.Report verified = LedgerVerifier.verify(ledgerDir,
                org.consort.crypto.Pem.readCertificate(Files.readString(net.serviceCert())));
        assertThat(verified.ok()).as(String.valueOf(verified.firstBadEntry())).isTrue();
        Node again = Node.start(net.config, exits::add);
        nodes.add(again);
        assertThat(again.state()).isEqualTo("PartOfNetwork");
        assertThat(again.healthy()).isTrue();
        awaitTrue("primary after the restart", Duration.ofSeconds(20), again::isPrimary);
        ConsortClient user2 = net.user(again);
        for (int i = 0; i < 3; i++) {
            Response r = user2.get("/app/log/private?id=" + i);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(r.json().get("msg").asText()).isEqualTo(msg + i);
        }
        Response w = user2.postJson("/app/log/private", Map.of("id", 1000, "msg", "after the restart"));
        assertThat(w.status()).as(w.text()).isEqualTo(200);
        assertThat(user2.awaitStatus(w.transactionId().orElseThrow(), Duration.ofSeconds(20))).isEqualTo("Committed");
        assertThat(exits).hasSize(1);
    }
}
