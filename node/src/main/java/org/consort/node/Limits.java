package org.consort.node;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Every bound between the socket and the disk, in one place. Each has a name, a default and
 * a unit in its name; the node refuses to start if they contradict each other.
 *
 * @param requestBodyBytesMax      largest request body accepted (413 above)
 * @param requestHeaderBytesMax    largest request line plus headers (431 above)
 * @param httpThreadsMax           worker threads serving HTTP requests
 * @param connectionsMax           open client connections at once; with http2StreamsMax it bounds the
 *                                 requests in progress and so Jetty's job queue (which Jetty requires to
 *                                 be unbounded itself). At the bound a new connection replaces the oldest
 *                                 that sent no request yet, else the one idle longest, else it is closed
 *                                 at once (it never waits in the kernel's backlog)
 * @param pendingEntriesMax        executed transactions waiting to reach the ledger (503 above)
 * @param writeAttemptsMax         attempts of a write transaction that meets conflicts (409 after)
 * @param logMessageBytesMax       largest message of the logging application
 * @param historyVersionsMax       versions of the store kept readable for historical queries, at most
 * @param historyBytesMax          bytes of keys and values written by the versions kept, at most; past it
 *                                 the oldest leave, down to {@link #HISTORY_VERSIONS_FLOOR} versions (or
 *                                 historyVersionsMax if lower), which always stay
 * @param http2StreamsMax          concurrent HTTP/2 streams per connection
 * @param idleTimeoutMs            idle time after which a client connection is closed
 * @param connectionsPerIdentityMax open connections of one client certificate (by key id); the TLS
 *                                 handshake of one more fails
 * @param firstRequestTimeoutMs    time from accepting a connection to the end of its first request
 *                                 head (TLS handshake included), after which it is closed however
 *                                 slowly it keeps sending; at most idleTimeoutMs (left out of a
 *                                 config, the default or idleTimeoutMs, whichever is shorter)
 */
public record Limits(int requestBodyBytesMax, int requestHeaderBytesMax, int httpThreadsMax,
        int connectionsMax, int pendingEntriesMax, int writeAttemptsMax, int logMessageBytesMax,
        int historyVersionsMax, long historyBytesMax, int http2StreamsMax, long idleTimeoutMs,
        int connectionsPerIdentityMax, long firstRequestTimeoutMs) {

    /**
     * Versions kept whatever their size. Each version kept holds the tree nodes its writes
     * replaced, so a long history of large versions (Ethereum blocks of hundreds of transactions)
     * is most of what the collector must copy or mark; the Ethereum application keeps the states
     * of its last 128 blocks apart from this (see {@code Store.keepVersions}).
     */
    public static final int HISTORY_VERSIONS_FLOOR = 128;

    public static Limits defaults() {
        return new Limits(1 << 20, 16 << 10, 200, 1024, 20_000, 16, 64 << 10, org.consort.kv.StoreConfig.HISTORY_VERSIONS_MAX_DEFAULT,
                org.consort.kv.StoreConfig.HISTORY_BYTES_MAX_DEFAULT, 128, 60_000, 256, 10_000);
    }

    /** From a config file: every bound left out takes its default. */
    @JsonCreator
    static Limits fromJson(@JsonProperty("requestBodyBytesMax") Integer requestBodyBytesMax,
            @JsonProperty("requestHeaderBytesMax") Integer requestHeaderBytesMax,
            @JsonProperty("httpThreadsMax") Integer httpThreadsMax, @JsonProperty("connectionsMax") Integer connectionsMax,
            @JsonProperty("pendingEntriesMax") Integer pendingEntriesMax,
            @JsonProperty("writeAttemptsMax") Integer writeAttemptsMax,
            @JsonProperty("logMessageBytesMax") Integer logMessageBytesMax,
            @JsonProperty("historyVersionsMax") Integer historyVersionsMax,
            @JsonProperty("historyBytesMax") Long historyBytesMax, @JsonProperty("http2StreamsMax") Integer http2StreamsMax,
            @JsonProperty("idleTimeoutMs") Long idleTimeoutMs,
            @JsonProperty("connectionsPerIdentityMax") Integer connectionsPerIdentityMax,
            @JsonProperty("firstRequestTimeoutMs") Long firstRequestTimeoutMs) {
        Limits d = defaults();
        long idle = idleTimeoutMs == null ? d.idleTimeoutMs : idleTimeoutMs;
        return new Limits(or(requestBodyBytesMax, d.requestBodyBytesMax), or(requestHeaderBytesMax, d.requestHeaderBytesMax),
                or(httpThreadsMax, d.httpThreadsMax), or(connectionsMax, d.connectionsMax),
                or(pendingEntriesMax, d.pendingEntriesMax), or(writeAttemptsMax, d.writeAttemptsMax),
                or(logMessageBytesMax, d.logMessageBytesMax), or(historyVersionsMax, d.historyVersionsMax),
                historyBytesMax == null ? d.historyBytesMax : historyBytesMax, or(http2StreamsMax, d.http2StreamsMax),
                idle, or(connectionsPerIdentityMax, d.connectionsPerIdentityMax),
                // left out, it follows a shorter idle timeout down rather than contradict it
                firstRequestTimeoutMs == null ? Math.min(d.firstRequestTimeoutMs, idle) : firstRequestTimeoutMs);
    }

    private static int or(Integer value, int otherwise) {
        return value == null ? otherwise : value;
    }

    /** The store's configuration these limits give. */
    public org.consort.kv.StoreConfig storeConfig() {
        return new org.consort.kv.StoreConfig(historyVersionsMax, historyBytesMax,
                Math.min(historyVersionsMax, HISTORY_VERSIONS_FLOOR));
    }

    public Limits {
        require(requestBodyBytesMax >= 1024, "requestBodyBytesMax must be at least 1024");
        require(requestHeaderBytesMax >= 1024, "requestHeaderBytesMax must be at least 1024");
        require(httpThreadsMax >= 4, "httpThreadsMax must be at least 4");
        require(connectionsMax >= 1, "connectionsMax must be positive");
        require(pendingEntriesMax >= 1, "pendingEntriesMax must be positive");
        require(writeAttemptsMax >= 1, "writeAttemptsMax must be positive");
        require(logMessageBytesMax >= 1 && logMessageBytesMax < requestBodyBytesMax,
                "logMessageBytesMax must be positive and below requestBodyBytesMax");
        require(historyVersionsMax >= 1, "historyVersionsMax must be positive");
        require(historyBytesMax >= 1 << 20, "historyBytesMax must be at least 1 MiB");
        require(http2StreamsMax >= 1, "http2StreamsMax must be positive");
        require(idleTimeoutMs >= 1000, "idleTimeoutMs must be at least 1000");
        require(connectionsPerIdentityMax >= 1, "connectionsPerIdentityMax must be positive");
        require(firstRequestTimeoutMs >= 100 && firstRequestTimeoutMs <= idleTimeoutMs,
                "firstRequestTimeoutMs must be at least 100 and at most idleTimeoutMs");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid limits: " + message);
        }
    }
}
