package org.consort.ethereum.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;
import org.consort.ethereum.EthereumLimits;
import org.consort.ethereum.JsonSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 over one request body: a single call or a batch (at most
 * {@link EthereumLimits#batchRequestsMax()} calls, answered in order; notifications get no
 * answer). Errors follow the specification: -32700 unparsable JSON, -32600 not a valid request,
 * -32601 unknown method, -32602 bad parameters, -32603 a bug (logged here, never shown). The
 * answer is always JSON, never a stack trace. Thread-safe.
 */
public final class JsonRpcHandler {
    private static final Logger LOG = LoggerFactory.getLogger(JsonRpcHandler.class);

    /** Makes the context of one call: the caller's snapshot of the store. */
    public interface Contexts {
        CallContext open(String userId);
    }

    private static final ThreadLocal<Subscriptions.Session> SESSION = new ThreadLocal<>();

    /** Answers a message that came over a WebSocket session (so it may subscribe). */
    public byte[] handle(Subscriptions.Session session, byte[] body) {
        SESSION.set(session);
        try {
            return handle(session.userId(), body);
        } finally {
            SESSION.remove();
        }
    }

    private final EthRpc rpc;
    private final EthereumLimits limits;
    private final Contexts contexts;

    public JsonRpcHandler(EthRpc rpc, EthereumLimits limits, Contexts contexts) {
        this.rpc = rpc;
        this.limits = limits;
        this.contexts = contexts;
    }

    /** Answers the request body of {@code userId}; an empty array means "nothing to answer" (only notifications). */
    public byte[] handle(String userId, byte[] body) {
        if (body.length > limits.requestBodyBytesMax()) {
            return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST, "request body of "
                    + body.length + " bytes exceeds the limit of " + limits.requestBodyBytesMax())));
        }
        JsonNode root;
        try {
            root = JsonSupport.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.PARSE_ERROR, "parse error: "
                    + e.getOriginalMessage())));
        } catch (IOException e) {
            return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.PARSE_ERROR, "parse error")));
        }
        if (root == null || root.isMissingNode()) {
            return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.PARSE_ERROR, "parse error: empty body")));
        }
        if (root.isArray()) {
            if (root.isEmpty()) {
                return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST, "empty batch")));
            }
            if (root.size() > limits.batchRequestsMax()) {
                return JsonSupport.bytes(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST, "batch of "
                        + root.size() + " calls exceeds the limit of " + limits.batchRequestsMax())));
            }
            ArrayNode out = JsonSupport.MAPPER.createArrayNode();
            for (JsonNode call : root) {
                one(userId, call).ifPresent(out::add);
            }
            return out.isEmpty() ? new byte[0] : JsonSupport.bytes(out);
        }
        return one(userId, root).map(JsonSupport::bytes).orElse(new byte[0]);
    }

    private Optional<ObjectNode> one(String userId, JsonNode call) {
        if (!call.isObject()) {
            return Optional.of(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST, "a call must be a JSON object")));
        }
        JsonNode id = call.get("id");
        boolean notification = id == null;
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return Optional.of(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST,
                    "id must be a string, a number or null")));
        }
        JsonNode answerId = id == null ? NullNode.instance : id;
        if (!"2.0".equals(call.path("jsonrpc").asText(null)) || !call.path("jsonrpc").isTextual()) {
            return Optional.of(error(answerId, new RpcError(RpcError.INVALID_REQUEST, "jsonrpc must be \"2.0\"")));
        }
        JsonNode method = call.get("method");
        if (method == null || !method.isTextual()) {
            return Optional.of(error(answerId, new RpcError(RpcError.INVALID_REQUEST, "method must be a string")));
        }
        ObjectNode answer = run(userId, method.asText(), call.get("params"), answerId);
        return notification ? Optional.empty() : Optional.of(answer);
    }

    private ObjectNode run(String userId, String name, JsonNode params, JsonNode id) {
        try {
            ArrayNode p;
            if (params == null || params.isNull()) {
                p = JsonSupport.MAPPER.createArrayNode();
            } else if (params.isArray()) {
                p = (ArrayNode) params;
            } else {
                throw RpcError.invalidParams("params must be an array");
            }
            EthRpc.Method m = rpc.method(name).orElseThrow(() -> new RpcError(RpcError.METHOD_NOT_FOUND,
                    "the method " + abbreviate(name) + " does not exist/is not available"));
            JsonNode result = m.call(contexts.open(userId).withSession(SESSION.get()), p);
            ObjectNode o = JsonSupport.MAPPER.createObjectNode();
            o.put("jsonrpc", "2.0");
            o.set("id", id);
            o.set("result", result);
            return o;
        } catch (RpcError e) {
            return error(id, e);
        } catch (RuntimeException | StackOverflowError e) {
            LOG.error("internal error in JSON-RPC method {}", abbreviate(name), e);
            return error(id, new RpcError(RpcError.INTERNAL_ERROR, "internal error; see the node log"));
        }
    }

    static ObjectNode error(JsonNode id, RpcError e) {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        o.put("jsonrpc", "2.0");
        o.set("id", id);
        ObjectNode err = o.putObject("error");
        err.put("code", e.code());
        err.put("message", e.getMessage());
        if (e.data() != null) {
            err.put("data", e.data());
        }
        return o;
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

}
