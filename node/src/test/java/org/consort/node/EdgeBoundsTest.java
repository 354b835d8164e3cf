package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.consort.client.ConsortClient;
import org.consort.crypto.Pem;
import org.consort.crypto.TlsContexts;
import org.consort.node.config.NodeConfig;
import org.consort.node.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounds on the node's client connections, against a node in this JVM over real sockets and
 * real TLS: idle and half-open connections, slowloris and one identity's many connections must
 * not keep a well-behaved client from being served, and past a bound the node refuses at once.
 */
class EdgeBoundsTest {
    /** A slowloris sends one byte of its request head this often. */
    private static final long SLOWLORIS_BYTE_EVERY_MS = 100;

    @TempDir
    Path dir;
    TestNetwork net;
    Node node;
    HttpServer http;
    SSLContext anonymous;
    SSLContext user;
    SSLContext member;
    final List<Socket> attack = new CopyOnWriteArrayList<>();
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    final AtomicBoolean attacking = new AtomicBoolean(true);

    @AfterEach
    void stop() {
        attacking.set(false);
        threads.shutdownNow();
        closeAll(attack);
        if (node != null) {
            node.close();
        }
    }

    private void start(int connectionsMax, int perIdentityMax, long firstRequestTimeoutMs) throws Exception {
        net = new TestNetwork(dir, 10);
        Limits d = Limits.defaults();
        Limits limits = new Limits(d.requestBodyBytesMax(), d.requestHeaderBytesMax(), d.httpThreadsMax(), connectionsMax,
                d.pendingEntriesMax(), d.writeAttemptsMax(), d.logMessageBytesMax(), d.historyVersionsMax(),
                d.historyBytesMax(), d.http2StreamsMax(), d.idleTimeoutMs(), perIdentityMax, firstRequestTimeoutMs);
        NodeConfig c = net.config;
        node = Node.start(new NodeConfig(c.nodeDir(), c.ledgerDir(), c.host(), c.port(), c.initialMembers(),
                c.initialUsers(), c.signatureIntervalEntries(), c.signatureIntervalMs(), c.ledgerChunkBytes(), c.fsync(),
                limits, c.raftPort(), c.join(), c.replication(), c.ethereum(), c.nodeKeyCurve()));
        net.open(node);
        http = node.httpServer();
        X509Certificate service = Pem.readCertificate(Files.readString(net.serviceCert()));
        anonymous = TlsContexts.client(null, null, service);
        user = context(net.userCert, net.userKey, service);
        member = context(net.memberCert, net.memberKey, service);
    }

    private static SSLContext context(Path cert, Path key, X509Certificate service) throws IOException {
        PrivateKey pk = Pem.readPrivateKey(Files.readString(key));
        return TlsContexts.client(pk, new X509Certificate[] {Pem.readCertificate(Files.readString(cert))}, service);
    }

