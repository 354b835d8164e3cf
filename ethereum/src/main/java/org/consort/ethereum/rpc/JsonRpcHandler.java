package org.consort.ethereum.rpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.consort.ethereum.EthereumLimits;
import org.consort.ethereum.JsonSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 over one request body: a single call or a batch (at most
 * {@link EthereumLimits#batchRequestsMax()} calls, answered in order; notifications get no
 * answer). Errors follow the specification: -32700 unparsable JSON, -32600 not a valid request,
 * -32601 unknown method, -32602 bad parameters, -32603 a bug (logged here, never shown). The
 * answer is always JSON, never a stack trace. The calls of one body read one snapshot of the
 * store, and a batch starts every {@code eth_sendRawTransaction} before it awaits the first, so
 * its transactions share a block. Thread-safe.
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
            Request request = new Request(userId);
            List<Slot> slots = new ArrayList<>(root.size());
            for (JsonNode call : root) {
                slots.add(start(request, call));
            }
            request.submitQueued();
            ArrayNode out = JsonSupport.MAPPER.createArrayNode();
            for (Slot slot : slots) {
                slot.answer(request.deadlineNanos).ifPresent(out::add);
            }
            return out.isEmpty() ? new byte[0] : JsonSupport.bytes(out);
        }
        Request request = new Request(userId);
        Slot only = start(request, root);
        request.submitQueued();
        return only.answer(request.deadlineNanos).map(JsonSupport::bytes).orElse(new byte[0]);
    }

    /**
     * One request body: its calls share one snapshot of the store (a batch is answered as if its
     * calls ran at the same time, which JSON-RPC 2.0 allows) and one deadline for the answers
     * that are awaited.
     */
    private final class Request {
        final String userId;
        final long deadlineNanos;
        private CallContext context;

        Request(String userId) {
            this.userId = userId;
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(rpc.submitWaitMs());
        }

        void submitQueued() {
            if (context != null) {
                rpc.submitQueued(context);
            }
        }

        CallContext context() {
            if (context == null) {
                context = contexts.open(userId).withSession(SESSION.get());
            }
            return context;
        }
    }

    /** The answer to one call of a request, ready or to be awaited. */
    private interface Slot {
        /** The answer object, or empty for a notification. */
        Optional<ObjectNode> answer(long deadlineNanos);
    }

    private static Slot ready(ObjectNode answer) {
        return d -> Optional.of(answer);
    }

    /** Checks one call and runs it, or starts it when its method's answer may be awaited. */
    private Slot start(Request request, JsonNode call) {
        if (!call.isObject()) {
            return ready(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST, "a call must be a JSON object")));
        }
        JsonNode id = call.get("id");
        boolean notification = id == null;
        if (id != null && !(id.isTextual() || id.isNumber() || id.isNull())) {
            return ready(error(NullNode.instance, new RpcError(RpcError.INVALID_REQUEST,
                    "id must be a string, a number or null")));
        }
        JsonNode answerId = id == null ? NullNode.instance : id;
        if (!"2.0".equals(call.path("jsonrpc").asText(null)) || !call.path("jsonrpc").isTextual()) {
            return ready(error(answerId, new RpcError(RpcError.INVALID_REQUEST, "jsonrpc must be \"2.0\"")));
        }
        JsonNode method = call.get("method");
        if (method == null || !method.isTextual()) {
            return ready(error(answerId, new RpcError(RpcError.INVALID_REQUEST, "method must be a string")));
        }
        String name = method.asText();
        Slot slot = guarded(name, answerId, () -> {
            ArrayNode p = params(call.get("params"));
            Optional<EthRpc.StartedMethod> later = rpc.startedMethod(name);
            if (later.isPresent()) {
                EthRpc.Started started = later.get().start(request.context(), p);
                return d -> guarded(name, answerId, () -> ready(result(answerId, started.await(d)))).answer(d);
            }
            EthRpc.Method m = rpc.method(name).orElseThrow(() -> new RpcError(RpcError.METHOD_NOT_FOUND,
                    "the method " + abbreviate(name) + " does not exist/is not available"));
            return ready(result(answerId, m.call(request.context(), p)));
        });
        return notification ? d -> {
            slot.answer(d);
            return Optional.empty();
        } : slot;
    }

    private static ArrayNode params(JsonNode params) {
        if (params == null || params.isNull()) {
            return JsonSupport.MAPPER.createArrayNode();
        }
        if (params.isArray()) {
            return (ArrayNode) params;
        }
        throw RpcError.invalidParams("params must be an array");
    }

    private static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        o.put("jsonrpc", "2.0");
        o.set("id", id);
        o.set("result", result);
        return o;
    }

    /** Runs {@code body}; what it throws becomes the call's error answer, a bug logged and never shown. */
    private static Slot guarded(String name, JsonNode id, java.util.function.Supplier<Slot> body) {
        try {
            return body.get();
        } catch (RpcError e) {
            return ready(error(id, e));
        } catch (RuntimeException | StackOverflowError e) {
            LOG.error("internal error in JSON-RPC method {}", abbreviate(name), e);
            return ready(error(id, new RpcError(RpcError.INTERNAL_ERROR, "internal error; see the node log")));
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
