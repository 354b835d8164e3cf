package org.consort.node.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.consort.crypto.Identity;
import org.consort.crypto.TlsContexts;

/**
 * Forwards requests to the primary over HTTPS, presenting this node's certificate (so the
 * primary accepts the caller identity it carries) and trusting only nodes endorsed by the
 * service certificate. One HTTP/2 client, its connections kept alive; thread-safe.
 */
public final class PrimaryForwarder implements ApiHandler.Forwarding {
    /** A forwarded request that takes longer than this fails with 503. */
    public static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final Supplier<Optional<String>> primaryUrl;
    private final Predicate<X509Certificate> trustedNode;

    /**
     * @param primaryUrl  the primary's URL when known and not this node
     * @param trustedNode whether a TLS peer certificate is a trusted node of this service
     */
    public PrimaryForwarder(Identity node, X509Certificate serviceCert, Supplier<Optional<String>> primaryUrl,
            Predicate<X509Certificate> trustedNode) {
        this.primaryUrl = Objects.requireNonNull(primaryUrl);
        this.trustedNode = Objects.requireNonNull(trustedNode);
        this.http = HttpClient.newBuilder()
                .sslContext(TlsContexts.client(node.privateKey(), new X509Certificate[] {node.certificate(), serviceCert},
                        serviceCert))
                .sslParameters(TlsContexts.parameters()).version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public Optional<String> primaryUrl() {
        return primaryUrl.get();
    }

    @Override
    public boolean isTrustedNode(X509Certificate[] chain) {
        return chain != null && chain.length > 0 && trustedNode.test(chain[0]);
    }

    @Override
    public ApiHandler.Forwarded forward(String url, String method, String pathAndQuery, String contentType, byte[] body,
            X509Certificate caller) throws IOException, InterruptedException {
        return forward(url, method, pathAndQuery, contentType, body, caller == null ? null : new X509Certificate[] {caller},
                null);
    }

    @Override
    public ApiHandler.Forwarded forward(String url, String method, String pathAndQuery, String contentType, byte[] body,
            X509Certificate[] callerChain, String authorization) throws IOException, InterruptedException {
        String callerHeader;
        try {
            if (callerChain == null || callerChain.length == 0) {
                callerHeader = "none";
            } else {
                StringBuilder sb = new StringBuilder();
                for (X509Certificate c : callerChain) {
                    sb.append(sb.isEmpty() ? "" : ",").append(Base64.getEncoder().encodeToString(c.getEncoded()));
                }
                callerHeader = sb.toString();
            }
        } catch (CertificateEncodingException e) {
            throw new IOException("cannot encode the caller's certificate", e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + pathAndQuery))
                .timeout(FORWARD_TIMEOUT)
                .header(ApiHandler.FORWARDED_CALLER_HEADER, callerHeader)
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("content-type", contentType);
        }
        if (authorization != null) {
            b.header("authorization", authorization);
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("no answer within " + FORWARD_TIMEOUT.toSeconds() + " s", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad primary URL " + url + ": " + e.getMessage(), e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : ApiHandler.FORWARDED_RESPONSE_HEADERS) {
            r.headers().firstValue(name).ifPresent(v -> headers.put(name, v));
        }
        return new ApiHandler.Forwarded(r.statusCode(), headers, r.body());
    }
}