    @Test
    void aClientKeepsItsLatencyThrough2000IdleConnectionsAndSlowloris() throws Exception {
        // Each attacking connection costs this JVM two descriptors while the node holds it (its
        // end and the node's); the node holds at most connectionsMax. Below the default limit of
        // descriptors, the attack and the node's bound shrink together.
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long budget = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 1_000;
        int connectionsMax = Limits.defaults().connectionsMax();
        int idle = 2_000;
        int churnHeld = 200;
        int slowloris = 20;
        if (budget < idle + connectionsMax + churnHeld + slowloris) {
            connectionsMax = (int) (budget / 4);
            idle = 2 * connectionsMax;
            churnHeld = connectionsMax / 10;
        }
        System.out.printf("descriptors: %d max, %d open; attack %d idle, connectionsMax %d%n",
                os.getMaxFileDescriptorCount(), os.getOpenFileDescriptorCount(), idle, connectionsMax);
        start(connectionsMax, Limits.defaults().connectionsPerIdentityMax(), Limits.defaults().firstRequestTimeoutMs());
        ConsortClient steady = net.user(node);
        assertThat(steady.get("/node/commit").status()).isEqualTo(200);
        long attackStart = System.nanoTime();

        // Idle TCP connections, TLS handshakes stopped after the ClientHello, TLS connections
        // without a client certificate that send nothing, and slowloris.
        int tcp = idle * 7 / 10;
        int hello = idle * 2 / 10;
        int tlsIdle = idle - tcp - hello;
        byte[] clientHello = clientHello();
        List<Future<?>> opening = new ArrayList<>();
        List<Future<long[]>> slow = new ArrayList<>();
        for (int i = 0; i < slowloris; i++) {
            slow.add(threads.submit(() -> slowloris(anonymous)));
        }
        for (int i = 0; i < tcp; i++) {
            opening.add(threads.submit(() -> attack.add(tcp())));
        }
        for (int i = 0; i < hello; i++) {
            opening.add(threads.submit(() -> {
                Socket s = tcp();
                attack.add(s);
                s.getOutputStream().write(clientHello);
                return null;
            }));
        }
        for (int i = 0; i < tlsIdle; i++) {
            opening.add(threads.submit(() -> {
                SSLSocket s = (SSLSocket) anonymous.getSocketFactory().createSocket();
                attack.add(s);
                s.connect(address(), 5_000);
                s.setSoTimeout(5_000);
                s.startHandshake(); // may fail: the node replaces the oldest that sent no request
                return null;
            }));
        }
        int failedToOpen = 0;
        for (Future<?> f : opening) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failedToOpen++;
            }
        }
        long openedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackStart);
        // The attacker goes on opening idle connections, so the node stays at its bound.
        int held = churnHeld;
        java.util.concurrent.atomic.AtomicInteger churned = new java.util.concurrent.atomic.AtomicInteger();
        threads.submit(() -> {
            ArrayDeque<Socket> mine = new ArrayDeque<>();
            while (attacking.get()) {
                try {
                    mine.add(tcp());
                    churned.incrementAndGet();
                } catch (IOException e) {
                    continue;
                }
                while (mine.size() > held) {
                    closeAll(List.of(mine.poll()));
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // its pace
            }
            closeAll(mine);
            return null;
        });

        int requests = 50;
        long[] freshMs = new long[requests];
        long[] steadyMs = new long[requests];
        int openAtBound = 0;
        long replacedBefore = http.replacedConnections();
        for (int i = 0; i < requests; i++) {
            long t0 = System.nanoTime();
            try (SSLSocket s = tls(user)) {
                assertThat(get(s, "/node/commit", true)).isEqualTo(200);
            }
            freshMs[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            t0 = System.nanoTime();
            assertThat(steady.get("/node/commit").status()).isEqualTo(200);
            steadyMs[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (http.openConnections() >= connectionsMax - 5) {
                openAtBound++;
            }
        }
        long replacedDuring = http.replacedConnections() - replacedBefore;
        long measuredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackStart);
        List<long[]> slowResults = new ArrayList<>();
        for (Future<long[]> f : slow) {
            slowResults.add(f.get(30, TimeUnit.SECONDS));
        }
        System.out.printf("attack of %d idle (%d failed to open) in %d ms; %d requests on new connections: p50 %d ms, "
                        + "p99 %d ms, max %d ms; on one connection: p50 %d ms, p99 %d ms, max %d ms; node at its bound for "
                        + "%d of them, %d connections replaced meanwhile, %d in all, %d refused, %d expired%n",
                idle, failedToOpen, openedMs, requests, percentile(freshMs, 50), percentile(freshMs, 99),
                Arrays.stream(freshMs).max().orElseThrow(), percentile(steadyMs, 50), percentile(steadyMs, 99),
                Arrays.stream(steadyMs).max().orElseThrow(), openAtBound, replacedDuring, http.replacedConnections(),
                http.refusedConnections(), http.expiredConnections());

        assertThat(Arrays.stream(freshMs).max().orElseThrow()).isLessThan(2_000);
        assertThat(Arrays.stream(steadyMs).max().orElseThrow()).isLessThan(2_000);
        assertThat(percentile(freshMs, 99)).isLessThan(1_000);
        assertThat(percentile(steadyMs, 99)).isLessThan(1_000);
        // The node was full of attackers while it served: the new connections took their places. How often it was
        // seen full depends on how fast the attacker's thread refills it on a busy machine (21 of 50 once, with other
        // builds beside it), so a quarter is asked; the replacements below show that each new client found it full.
        assertThat(openAtBound).isGreaterThan(requests / 4);
        assertThat(replacedDuring).isGreaterThanOrEqualTo(requests);
        // Every slowloris was cut off, however steadily it sent.
        for (long[] r : slowResults) {
            assertThat(r[0]).as("ms from a slowloris connecting to being closed")
                    .isLessThan(Limits.defaults().firstRequestTimeoutMs() + 2_000);
        }

        System.out.printf("phases: churned %d, measured at %d ms, slowloris done at %d ms%n", churned.get(), measuredMs,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackStart));
        attacking.set(false);
        closeAll(attack);
        await(() -> http.openConnections() < 20, 10_000, "the node closes the attack's connections");
        System.out.printf("phases: closed at %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackStart));
        long t0 = System.nanoTime();
        assertThat(net.user(node).get("/node/commit").status()).isEqualTo(200);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
    }

    @Test
    void slowlorisMeetsTheFirstRequestTimeoutAndOneIdentityItsConnectionBound() throws Exception {
        start(16, 3, 1_000);

        // A slowloris that keeps sending is closed once its first request is 1 s old, not before.
        List<Future<long[]>> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            slow.add(threads.submit(() -> slowloris(anonymous)));
        }
        for (Future<long[]> f : slow) {
            long[] r = f.get(10, TimeUnit.SECONDS);
            assertThat(r[0]).as("ms from connecting to being closed").isBetween(950L, 2_500L);
            assertThat(r[1]).as("bytes sent").isGreaterThanOrEqualTo(5);
        }
        assertThat(http.expiredConnections()).isGreaterThanOrEqualTo(3);

        // One client certificate holds at most 3 connections; the handshake of a 4th fails, and
        // other identities are served meanwhile.
        List<Socket> users = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SSLSocket s = tls(user);
            users.add(s);
            assertThat(get(s, "/node/commit", false)).isEqualTo(200);
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> {
            try (SSLSocket s = tls(user)) {
                get(s, "/node/commit", false);
            }
        }).isInstanceOf(IOException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
        assertThat(http.identityRefusedConnections()).isEqualTo(1);
        try (SSLSocket s = tls(member)) {
            assertThat(get(s, "/node/commit", false)).isEqualTo(200);
        }
        closeAll(List.of(users.removeFirst()));
        await(() -> {
            try (SSLSocket s = tls(user)) {
                return get(s, "/node/commit", false) == 200;
            } catch (IOException e) {
                return false;
            }
        }, 5_000, "a user connection once one of the three closed");
        closeAll(users);
    }

    @Test
    void atTheBoundBusyConnectionsStayAndANewOneIsRefusedAtOnceIdleOnesMakeRoom() throws Exception {
        int bound = 12;
        start(bound, bound + 4, 10_000);

        // Fill the node with connections whose requests are under way (the body never comes).
        List<Socket> busy = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (busy.size() < bound) {
            assertThat(System.nanoTime()).as("filling the node with busy connections").isLessThan(deadline);
            try {
                SSLSocket s = tls(user);
                s.getOutputStream().write(("POST /app/log/public HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.setSoTimeout(100);
                try {
                    if (s.getInputStream().read() < 0) {
                        s.close();
                        continue; // replaced meanwhile
                    }
                    s.close();
                    throw new AssertionError("the node answered a request whose body never came");
                } catch (SocketTimeoutException e) {
                    busy.add(s); // its request is under way
                }
            } catch (IOException e) {
                // refused or replaced: every slot is not ours yet; try again
            }
        }
        attack.addAll(busy);
        assertThat(http.openConnections()).isEqualTo(bound);

        // A new client is refused at once: it does not wait in the kernel's backlog.
        long refusedBefore = http.refusedConnections();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> {
            try (SSLSocket s = tls(user)) {
                get(s, "/node/commit", true);
            }
        }).isInstanceOf(IOException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
        assertThat(http.refusedConnections()).isGreaterThan(refusedBefore);

        // One busy request ends and its connection idles: a new client takes its place.
        Socket done = busy.getFirst();
        done.setSoTimeout(5_000);
        done.getOutputStream().write(("\"id\": 1, \"msg\": \"" + "x".repeat(100 - 20) + "\"}").getBytes(StandardCharsets.US_ASCII));
        done.getOutputStream().flush();
        assertThat(readResponse(done.getInputStream())).isEqualTo(200);
        long replacedBefore = http.replacedConnections();
        await(() -> {
            try (SSLSocket s = tls(user)) {
                return get(s, "/node/commit", true) == 200;
            } catch (IOException e) {
                return false;
            }
        }, 5_000, "a new client once a connection idled");
        assertThat(http.replacedConnections()).isGreaterThan(replacedBefore);
        for (Socket s : busy.subList(1, busy.size())) {
            s.setSoTimeout(50);
            assertThatThrownBy(() -> s.getInputStream().read()).as("busy connections stay open")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    // ---- clients, well-behaved and not

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", node.port());
    }

    private Socket tcp() throws IOException {
        Socket s = new Socket();
        s.connect(address(), 5_000);
        return s;
    }

    /** A TLS connection with the handshake done (HTTP/1.1: no ALPN). */
    private SSLSocket tls(SSLContext context) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        s.connect(address(), 5_000);
        s.setSoTimeout(5_000);
        s.startHandshake();
        return s;
    }

    /** Sends a GET and reads its answer's status. */
    private static int get(Socket s, String path, boolean close) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readResponse(s.getInputStream());
    }

    private static int readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed before a response");
            }
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(text.substring(9, 12));
    }

    /**
     * A TLS connection (no client certificate) that sends its request head one byte at a time
     * and never finishes it. Returns the milliseconds from connecting to being closed by the
     * node, and the bytes it sent.
     */
    private long[] slowloris(SSLContext context) throws Exception {
        long t0 = System.nanoTime();
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
        attack.add(s);
        try {
            s.connect(address(), 5_000);
            s.setSoTimeout(0);
            s.startHandshake();
        } catch (IOException e) {
            return new long[] {TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), 0}; // closed in its handshake
        }
        AtomicBoolean closed = new AtomicBoolean();
        long[] closedAt = new long[1];
        Future<?> reader = threads.submit(() -> {
            try {
                while (s.getInputStream().read() >= 0) {
                    // nothing to read but the end
                }
            } catch (IOException e) {
                // closed
            }
            closedAt[0] = System.nanoTime();
            closed.set(true);
            return null;
        });
        byte[] head = ("GET /node/commit HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + "a".repeat(4_000))
                .getBytes(StandardCharsets.US_ASCII);
        int sent = 0;
        try {
            OutputStream out = s.getOutputStream();
            while (!closed.get() && sent < head.length) {
                out.write(head[sent]);
                out.flush();
                sent++;
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SLOWLORIS_BYTE_EVERY_MS)); // its pace
            }
        } catch (IOException e) {
            // closed by the node
        }
        reader.get(10, TimeUnit.SECONDS);
        s.close();
        return new long[] {TimeUnit.NANOSECONDS.toMillis(closedAt[0] - t0), sent};
    }

    /** The first flight of a TLS client: a ClientHello, as a half-open handshake sends and stops. */
    private byte[] clientHello() throws Exception {
        SSLEngine engine = anonymous.createSSLEngine("127.0.0.1", node.port());
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    private static long percentile(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.ceil(p / 100.0 * sorted.length) - 1];
    }

    private static void await(BooleanSupplier condition, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void closeAll(java.util.Collection<? extends Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }
}
