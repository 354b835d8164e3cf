package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The failed requests of a load run, counted by kind. A kind is
 * <ul>
 * <li>{@code http<status>:<code>} for an error answer, with the code of its JSON body
 *     ({@code {"error": {"code": ...}}}), e.g. {@code http503:NoPrimary}, {@code http409:TransactionConflict};
 *     just {@code http<status>} when the body has no code;</li>
 * <li>{@code timeout:<exception class>} when the request timed out;</li>
 * <li>{@code connect:<exception class>} when the connection failed (refused, reset, closed, TLS);</li>
 * <li>{@code exception:<exception class>} for anything else.</li>
 * </ul>
 * Thread-safe.
 */
final class LoadErrors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The error codes with which a node says that it is not, or does not know, the primary. */
    private static final Set<String> NOT_PRIMARY = Set.of("http503:NotPrimary", "http503:NoPrimary",
            "http503:PrimaryUnreachable");

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();

    void count(String kind) {
        counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
        total.increment();
    }

    long total() {
        return total.sum();
    }

    /** The counts by kind, sorted by kind. */
    Map<String, Long> byKind() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The kind of an answer with a status other than 200. */
    static String kindOf(int status, String body) {
        String code = "";
        try {
            JsonNode json = JSON.readTree(body == null ? "" : body);
            code = json == null ? "" : json.path("error").path("code").asText("");
        } catch (IOException e) {
            // not JSON: the status alone
        }
        return "http" + status + (code.isEmpty() ? "" : ":" + code);
    }

    /** The kind of a request that threw instead of answering. */
    static String kindOf(Throwable e) {
        Throwable top = e;
        while ((top instanceof ExecutionException || top instanceof CompletionException) && top.getCause() != null) {
            top = top.getCause();
        }
        for (Throwable t = top; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.http.HttpTimeoutException) {
                return "timeout:" + t.getClass().getSimpleName();
            }
        }
        for (Throwable t = top; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return "connect:" + t.getClass().getSimpleName();
            }
        }
        // Jetty reports a connection that broke mid-exchange with these (unchecked) exceptions.
        if (top instanceof org.eclipse.jetty.client.HttpRequestException
                || top instanceof org.eclipse.jetty.client.HttpResponseException) {
            return "connect:" + top.getClass().getSimpleName();
        }
        return "exception:" + top.getClass().getSimpleName();
    }

    /**
     * Whether an error of this kind suggests that the node asked is not (or no longer) the
     * primary: it cannot be reached or timed out, or it answered 503 NotPrimary, NoPrimary or
     * PrimaryUnreachable. (503 Busy is the primary asking for patience.)
     */
    static boolean suggestsPrimaryMoved(String kind) {
        return kind.startsWith("connect:") || kind.startsWith("timeout:") || NOT_PRIMARY.contains(kind);
    }
}
