package org.consort.node.endpoints;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.http.Json;

/**
 * All endpoints of a node, by path and method. Registration happens at start-up on one
 * thread; after {@link #freeze()} the registry is read-only and safe to share.
 */
public final class EndpointRegistry {

    /** Result of looking up a request. */
    public sealed interface Lookup permits Found, NotFound, MethodNotAllowed {
    }

    /** A match; {@code pathParams} holds the values of the template's {@code {name}} segments. */
    public record Found(Endpoint endpoint, Map<String, String> pathParams) implements Lookup {
        public Found(Endpoint endpoint) {
            this(endpoint, Map.of());
        }
    }

    public record NotFound() implements Lookup {
    }

    public record MethodNotAllowed(Set<String> allowed) implements Lookup {
    }

    private final Map<String, Map<String, Endpoint>> byPath = new TreeMap<>();
    /**
     * Paths with {@code {name}} segments, matched after the exact paths; the most specific match
     * wins ({@link PathTemplate#moreSpecificThan}), whatever the registration order.
     */
    private final List<PathTemplate> templates = new ArrayList<>();
    private boolean frozen;

    public Builder get(String path, AuthPolicy auth) {
        return new Builder("GET", path, auth);
    }

    public Builder post(String path, AuthPolicy auth) {
        return new Builder("POST", path, auth);
    }

    public Builder delete(String path, AuthPolicy auth) {
        return new Builder("DELETE", path, auth);
    }

    public Builder put(String path, AuthPolicy auth) {
        return new Builder("PUT", path, auth);
    }

    public void freeze() {
        frozen = true;
    }

    private void register(Endpoint e) {
        if (frozen) {
            throw new IllegalStateException("endpoint registry is frozen");
        }
        if (!e.path().startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/': " + e.path());
        }
        if (e.path().contains("{") && byPath.get(e.path()) == null) {
            templates.add(PathTemplate.parse(e.path()));
        }
        Map<String, Endpoint> methods = byPath.computeIfAbsent(e.path(), p -> new TreeMap<>());
        if (methods.putIfAbsent(e.method(), e) != null) {
            throw new IllegalArgumentException("duplicate endpoint " + e.method() + " " + e.path());
        }
    }

    public Lookup find(String method, String path) {
        Map<String, Endpoint> methods = byPath.get(path);
        Map<String, String> params = Map.of();
        if (methods == null || path.contains("{")) {
            methods = null;
            PathTemplate best = null;
            for (PathTemplate t : templates) {
                Map<String, String> p = t.match(path);
                if (p != null && (best == null || t.moreSpecificThan(best))) {
                    best = t;
                    params = p;
                }
            }
            if (best != null) {
                methods = byPath.get(best.text());
            }
        }
        if (methods == null) {
            return new NotFound();
        }
        Endpoint e = methods.get(method);
        if (e == null) {
            return new MethodNotAllowed(Collections.unmodifiableSet(new TreeSet<>(methods.keySet())));
        }
        return new Found(e, params);
    }

    /**
     * A path with variable segments: {@code /gov/members/proposals/{proposalId}:withdraw}. A
     * variable takes one whole segment, optionally followed by a literal suffix in the same
     * segment; values are non-empty and contain no '/'. A bare variable also matches a segment
     * with a suffix ({@code {proposalId}} matches {@code abc:withdraw}), so lookups prefer the
     * most specific template that matches.
     */
    record PathTemplate(String text, List<String> literals, List<String> names, List<String> suffixes) {
        static PathTemplate parse(String text) {
            List<String> literals = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<String> suffixes = new ArrayList<>();
            for (String segment : text.substring(1).split("/", -1)) {
                if (segment.startsWith("{")) {
                    int close = segment.indexOf('}');
                    if (close < 2) {
                        throw new IllegalArgumentException("bad path variable in " + text);
                    }
                    literals.add(null);
                    names.add(segment.substring(1, close));
                    suffixes.add(segment.substring(close + 1));
                } else if (segment.contains("{")) {
                    throw new IllegalArgumentException("a path variable must start its segment: " + text);
                } else {
                    literals.add(segment);
                    names.add(null);
                    suffixes.add(null);
                }
            }
            return new PathTemplate(text, literals, names, suffixes);
        }

        /**
         * Whether this template is more specific than {@code other} (both matching the same path,
         * so with as many segments): compared segment by segment from the left, a literal beats a
         * variable, and a variable with a longer literal suffix beats one with a shorter (or none).
         * So {@code /p/{id}:withdraw} beats {@code /p/{id}}, and {@code /p/{id}/actions} beats
         * {@code /p/{id}/{other}}.
         */
        boolean moreSpecificThan(PathTemplate other) {
            for (int i = 0; i < literals.size() && i < other.literals.size(); i++) {
                int c = Integer.compare(rank(i), other.rank(i));
                if (c != 0) {
                    return c > 0;
                }
            }
            return false;
        }

        /** A literal segment ranks above any variable; a variable ranks by its suffix's length. */
        private int rank(int segment) {
            return literals.get(segment) != null ? Integer.MAX_VALUE : suffixes.get(segment).length();
        }

        Map<String, String> match(String path) {
            if (!path.startsWith("/")) {
                return null;
            }
            String[] segments = path.substring(1).split("/", -1);
            if (segments.length != literals.size()) {
                return null;
            }
            Map<String, String> params = new java.util.HashMap<>();
            for (int i = 0; i < segments.length; i++) {
                String literal = literals.get(i);
                if (literal != null) {
                    if (!literal.equals(segments[i])) {
                        return null;
                    }
                    continue;
                }
                String suffix = suffixes.get(i);
                String seg = segments[i];
                if (!seg.endsWith(suffix) || seg.length() == suffix.length()) {
                    return null;
                }
                params.put(names.get(i), seg.substring(0, seg.length() - suffix.length()));
            }
            return params;
        }
    }

