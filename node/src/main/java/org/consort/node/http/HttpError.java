package org.consort.node.http;

/**
 * An error answered to the client: HTTP status, a stable machine-readable code and a message
 * a person can act on. Handlers throw it; the server turns it into a JSON body
 * {@code {"error": {"code": ..., "message": ...}}} and never leaks a stack trace.
 */
public final class HttpError extends RuntimeException {
    private final int status;
    private final String code;
    private final Long retryAfterSeconds;

    public HttpError(int status, String code, String message) {
        this(status, code, message, null);
    }

    public HttpError(int status, String code, String message, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static HttpError badRequest(String message) {
        return new HttpError(400, "InvalidInput", message);
    }

    public static HttpError notFound(String code, String message) {
        return new HttpError(404, code, message);
    }
}
