package org.consort.node.http;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import org.consort.node.Limits;
import org.consort.node.auth.Authenticator;
import org.consort.node.auth.Caller;
import org.consort.node.endpoints.Endpoint;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns HTTP requests into endpoint calls: lookup (404/405), body bound (413), authentication
 * (401/403), then the endpoint runner; errors become JSON bodies, never stack traces.
 * Runs on Jetty's worker threads (blocking style); holds no per-request state.
 */
public final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    public static final String TX_ID_HEADER = "x-consort-transaction-id";
    /** An oversized body is read and dropped up to this many times the body limit before the 413. */
    public static final int OVERSIZED_DRAIN_FACTOR = 16;

    /** Runs an endpoint; implemented by the node's transaction engine. */
    public interface EndpointRunner {
        /** The response body (null for none); may set status and headers on {@code ctx}. */
        Object run(Endpoint endpoint, RequestContext ctx);
    }

    /**
     * Sends requests that only the primary can serve to the primary, on behalf of their caller.
     * The primary accepts the caller identity carried in {@link #FORWARDED_CALLER_HEADER} only
     * from a TLS peer that is a trusted node of the service.
     */
    public interface Forwarding {
        /** URL of the primary, when one is known and it is not this node. */
        java.util.Optional<String> primaryUrl();

        /** True when {@code chain} is the certificate of a trusted node of this service. */
        boolean isTrustedNode(X509Certificate[] chain);

        /** Sends the request to {@code url} and returns the primary's answer. */
        Forwarded forward(String url, String method, String pathAndQuery, String contentType, byte[] body,
                X509Certificate caller) throws java.io.IOException, InterruptedException;

        /**
         * As {@link #forward(String, String, String, String, byte[], X509Certificate)} with the
         * caller's whole certificate chain (a CA-bundle user may need its intermediates) and its
         * Authorization header (a JWT caller: the primary verifies the token itself).
         */
        default Forwarded forward(String url, String method, String pathAndQuery, String contentType, byte[] body,
                X509Certificate[] callerChain, String authorization) throws java.io.IOException, InterruptedException {
            return forward(url, method, pathAndQuery, contentType, body,
                    callerChain == null || callerChain.length == 0 ? null : callerChain[0]);
        }
    }

    /** The primary's answer to a forwarded request. */
    public record Forwarded(int status, Map<String, String> headers, byte[] body) {
    }

    /** Header a forwarding node sets to the caller's certificate chain (base64 DER, comma-separated, leaf first), or {@code none}. */
    public static final String FORWARDED_CALLER_HEADER = "x-consort-forwarded-caller";
    /** Response headers a forwarding node passes back to the caller. */
    public static final java.util.List<String> FORWARDED_RESPONSE_HEADERS =
            java.util.List.of("content-type", TX_ID_HEADER, "retry-after", "allow");

    /** Observes each request's outcome (metrics). */
    public interface RequestObserver {
        void observe(String method, String path, int status, long nanos);
    }

    private final EndpointRegistry registry;
    private final Authenticator authenticator;
    private final EndpointRunner runner;
    private final Limits limits;
    private final RequestObserver observer;
    private final Forwarding forwarding;

    public ApiHandler(EndpointRegistry registry, Authenticator authenticator, EndpointRunner runner, Limits limits,
            RequestObserver observer) {
        this(registry, authenticator, runner, limits, observer, null);
    }

    /** @param forwarding how to reach the primary; null when this node never forwards */
    public ApiHandler(EndpointRegistry registry, Authenticator authenticator, EndpointRunner runner, Limits limits,
            RequestObserver observer, Forwarding forwarding) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.runner = runner;
        this.limits = limits;
        this.observer = observer;
        this.forwarding = forwarding;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String method = request.getMethod();
        String path = request.getHttpURI().getDecodedPath();
        String metricPath = "unknown";
        int status;
        byte[] body;
        Map<String, String> headers = Map.of();
        try {
            // The body is read (within its bound) before any answer, errors included: an HTTP/2
            // stream answered before its body was read is reset, and the client may lose the answer.
            byte[] requestBody = readBody(request);
            EndpointRegistry.Lookup lookup = registry.find(method, path == null ? "" : path);
            switch (lookup) {
                case EndpointRegistry.NotFound nf -> throw new HttpError(404, "ResourceNotFound",
                        "no endpoint at " + abbreviate(path));
                case EndpointRegistry.MethodNotAllowed mna -> {
                    response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", mna.allowed()));
                    throw new HttpError(405, "MethodNotAllowed",
                            method + " is not allowed on " + path + "; allowed: " + String.join(", ", mna.allowed()));
                }
                case EndpointRegistry.Found found -> {
                    Endpoint endpoint = found.endpoint();
                    metricPath = endpoint.path();
                    X509Certificate[] peer = peerCertificates(request);
                    String forwardedCaller = header(request, FORWARDED_CALLER_HEADER);
                    boolean forwarded = forwardedCaller != null;
                    if (forwarded) {
                        peer = forwardedCaller(forwardedCaller, peer);
                    }
                    String authorization = header(request, "authorization");
                    Caller caller = authenticator.authenticate(endpoint.auth(), peer, authorization);
                    RequestContext ctx = new RequestContext(caller, query(request), found.pathParams(), requestBody);
                    Object result;
                    try {
                        result = runner.run(endpoint, ctx);
                    } catch (ForwardToPrimary f) {
                        Forwarded answer = forward(request, forwarded, requestBody, peer, authorization, f);
                        status = answer.status();
                        headers = answer.headers();
                        body = answer.body();
                        break;
                    }
                    status = ctx.status();
                    headers = ctx.responseHeaders();
                    body = result == null ? new byte[0] : result instanceof byte[] b ? b : Json.bytes(result);
                }
            }
        } catch (HttpError e) {
            status = e.status();
            if (e.retryAfterSeconds() != null) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            }
            body = errorBody(e.code(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("internal error serving {} {}", method, path, e);
            status = 500;
            body = errorBody("InternalError", "the node could not serve this request; see the node log");
        }
        response.setStatus(status);
        headers.forEach((k, v) -> response.getHeaders().put(k, v));
        if (body.length > 0 && !response.getHeaders().contains(HttpHeader.CONTENT_TYPE)) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        observer.observe(method, metricPath, status, System.nanoTime() - start);
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    /** The caller a trusted node forwarded for; 403 when the TLS peer is not a trusted node. */
    private X509Certificate[] forwardedCaller(String value, X509Certificate[] tlsPeer) {
        if (forwarding == null || !forwarding.isTrustedNode(tlsPeer)) {
            throw new HttpError(403, "ForwardingNotAllowed",
                    "only a trusted node of this service may forward requests on behalf of a caller");
        }
        if (value.equals("none")) {
            return null;
        }
        try {
            java.security.cert.CertificateFactory f = java.security.cert.CertificateFactory.getInstance("X.509");
            String[] parts = value.split(",", 8);
            X509Certificate[] chain = new X509Certificate[parts.length];
            for (int i = 0; i < parts.length; i++) {
                byte[] der = java.util.Base64.getDecoder().decode(parts[i].strip());
                chain[i] = (X509Certificate) f.generateCertificate(new java.io.ByteArrayInputStream(der));
            }
            return chain;
        } catch (IllegalArgumentException | java.security.cert.CertificateException e) {
            throw HttpError.badRequest("header " + FORWARDED_CALLER_HEADER + " is not a base64 DER certificate");
        }
    }

    private Forwarded forward(Request request, boolean alreadyForwarded, byte[] body, X509Certificate[] caller,
            String authorization, ForwardToPrimary why) {
        if (alreadyForwarded || forwarding == null) {
            // Forward once only: a node that was primary when the request left may not be now.
            throw new HttpError(503, "NotPrimary", why.getMessage() + "; retry shortly", 1L);
        }
        String url = forwarding.primaryUrl().orElseThrow(() -> new HttpError(503, "NoPrimary",
                "no primary is known to this node right now (an election may be under way); retry shortly", 1L));
        try {
            return forwarding.forward(url, request.getMethod(), request.getHttpURI().getPathQuery(),
                    header(request, "content-type"), body, caller, authorization);
        } catch (java.io.IOException e) {
            throw new HttpError(503, "PrimaryUnreachable", "the primary could not be reached: " + e.getMessage()
                    + "; retry shortly", 1L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "PrimaryUnreachable", "interrupted while forwarding to the primary", 1L);
        }
    }

    static byte[] errorBody(String code, String message) {
        var root = Json.object();
        root.putObject("error").put("code", code).put("message", message);
        return Json.bytes(root);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 128 ? s : s.substring(0, 128) + "...";
    }

    private static X509Certificate[] peerCertificates(Request request) {
        Object data = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
        if (data instanceof EndPoint.SslSessionData ssl) {
            return ssl.peerCertificates();
        }
        return null;
    }

    private byte[] readBody(Request request) {
        long declared = request.getLength();
        int max = limits.requestBodyBytesMax();
        long drainMax = (long) max * OVERSIZED_DRAIN_FACTOR;
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (declared > max) {
                // Read and drop what the client sends (within a bound) so that it sees the 413
                // instead of a reset connection; beyond the bound the connection is just closed.
                if (declared <= drainMax) {
                    in.skipNBytes(declared);
                }
                throw tooLarge(max);
            }
            byte[] data = declared >= 0 ? readDeclared(in, (int) declared) : readUndeclared(in, max + 1);
            if (data.length > max) {
                long skipped = 0;
                while (skipped < drainMax && in.skip(Math.min(65536, drainMax - skipped)) > 0) {
                    skipped += 65536;
                }
                throw tooLarge(max);
            }
            return data;
        } catch (java.io.IOException e) {
            throw new HttpError(400, "InvalidInput", "could not read the request body");
        }
    }

    private static final byte[] NO_BODY = new byte[0];
    /** First buffer for a body of undeclared length (chunked, or HTTP/2 without content-length). */
    private static final int UNDECLARED_BODY_FIRST_BUFFER_BYTES = 512;

    /**
     * A body of a declared length (at most the limit): one array of that size. Reading it with
     * {@code readNBytes(max + 1)} allocated 16 KiB per request before the first byte, and then
     * copied the body: the largest source of garbage on a loaded primary.
     */
    private static byte[] readDeclared(InputStream in, int length) throws java.io.IOException {
        if (length == 0) {
            return NO_BODY;
        }
        byte[] data = new byte[length];
        int n = in.readNBytes(data, 0, length);
        if (n < length) {
            throw new HttpError(400, "InvalidInput", "the request body ended after " + n + " of its " + length + " bytes");
        }
        // Read to the end as well: a request whose content was not read to its end may cost the
        // client its connection (Jetty cannot reuse it before the content is consumed).
        if (in.read() != -1) {
            throw new HttpError(400, "InvalidInput", "the request body is longer than its declared " + length + " bytes");
        }
        return data;
    }

    /** A body of undeclared length: read into a buffer that doubles up to {@code limit} bytes. */
    private static byte[] readUndeclared(InputStream in, int limit) throws java.io.IOException {
        byte[] buf = NO_BODY;
        int len = 0;
        while (len < limit) {
            if (len == buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.min(limit, Math.max(UNDECLARED_BODY_FIRST_BUFFER_BYTES, 2 * buf.length)));
            }
            int n = in.read(buf, len, buf.length - len);
            if (n < 0) {
                break;
            }
            len += n;
        }
        return len == buf.length ? buf : java.util.Arrays.copyOf(buf, len);
    }

    private static HttpError tooLarge(int max) {
        return new HttpError(413, "RequestTooLarge", "request body exceeds the limit of " + max + " bytes");
    }

    private static Map<String, String> query(Request request) {
        Fields fields = Request.extractQueryParameters(request);
        Map<String, String> map = new HashMap<>();
        for (Fields.Field f : fields) {
            if (f.getValues().size() > 1) {
                throw HttpError.badRequest("query parameter '" + f.getName() + "' is given more than once");
            }
            map.put(f.getName(), f.getValue());
        }
        return map;
    }

    private static String header(Request r, String name) {
        HttpField f = r.getHeaders().getField(name);
        return f == null ? null : f.getValue();
    }
}
