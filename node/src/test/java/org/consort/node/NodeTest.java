package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.consort.client.ConsortClient;
import org.consort.client.ConsortClient.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node in this JVM, driven over real HTTPS with client certificates. */
class NodeTest {
    @TempDir
    Path dir;
    TestNetwork net;
    Node node;

    @BeforeEach
    void start() throws Exception {
        net = new TestNetwork(dir, 10);
        node = Node.start(net.config);
        net.open(node);
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void writesReadsAndCommitsPrivateAndPublicRecords() throws Exception {
        ConsortClient user = net.user(node);
        Response w = user.postJson("/app/log/private", Map.of("id", 42, "msg", "hello"));
        assertThat(w.status()).isEqualTo(200);
        assertThat(w.transactionId()).isPresent();
        assertThat(user.postJson("/app/log/public", Map.of("id", 42, "msg", "world")).status()).isEqualTo(200);
        assertThat(user.get("/app/log/private?id=42").json().get("msg").asText()).isEqualTo("hello");
        assertThat(user.get("/app/log/public?id=42").json().get("msg").asText()).isEqualTo("world");
        assertThat(user.awaitStatus(w.transactionId().get(), Duration.ofSeconds(10))).isEqualTo("Committed");

        Response receipt = user.get("/app/receipt?transaction_id=" + w.transactionId().get());
        assertThat(receipt.status()).isEqualTo(200);
        assertThat(receipt.json().has("proof")).isTrue();
        Response cose = user.get("/app/receipt?transaction_id=" + w.transactionId().get() + "&format=cose");
        assertThat(cose.status()).isEqualTo(200);
        assertThat(cose.headers().firstValue("content-type")).hasValue("application/cose");

        Response hist = user.get("/app/log/private/historical?id=42&transaction_id=" + w.transactionId().get());
        assertThat(hist.status()).isEqualTo(200);
        assertThat(hist.json().get("msg").asText()).isEqualTo("hello");
        assertThat(hist.json().get("receipt").has("signature")).isTrue();

        Response del = user.delete("/app/log/private?id=42");
        assertThat(del.status()).isEqualTo(200);
        assertThat(del.json().get("deleted").asBoolean()).isTrue();
        assertThat(user.get("/app/log/private?id=42").status()).isEqualTo(404);
        // The historical state still has it.
        assertThat(user.get("/app/log/private/historical?id=42&transaction_id=" + w.transactionId().get())
                .json().get("msg").asText()).isEqualTo("hello");
    }

    @Test
    void historicalReadsOlderThanTheHistoryComeFromTheLedger() throws Exception {
        ConsortClient user = net.user(node);
        Response w = user.postJson("/app/log/private", Map.of("id", 42, "msg", "hello"));
        String tx = w.transactionId().orElseThrow();
        int kept = Limits.defaults().historyVersionsMax();
        for (int i = 0; i <= kept; i++) {
            assertThat(user.postJson("/app/log/private", Map.of("id", 7, "msg", "later " + i)).status()).isEqualTo(200);
        }
        assertThat(user.awaitStatus(tx, Duration.ofSeconds(10))).isEqualTo("Committed");

        Response hist = user.get("/app/log/private/historical?id=42&transaction_id=" + tx);
        assertThat(hist.status()).isEqualTo(200);
        assertThat(hist.json().get("msg").asText()).isEqualTo("hello");
        assertThat(hist.json().get("receipt").has("signature")).isTrue();
        // The ledger holds what that transaction wrote, not the whole state as of it.
        Response other = user.get("/app/log/private/historical?id=7&transaction_id=" + tx);
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.text()).contains("HistoricalStateUnavailable");
    }

