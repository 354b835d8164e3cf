package org.consort.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import org.consort.crypto.Pem;
import org.consort.crypto.TlsContexts;

/**
 * A client of one Consort node over HTTPS: trusts only the service certificate (node
 * certificates are endorsed by it) and presents the caller's certificate when given one.
 * Thread-safe; one instance keeps its connections alive and may be shared.
 */
public final class ConsortClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String TX_ID_HEADER = "x-consort-transaction-id";

    private final URI base;
    private final HttpClient http;

    /** A response: status, the TxID header if any, and the body (JSON when it parses). */
    public record Response(int status, Optional<String> transactionId, byte[] body, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("response body is not JSON: " + new String(body), e);
            }
        }

        public String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private ConsortClient(URI base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    /**
     * @param url         the node's base URL, e.g. {@code https://127.0.0.1:8000}
     * @param serviceCert PEM file of the service certificate
     * @param cert        PEM file of the caller's certificate, or null for none
     * @param key         PEM file of the caller's private key, or null for none
     */
    public static ConsortClient connect(String url, Path serviceCert, Path cert, Path key) throws IOException {
        return connect(url, serviceCert, cert, key, HttpClient.Version.HTTP_2);
    }

    public static ConsortClient connect(String url, Path serviceCert, Path cert, Path key, HttpClient.Version version)
            throws IOException {
        X509Certificate trusted = Pem.readCertificate(Files.readString(serviceCert));
        PrivateKey pk = null;
        X509Certificate[] chain = null;
        if (cert != null && key != null) {
            pk = Pem.readPrivateKey(Files.readString(key));
            chain = new X509Certificate[] {Pem.readCertificate(Files.readString(cert))};
        }
        HttpClient http;
        try {
            http = HttpClient.newBuilder().sslContext(TlsContexts.client(pk, chain, trusted))
                    .sslParameters(TlsContexts.parameters()).version(version).connectTimeout(Duration.ofSeconds(10)).build();
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        return new ConsortClient(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url), http);
    }

    public Response get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET());
    }

    public Response delete(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).DELETE());
    }

    public Response postJson(String path, Object body) throws IOException, InterruptedException {
        byte[] bytes = body instanceof byte[] b ? b : body instanceof String s ? s.getBytes() : JSON.writeValueAsBytes(body);
        return send(HttpRequest.newBuilder(base.resolve(path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    }

    public Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Response(r.statusCode(), r.headers().firstValue(TX_ID_HEADER), r.body(), r.headers());
    }

    /** Polls {@code /node/tx} until the transaction is Committed or Invalid, or the timeout passes. */
    public String awaitStatus(String transactionId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String status = "Unknown";
        while (System.nanoTime() < deadline) {
            Response r = get("/node/tx?transaction_id=" + transactionId);
            if (r.status() == 200) {
                status = r.json().path("status").asText();
                if (status.equals("Committed") || status.equals("Invalid")) {
                    return status;
                }
            }
            Thread.sleep(20);
        }
        return status;
    }

    public URI baseUri() {
        return base;
    }
}
