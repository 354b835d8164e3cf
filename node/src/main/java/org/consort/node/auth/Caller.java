package org.consort.node.auth;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who sent a request, as established by the authentication policy of the endpoint, and how.
 *
 * <p>Ids: a certificate holder (registered or admitted by a CA bundle) is identified by the key
 * id of its certificate (hex SHA-256 of the SubjectPublicKeyInfo); a JWT caller by
 * {@code iss#sub} ({@link org.consort.governance.JwtIssuer#userId}).
 *
 * @param kind        what kind of identity matched
 * @param id          the identity's id, or empty for anonymous
 * @param certificate the client certificate presented over TLS, or null (always null for a JWT caller)
 * @param method      how the caller was authenticated
 * @param issuer      for {@link Method#CA_BUNDLE}, the bundle's name; for {@link Method#JWT}, the token's {@code iss}
 * @param subject     for {@link Method#CA_BUNDLE}, the certificate's subject DN; for {@link Method#JWT}, the token's {@code sub}
 * @param claims      for {@link Method#JWT}, every claim of the verified token (JSON types); else empty
 */
public record Caller(Kind kind, String id, X509Certificate certificate, Method method, Optional<String> issuer,
                     Optional<String> subject, Map<String, Object> claims) {
    /** CERTIFICATE: an unregistered certificate holder, identified by its key id only. */
    public enum Kind { ANONYMOUS, CERTIFICATE, USER, MEMBER }

    /** How a caller proved who it is. */
    public enum Method {
        /** Nothing was checked (anonymous). */
        NONE,
        /** A valid TLS client certificate, not necessarily known to governance ({@link Kind#CERTIFICATE}). */
        TLS_CERTIFICATE,
        /** A TLS client certificate that governance registered as this user or member. */
        REGISTERED_CERTIFICATE,
        /** A TLS client certificate whose chain ends at a CA of a governance CA bundle. */
        CA_BUNDLE,
        /** An {@code Authorization: Bearer} JWT signed by an issuer governance trusts. */
        JWT
    }

    public static final Caller ANONYMOUS = new Caller(Kind.ANONYMOUS, "", null);

    public Caller {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        claims = Map.copyOf(claims);
    }

    /** A caller whose method follows from its kind: none, any certificate, or a registered certificate. */
    public Caller(Kind kind, String id, X509Certificate certificate) {
        this(kind, id, certificate, switch (kind) {
            case ANONYMOUS -> Method.NONE;
            case CERTIFICATE -> Method.TLS_CERTIFICATE;
            case USER, MEMBER -> Method.REGISTERED_CERTIFICATE;
        }, Optional.empty(), Optional.empty(), Map.of());
    }
}
