package org.consort.ethereum.rpc;

/**
 * A JSON-RPC error answered to the caller: code, message, optional data (hex revert data for
 * code 3). Never carries a stack trace.
 */
public final class RpcError extends RuntimeException {
    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** Server error: the request is well-formed but cannot be served (geth's generic code). */
    public static final int SERVER_ERROR = -32000;
    /** EIP-1474: method exists but is not supported here. */
    public static final int METHOD_NOT_SUPPORTED = -32004;
    /** EIP-1474: a limit was exceeded (range, results, pool). */
    public static final int LIMIT_EXCEEDED = -32005;
    /** Execution reverted; {@code data} holds the revert data. */
    public static final int EXECUTION_REVERTED = 3;

    private final int code;
    private final String data;

    public RpcError(int code, String message) {
        this(code, message, null);
    }

    public RpcError(int code, String message, String data) {
        super(message, null, false, false);
        this.code = code;
        this.data = data;
    }

    public int code() {
        return code;
    }

    public String data() {
        return data;
    }

    public static RpcError invalidParams(String message) {
        return new RpcError(INVALID_PARAMS, message);
    }

    public static RpcError server(String message) {
        return new RpcError(SERVER_ERROR, message);
    }

    public static RpcError unauthorized(String message) {
        return new RpcError(SERVER_ERROR, "unauthorized: " + message);
    }
}