    public List<Endpoint> endpoints() {
        List<Endpoint> all = new ArrayList<>();
        byPath.values().forEach(m -> all.addAll(m.values()));
        return all;
    }

    /** An OpenAPI 3.0 document of the endpoints whose path starts with {@code prefix}. */
    public ObjectNode openApi(String prefix, String title, String version) {
        ObjectNode doc = Json.object();
        doc.put("openapi", "3.0.3");
        doc.putObject("info").put("title", title).put("version", version);
        ObjectNode schemes = doc.putObject("components").putObject("securitySchemes");
        schemes.putObject("user_cert").put("type", "mutualTLS")
                .put("description", "TLS client certificate registered as a user, or issued by a CA of a CA bundle");
        schemes.putObject("any_cert").put("type", "mutualTLS")
                .put("description", "any valid TLS client certificate (a node asking to join proves its key)");
        schemes.putObject("user_jwt").put("type", "http").put("scheme", "bearer").put("bearerFormat", "JWT")
                .put("description", "Authorization: Bearer JWT signed by an issuer governance set (set_jwt_issuer)");
        schemes.putObject("member_cert").put("type", "mutualTLS")
                .put("description", "TLS client certificate registered as a member");
        schemes.putObject("member_cose_sign1").put("type", "apiKey").put("in", "header").put("name", "content-type")
                .put("description", "Body is a COSE Sign1 envelope (application/cose) signed by a member, "
                        + "with msg_type and created_at in the protected header");
        ObjectNode paths = doc.putObject("paths");
        for (Endpoint e : endpoints()) {
            if (!e.path().startsWith(prefix)) {
                continue;
            }
            ObjectNode pathItem = paths.has(e.path()) ? (ObjectNode) paths.get(e.path()) : paths.putObject(e.path());
            ObjectNode op = pathItem.putObject(e.method().toLowerCase(java.util.Locale.ROOT));
            op.put("summary", e.summary());
            op.put("operationId", e.method() + " " + e.path());
            op.put("x-consort-mode", e.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            ArrayNode security = op.putArray("security");
            switch (e.auth()) {
                case NO_AUTH -> { }
                case ANY_CERT -> security.addObject().putArray("any_cert");
                case USER_CERT -> security.addObject().putArray("user_cert");
                case USER_CERT_OR_JWT -> {
                    security.addObject().putArray("user_cert");
                    security.addObject().putArray("user_jwt");
                }
                case MEMBER_CERT -> security.addObject().putArray("member_cert");
                case MEMBER_SIGNATURE -> security.addObject().putArray("member_cose_sign1");
                case USER_OR_MEMBER_CERT -> {
                    security.addObject().putArray("user_cert");
                    security.addObject().putArray("member_cert");
                }
            }
            if (!e.queryParameters().isEmpty() || e.path().contains("{")) {
                ArrayNode params = op.putArray("parameters");
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]+)}").matcher(e.path());
                while (m.find()) {
                    ObjectNode pn = params.addObject();
                    pn.put("name", m.group(1)).put("in", "path").put("required", true);
                    pn.putObject("schema").put("type", "string");
                }
                for (Endpoint.Parameter p : e.queryParameters()) {
                    ObjectNode pn = params.addObject();
                    pn.put("name", p.name()).put("in", "query").put("required", p.required())
                            .put("description", p.description());
                    pn.putObject("schema").put("type", "string");
                }
            }
            if (e.takesJsonBody()) {
                op.putObject("requestBody").put("required", true).putObject("content")
                        .putObject("application/json").putObject("schema").put("type", "object");
            }
            ObjectNode responses = op.putObject("responses");
            ObjectNode ok = responses.putObject("200").put("description", "Success");
            ok.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
            if (e.mode() == Mode.READ_WRITE) {
                ok.putObject("headers").putObject("x-consort-transaction-id")
                        .put("description", "TxID (view.seqno) of the transaction").putObject("schema").put("type", "string");
            }
            responses.putObject("default").put("description", "Error: {\"error\": {\"code\", \"message\"}}");
        }
        return doc;
    }

    /** Declares one endpoint; finish with one of the handler methods, which registers it. */
    public final class Builder {
        private final String method;
        private final String path;
        private final AuthPolicy auth;
        private String summary = "";
        private final List<Endpoint.Parameter> params = new ArrayList<>();
        private boolean jsonBody;

        private Builder(String method, String path, AuthPolicy auth) {
            this.method = method;
            this.path = path;
            this.auth = auth;
        }

        public Builder summary(String text) {
            this.summary = text;
            return this;
        }

        public Builder query(String name, String description, boolean required) {
            params.add(new Endpoint.Parameter(name, description, required));
            return this;
        }

        public Builder jsonBody() {
            this.jsonBody = true;
            return this;
        }

        public Endpoint readOnly(Handlers.ReadOnly handler) {
            return done(Mode.READ_ONLY, handler);
        }

        public Endpoint readWrite(Handlers.ReadWrite handler) {
            return done(Mode.READ_WRITE, handler);
        }

        public Endpoint noStore(Handlers.NoStore handler) {
            return done(Mode.NO_STORE, handler);
        }

        private Endpoint done(Mode mode, Object handler) {
            Endpoint e = new Endpoint(method, path, auth, mode, summary, params, jsonBody, handler);
            register(e);
            return e;
        }
    }
}
