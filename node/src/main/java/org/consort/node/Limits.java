package org.consort.node;

/**
 * Every bound between the socket and the disk, in one place. Each has a name, a default and
 * a unit in its name; the node refuses to start if they contradict each other.
 *
 * @param requestBodyBytesMax      largest request body accepted (413 above)
 * @param requestHeaderBytesMax    largest request line plus headers (431 above)
 * @param httpThreadsMax           worker threads serving HTTP requests
 * @param connectionsMax           open client connections at once (new ones wait in the backlog); with
 *                                 http2StreamsMax it bounds the requests in progress and so Jetty's
 *                                 job queue (which Jetty requires to be unbounded itself)
 * @param pendingEntriesMax        executed transactions waiting to reach the ledger (503 above)
 * @param writeAttemptsMax         attempts of a write transaction that meets conflicts (409 after)
 * @param logMessageBytesMax       largest message of the logging application
 * @param historyVersionsMax       versions of the store kept readable for historical queries
 * @param http2StreamsMax          concurrent HTTP/2 streams per connection
 * @param idleTimeoutMs            idle time after which a client connection is closed
 */
public record Limits(int requestBodyBytesMax, int requestHeaderBytesMax, int httpThreadsMax,
        int connectionsMax, int pendingEntriesMax, int writeAttemptsMax, int logMessageBytesMax,
        int historyVersionsMax, int http2StreamsMax, long idleTimeoutMs) {

    public static Limits defaults() {
        return new Limits(1 << 20, 16 << 10, 200, 1024, 20_000, 16, 64 << 10, 100_000, 128, 60_000);
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
        require(http2StreamsMax >= 1, "http2StreamsMax must be positive");
        require(idleTimeoutMs >= 1000, "idleTimeoutMs must be at least 1000");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid limits: " + message);
        }
    }
}
