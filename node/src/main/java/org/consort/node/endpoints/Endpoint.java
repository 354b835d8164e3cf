package org.consort.node.endpoints;

import java.util.List;
import java.util.Objects;
import org.consort.node.auth.AuthPolicy;

/**
 * One declared endpoint: method, path, who may call it, what it may do to the store, and the
 * handler. The description and parameters feed the generated OpenAPI document.
 */
public record Endpoint(String method, String path, AuthPolicy auth, Mode mode, String summary,
        List<Parameter> queryParameters, boolean takesJsonBody, Object handler) {

    /** A documented query parameter. */
    public record Parameter(String name, String description, boolean required) {
    }

    public Endpoint {
        Objects.requireNonNull(method);
        Objects.requireNonNull(path);
        Objects.requireNonNull(auth, "every endpoint must declare an auth policy");
        Objects.requireNonNull(mode);
        queryParameters = List.copyOf(queryParameters);
        boolean fits = switch (mode) {
            case READ_ONLY -> handler instanceof Handlers.ReadOnly;
            case READ_WRITE -> handler instanceof Handlers.ReadWrite;
            case NO_STORE -> handler instanceof Handlers.NoStore;
        };
        if (!fits) {
            throw new IllegalArgumentException("handler of " + method + " " + path + " does not match mode " + mode);
        }
    }
}
