package org.consort.node.endpoints;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.consort.node.auth.Caller;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;

/**
 * One request as a handler sees it: the authenticated caller, query parameters, body, and the
 * response status and headers the handler sets. Not thread-safe; one per request (and reset
 * before each retry of a write transaction).
 */
public class RequestContext {
    private final Caller caller;
    private final Map<String, String> query;
    private final byte[] body;
    private ObjectNode jsonBody;
    private int status = 200;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();

    private final Map<String, String> pathParams;

    public RequestContext(Caller caller, Map<String, String> query, byte[] body) {
        this(caller, query, Map.of(), body);
    }

    public RequestContext(Caller caller, Map<String, String> query, Map<String, String> pathParams, byte[] body) {
        this.caller = caller;
        this.query = query;
        this.pathParams = pathParams;
        this.body = body;
    }

    /** The value of a {@code {name}} segment of the endpoint's path. */
    public String pathParam(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalStateException("endpoint has no path parameter '" + name + "'");
        }
        return v;
    }

    public Caller caller() {
        return caller;
    }

    public Optional<String> query(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /** A required query parameter, or 400. */
    public String requireQuery(String name) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            throw HttpError.badRequest("missing query parameter '" + name + "'");
        }
        return v;
    }

    /** A required query parameter parsed as a long, or 400. */
    public long requireLongQuery(String name) {
        String v = requireQuery(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("query parameter '" + name + "' must be an integer");
        }
    }

    public byte[] body() {
        return body;
    }

    /** The body parsed as a JSON object (cached), or 400. */
    public ObjectNode json() {
        if (jsonBody == null) {
            jsonBody = Json.parseObject(body);
        }
        return jsonBody;
    }

    public void status(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    public void header(String name, String value) {
        responseHeaders.put(name, value);
    }

    public Map<String, String> responseHeaders() {
        return responseHeaders;
    }

    /** Clears status and headers before a write transaction is run again after a conflict. */
    public void resetResponseForRetry() {
        status = 200;
        responseHeaders.clear();
    }
}
