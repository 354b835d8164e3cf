package org.consort.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;
import org.consort.crypto.TlsContexts;
import org.consort.node.http.Json;
import org.consort.replication.Peer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The joining side of {@code POST /node/join}: a new node presents its self-signed certificate
 * over TLS (checking the target against the service certificate it was given), its addresses
 * and its attestation evidence, and asks again until members have trusted it and the primary
 * has endorsed its certificate. It then receives the network secrets sealed to its key.
 *
 * <p>One joining node uses one instance from one thread.
 */
public final class Joiner {
    private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
    /** Pause between two join requests while the node waits to be trusted. */
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    /** What the service answers once this node is trusted. */
    public record Admission(String nodeId, X509Certificate endorsedCert, UUID groupId, List<Peer> peers,
                            NetworkSecrets secrets, long viewOffset) {
    }

    /** The service refused the node (the reason is the message); asking again will not help. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    private final URI target;
    private final KeyPair nodeKey;
    private final X509Certificate joinCert;
    private final String nodeId;
    private final HttpClient http;

    public Joiner(String targetUrl, X509Certificate serviceCert, KeyPair nodeKey, X509Certificate joinCert) {
        this.target = URI.create(targetUrl.endsWith("/") ? targetUrl.substring(0, targetUrl.length() - 1) : targetUrl);
        this.nodeKey = nodeKey;
        this.joinCert = joinCert;
        this.nodeId = Certificates.keyId(joinCert);
        this.http = HttpClient.newBuilder()
                .sslContext(TlsContexts.client(nodeKey.getPrivate(), new X509Certificate[] {joinCert}, serviceCert))
                .sslParameters(TlsContexts.parameters()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Asks to join until trusted, refused, or {@code timeout} passes. Transient failures (the
     * target unreachable, no primary) are retried.
     */
    public Admission awaitAdmission(String url, String raftAddress, Duration timeout)
            throws RefusedException, IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastStatus = "";
        while (true) {
            JsonNode answer;
            try {
                answer = ask(url, raftAddress, false);
            } catch (IOException e) {
                answer = null;
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.info("join: {} is not reachable yet ({}); retrying", target, e.getMessage());
            }
            if (answer != null) {
                String status = answer.path("status").asText();
                if (!status.equals(lastStatus)) {
                    LOG.info("join: node {} is {} at {}", nodeId, status, target);
                    lastStatus = status;
                }
                if (status.equals(NodeRecord.TRUSTED) && answer.hasNonNull("cert")) {
                    return admission(answer);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("node " + nodeId + " was not trusted within " + timeout.toSeconds()
                        + " s; its members must vote transition_node_to_trusted for it");
            }
            Thread.sleep(POLL_INTERVAL.toMillis());
        }
    }

    /** Tells the service that this node's replication endpoint runs: the primary adds it to the group. */
    public void reportReady(String url, String raftAddress, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                ask(url, raftAddress, true);
                return;
            } catch (IOException | RefusedException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("cannot report that node " + nodeId + " is ready: " + e.getMessage(), e);
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        }
    }

    private JsonNode ask(String url, String raftAddress, boolean ready) throws IOException, InterruptedException, RefusedException {
        ObjectNode body = Json.object();
        body.put("url", url);
        body.put("raftAddress", raftAddress);
        body.set("attestation", VirtualAttestation.evidence(nodeKey.getPublic()).toJson());
        body.put("raftReady", ready);
        HttpRequest request = HttpRequest.newBuilder(target.resolve("/node/join"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body))).build();
        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 503) {
            throw new IOException("the service cannot take the request now (503)");
        }
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new IOException("the join answer is not JSON (status " + r.statusCode() + ")", e);
        }
        if (r.statusCode() >= 400) {
            throw new RefusedException("the service refused node " + nodeId + " (" + r.statusCode() + "): "
                    + answer.path("error").path("message").asText(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        return answer;
    }

    private Admission admission(JsonNode a) {
        X509Certificate cert = Pem.readCertificate(a.path("cert").asText());
        if (!Certificates.keyId(cert).equals(nodeId)) {
            throw new IllegalStateException("the endorsed certificate is for another key (" + Certificates.keyId(cert) + ")");
        }
        List<Peer> peers = new ArrayList<>();
        for (JsonNode p : a.path("peers")) {
            String addr = p.path("raftAddress").asText();
            int colon = addr.lastIndexOf(':');
            peers.add(new Peer(p.path("nodeId").asText(), addr.substring(0, colon), Integer.parseInt(addr.substring(colon + 1))));
        }
        NetworkSecrets secrets = NetworkSecrets.open(a.path("networkSecrets").asText(), nodeKey.getPublic(),
                nodeKey.getPrivate(), nodeId);
        return new Admission(nodeId, cert, UUID.fromString(a.path("groupId").asText()), peers, secrets,
                a.path("viewOffset").asLong(0));
    }
}
