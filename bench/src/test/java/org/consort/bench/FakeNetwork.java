package org.consort.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;

/**
 * Consort nodes as the logging load generator sees them, in this JVM: HTTPS servers (node
 * certificate endorsed by a service certificate) sharing one replicated state. The primary
 * orders writes; backups forward them; an election rolls back what was not committed (those
 * acknowledged writes become Invalid); the commit point trails the last seqno by about 50 ms.
 * Answers {@code /app/log/private}, {@code /node/state}, {@code /node/commit}, {@code /node/tx}
 * and {@code /node/network/nodes/primary} with the statuses and error codes of a real node.
 */
final class FakeNetwork implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<HttpsServer> servers = new ArrayList<>();
    private final List<String> urls = new ArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Path networkFile;
    private final Thread committer;
    private volatile boolean closed;
    // The replicated state, guarded by this.
    private final boolean[] up;
    private int primary;
    private long view = 1;
    private long lastSeqno;
    private long committed;
    private final TreeMap<Long, Long> viewByStart = new TreeMap<>(Map.of(1L, 1L));

    FakeNetwork(Path dir, int nodes) throws Exception {
        SecureRandom random = new SecureRandom();
        Instant now = Instant.now().minusSeconds(60);
        KeyPair serviceKey = ecKey("secp384r1");
        X509Certificate serviceCert = Certificates.selfSignedService(serviceKey, "service", now, Duration.ofDays(1), random);
        KeyPair nodeKey = ecKey("secp256r1");
        X509Certificate nodeCert = Certificates.nodeCertificate(nodeKey.getPublic(), "node", serviceKey.getPrivate(),
                serviceCert, now, Duration.ofDays(1), Certificates.SubjectAltNames.localhost(), random);
        KeyPair userKey = ecKey("secp256r1");
        X509Certificate userCert = Certificates.selfSigned(userKey, "user", now, Duration.ofDays(1), random);
        Files.writeString(dir.resolve("service_cert.pem"), Pem.certificate(serviceCert));
        Files.writeString(dir.resolve("user0_cert.pem"), Pem.certificate(userCert));
        Files.writeString(dir.resolve("user0_privk.pem"), Pem.privateKey(userKey.getPrivate()));

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("node", nodeKey.getPrivate(), new char[0], new X509Certificate[] {nodeCert, serviceCert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, random);

        up = new boolean[nodes];
        for (int i = 0; i < nodes; i++) {
            HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            server.setHttpsConfigurator(new HttpsConfigurator(tls));
            server.setExecutor(executor);
            int node = i;
            server.createContext("/", exchange -> {
                try (exchange) {
                    handle(node, exchange);
                }
            });
            server.start();
            servers.add(server);
            urls.add("https://127.0.0.1:" + server.getAddress().getPort());
            up[i] = true;
        }

        ObjectNode network = JSON.createObjectNode();
        ArrayNode list = network.putArray("nodes");
        for (int i = 0; i < nodes; i++) {
            list.addObject().put("url", urls.get(i)).put("primary", i == 0).put("ledgerDir", dir.resolve("ledger" + i).toString());
        }
        network.put("serviceCert", dir.resolve("service_cert.pem").toString());
        network.putArray("users").addObject().put("cert", dir.resolve("user0_cert.pem").toString())
                .put("key", dir.resolve("user0_privk.pem").toString());
        networkFile = dir.resolve("network.json");
        JSON.writeValue(networkFile.toFile(), network);
        committer = Thread.ofPlatform().daemon().start(this::commit);
    }

    Path networkFile() {
        return networkFile;
    }

    String url(int node) {
        return urls.get(node);
    }

    /** Waits until the network has ordered {@code writes} writes since it started. */
    void awaitWrites(long writes) throws InterruptedException {
        while (true) {
            synchronized (this) {
                if (lastSeqno >= writes) {
                    return;
                }
            }
            Thread.sleep(5);
        }
    }

    /** The node's process ends: it no longer accepts connections. */
    void crash(int node) {
        synchronized (this) {
            up[node] = false;
            if (primary == node) {
                primary = -1;
            }
        }
        servers.get(node).stop(0);
    }

    /** An election ends: {@code node} is primary of the next view, which starts after the commit point. */
    synchronized void elect(int node) {
        view++;
        lastSeqno = committed;
        viewByStart.put(committed + 1, view);
        primary = node;
    }

    /** The commit point: what the primary had ordered some 50 ms earlier, if the view did not change. */
    private void commit() {
        while (!closed) {
            long v;
            long target;
            synchronized (this) {
                v = view;
                target = lastSeqno;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (view == v && primary >= 0) {
                    committed = Math.max(committed, target);
                }
            }
        }
    }

    private void handle(int node, HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getQuery();
        if (path.equals("/app/log/private")) {
            sleep(2);
        }
        synchronized (this) {
            if (!up[node]) {
                send(ex, 503, error("Shutdown", "node is stopping"), null);
                return;
            }
            switch (path) {
                case "/app/log/private" -> {
                    // A backup forwards to the primary: the same replicated state.
                    if (primary < 0) {
                        send(ex, 503, error("NoPrimary", "no primary is known to this node right now"), null);
                    } else {
                        lastSeqno++;
                        send(ex, 200, "{\"id\":1}", view + "." + lastSeqno);
                    }
                }
                case "/node/state" -> send(ex, 200, "{\"primary\":" + (primary == node) + ",\"view\":" + view
                        + ",\"committedSeqno\":" + committed + "}", null);
                case "/node/commit" -> send(ex, 200, "{\"transactionId\":\"" + viewByStart.floorEntry(Math.max(1, committed))
                        .getValue() + "." + committed + "\"}", null);
                case "/node/network/nodes/primary" -> {
                    if (primary < 0) {
                        send(ex, 503, error("NoPrimary", "no primary is known to this node right now"), null);
                    } else {
                        send(ex, 200, "{\"url\":\"" + urls.get(primary) + "\",\"primary\":true}", null);
                    }
                }
                case "/node/tx" -> {
                    String id = query.substring(query.indexOf('=') + 1);
                    long v = Long.parseLong(id.substring(0, id.indexOf('.')));
                    long s = Long.parseLong(id.substring(id.indexOf('.') + 1));
                    send(ex, 200, "{\"transactionId\":\"" + id + "\",\"status\":\"" + status(v, s) + "\"}", null);
                }
                default -> send(ex, 404, error("ResourceNotFound", path), null);
            }
        }
    }

    /** As ViewHistory.status. */
    private String status(long v, long s) {
        if (s == 0 || v == 0) {
            return "Invalid";
        }
        if (v > view) {
            return "Unknown";
        }
        if (s > lastSeqno) {
            return v < view ? "Invalid" : "Unknown";
        }
        if (viewByStart.floorEntry(s).getValue() != v) {
            return "Invalid";
        }
        return s <= committed ? "Committed" : "Pending";
    }

    private static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}}";
    }

    private static void send(HttpExchange ex, int status, String body, String txId) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("content-type", "application/json");
        if (txId != null) {
            ex.getResponseHeaders().set("x-consort-transaction-id", txId);
        }
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KeyPair ecKey(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    @Override
    public void close() {
        closed = true;
        committer.interrupt();
        for (HttpsServer s : servers) {
            s.stop(0);
        }
        executor.shutdownNow();
    }
}
