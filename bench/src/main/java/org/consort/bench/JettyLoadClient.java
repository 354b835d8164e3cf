package org.consort.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.consort.crypto.Pem;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A load-generating HTTPS client (Jetty's, which costs the load generator much less CPU than the
 * JDK's): presents a user certificate, trusts only the service certificate, keeps connections
 * alive. Thread-safe. {@link #plain} makes a plain-HTTP/1.1 one (for a local Ethereum node).
 * {@link #retarget} points it at another node (keeping the client and its other connections), for
 * a load generator that follows the primary; every request has a timeout (60 s unless
 * {@link #requestTimeout} says otherwise).
 */
final class JettyLoadClient implements AutoCloseable {
    private final HttpClient http;
    private volatile String base;
    private volatile long timeoutMillis = TimeUnit.SECONDS.toMillis(60);

    JettyLoadClient(String url, Path serviceCert, Path cert, Path key, boolean http2, int connections) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("service", Pem.readCertificate(Files.readString(serviceCert)));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("user", Pem.readPrivateKey(Files.readString(key)), "pw".toCharArray(),
                new X509Certificate[] {Pem.readCertificate(Files.readString(cert))});
        SslContextFactory.Client ssl = new SslContextFactory.Client();
        ssl.setTrustStore(trust);
        ssl.setKeyStore(ks);
        ssl.setKeyStorePassword("pw");
        ssl.setEndpointIdentificationAlgorithm(null);
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(ssl);
        http = http2 ? new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client(connector)))
                : new HttpClient(new HttpClientTransportOverHTTP(connector));
        http.setMaxConnectionsPerDestination(connections);
        http.setMaxRequestsQueuedPerDestination(1 << 16);
        http.start();
        this.base = url;
    }

    private JettyLoadClient(String url, int connections) throws Exception {
        http = new HttpClient();
        http.setMaxConnectionsPerDestination(connections);
        http.setMaxRequestsQueuedPerDestination(1 << 16);
        http.start();
        this.base = url;
    }

    /** A plain-HTTP/1.1 keep-alive client of {@code url} with at most {@code connections} connections. */
    static JettyLoadClient plain(String url, int connections) throws Exception {
        return new JettyLoadClient(url, connections);
    }

    /** Sets the timeout of each request (from sending it to the end of the response); returns this. */
    JettyLoadClient requestTimeout(Duration timeout) {
        timeoutMillis = timeout.toMillis();
        return this;
    }

    /** The base URL that {@link #post} and {@link #get} send to. */
    String url() {
        return base;
    }

    /** Sends later requests of {@link #post} and {@link #get} to {@code url}; requests under way go on. */
    void retarget(String url) {
        base = url;
    }

    /** Posts a JSON body; returns the response (status, headers). */
    ContentResponse post(String path, String json) throws Exception {
        return http.newRequest(base + path).method(HttpMethod.POST)
                .body(new StringRequestContent("application/json", json))
                .timeout(timeoutMillis, TimeUnit.MILLISECONDS).send();
    }

    ContentResponse get(String path) throws Exception {
        return getAt(base, path, Duration.ofMillis(timeoutMillis));
    }

    /** GETs {@code path} from the node at {@code url} (not necessarily the target) within {@code timeout}. */
    ContentResponse getAt(String url, String path, Duration timeout) throws Exception {
        return http.newRequest(url + path).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).send();
    }

    /** GETs {@code path} from the node at {@code url} within the request timeout. */
    ContentResponse getAt(String url, String path) throws Exception {
        return getAt(url, path, Duration.ofMillis(timeoutMillis));
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }
}