    @Test
    void badInputGetsClearErrorsAndWritesNothing() throws Exception {
        ConsortClient user = net.user(node);
        TestNetwork.awaitSigned(node);
        long before = node.lastSeqno();

        // Over HTTP/2 the server answers 413 and resets the stream while the client still sends,
        // which the JDK client reports as an error; HTTP/1.1 shows the answer itself.
        ConsortClient user11 = ConsortClient.connect("https://127.0.0.1:" + node.port(), net.serviceCert(),
                net.userCert, net.userKey, HttpClient.Version.HTTP_1_1);
        Response tooBig = user11.postJson("/app/log/private", new byte[2 << 20]);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.json().at("/error/code").asText()).isEqualTo("RequestTooLarge");
        // Without a declared length (chunked), the bound still holds.
        Response chunked = user11.send(HttpRequest.newBuilder(user11.baseUri().resolve("/app/log/private"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(new byte[3 << 20]))));
        assertThat(chunked.status()).isEqualTo(413);

        Response malformed = user.postJson("/app/log/private", "{\"id\": 1, \"msg\": ");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().at("/error/message").asText()).contains("malformed JSON");

        assertThat(user.postJson("/app/log/private", "{\"id\": -1, \"msg\": \"x\"}").status()).isEqualTo(400);
        assertThat(user.postJson("/app/log/private", "{\"id\": 1, \"msg\": 7}").status()).isEqualTo(400);
        assertThat(user.postJson("/app/log/private", "[1,2]").status()).isEqualTo(400);
        assertThat(user.postJson("/app/log/private", "{\"id\": 1, \"msg\": \"a\"} trailing").status()).isEqualTo(400);
        assertThat(user.get("/app/log/private?id=abc").status()).isEqualTo(400);
        assertThat(user.get("/app/log/private").status()).isEqualTo(400);

        Response unknown = user.get("/app/nothing-here");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().at("/error/code").asText()).isEqualTo("ResourceNotFound");

        Response wrongMethod = user.send(HttpRequest.newBuilder(user.baseUri().resolve("/app/log/private?id=1"))
                .method("PUT", HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("DELETE, GET, POST");

        Response noCert = net.anonymous(node).postJson("/app/log/private", Map.of("id", 1, "msg", "x"));
        assertThat(noCert.status()).isEqualTo(401);
        Response stranger = net.stranger(node).postJson("/app/log/private", Map.of("id", 1, "msg", "x"));
        assertThat(stranger.status()).isEqualTo(403);
        // A member is not a user of the application.
        assertThat(net.member(node).postJson("/app/log/private", Map.of("id", 1, "msg", "x")).status()).isEqualTo(403);

        assertThat(user.get("/node/tx?transaction_id=banana").status()).isEqualTo(400);
        assertThat(user.get("/app/receipt?transaction_id=1.99999").status()).isEqualTo(404);

        // None of the above wrote anything: refusals are answered before any write, so this holds at once.
        assertThat(user.get("/app/log/private?id=1").status()).isEqualTo(404);
        assertThat(node.lastSeqno()).isEqualTo(before);

        // A chunked body within the bound is read whole, over several buffers.
        String longMessage = "m".repeat(5_000);
        Response chunkedOk = user11.send(HttpRequest.newBuilder(user11.baseUri().resolve("/app/log/private"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        ("{\"id\": 424242, \"msg\": \"" + longMessage + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        assertThat(chunkedOk.status()).isEqualTo(200);
        TestNetwork.awaitSigned(node);
        assertThat(user.get("/app/log/private?id=424242").json().path("msg").asText()).isEqualTo(longMessage);
    }

    @Test
    void servesHttp11AndHttp2AndApiDocuments() throws Exception {
        ConsortClient h1 = ConsortClient.connect("https://127.0.0.1:" + node.port(), net.serviceCert(), null, null,
                HttpClient.Version.HTTP_1_1);
        Response state = h1.get("/node/state");
        assertThat(state.status()).isEqualTo(200);
        assertThat(state.json().get("nodeId").asText()).isEqualTo(node.nodeId());
        ConsortClient h2 = net.anonymous(node);
        JsonNode api = h2.get("/app/api").json();
        assertThat(api.at("/paths/~1app~1log~1private/post/security/0/user_cert").isArray()).isTrue();
        assertThat(h2.get("/node/api").json().at("/paths/~1node~1tx/get/parameters/0/name").asText())
                .isEqualTo("transaction_id");
        assertThat(h2.get("/node/version").json().get("platform").asText()).isEqualTo("virtual");
        assertThat(h2.get("/node/metrics").text()).contains("consort_ledger_committed_seqno");
        assertThat(h2.get("/node/network").json().get("serviceStatus").asText()).isEqualTo("Open");
        assertThat(h2.get("/gov/service/info").json().get("status").asText()).isEqualTo("Open");
        assertThat(h2.get("/node/network/nodes").json().at("/nodes/0/nodeId").asText()).isEqualTo(node.nodeId());
        assertThat(h2.get("/node/network/nodes/primary").json().get("primary").asBoolean()).isTrue();
    }

    @Test
    void acceptsTls13And12OnlyAndRefusesOlderProtocols() throws Exception {
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            assertThat(handshake(protocol)).as(protocol).isEqualTo(protocol);
        }
        for (String protocol : new String[] {"TLSv1.1", "TLSv1"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> handshake(protocol)).as(protocol)
                    .isInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    private String handshake(String protocol) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("service",
                org.consort.crypto.Pem.readCertificate(Files.readString(net.serviceCert())));
        javax.net.ssl.TrustManagerFactory tmf =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                .createSocket("127.0.0.1", node.port())) {
            socket.setEnabledProtocols(new String[] {protocol});
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    @Test
    void restartFindsEveryRecordAndOldTransactionsKeepTheirStatus() throws Exception {
        ConsortClient user = net.user(node);
        String last = null;
        for (int i = 0; i < 50; i++) {
            last = user.postJson("/app/log/private", Map.of("id", i, "msg", "m" + i)).transactionId().orElseThrow();
        }
        assertThat(user.awaitStatus(last, Duration.ofSeconds(10))).isEqualTo("Committed");
        String uncommittedLater = node.views().currentView() + "." + (node.lastSeqno() + 1000);
        node.close();
        node = Node.start(net.config);
        // A restarted node serves reads at once and becomes primary of a new view after its election.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!node.isPrimary() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(node.isPrimary()).as("primary again after the restart").isTrue();
        ConsortClient again = net.user(node);
        for (int i = 0; i < 50; i++) {
            assertThat(again.get("/app/log/private?id=" + i).json().get("msg").asText()).isEqualTo("m" + i);
        }
        assertThat(again.get("/node/tx?transaction_id=" + last).json().get("status").asText()).isEqualTo("Committed");
        // A TxID of the previous view that was never ordered can never commit now.
        assertThat(again.get("/node/tx?transaction_id=" + uncommittedLater).json().get("status").asText())
                .isEqualTo("Invalid");
        assertThat(node.view()).isEqualTo(2);
    }

    @Test
    void refusesToStartOnACorruptLedgerNamingFileAndEntry() throws Exception {
        ConsortClient user = net.user(node);
        String last = null;
        for (int i = 0; i < 30; i++) {
            last = user.postJson("/app/log/public", Map.of("id", i, "msg", "public message " + i)).transactionId().orElseThrow();
        }
        user.awaitStatus(last, Duration.ofSeconds(10));
        node.close();
        node = null;
        Path ledgerDir = Path.of(net.config.ledgerDir());
        Path chunk;
        try (var files = Files.list(ledgerDir)) {
            chunk = files.filter(p -> p.getFileName().toString().startsWith("ledger_")).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(chunk);
        int at = indexOf(bytes, "public message 7".getBytes());
        assertThat(at).isPositive();
        bytes[at] ^= 1;
        Files.write(chunk, bytes);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Node.start(net.config))
                .isInstanceOf(Node.StartFailure.class)
                .hasMessageContaining(chunk.getFileName().toString())
                .hasMessageContaining("seqno");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
