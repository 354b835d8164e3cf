package org.consort.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A JWT issuer as governance registered it ({@code set_jwt_issuer}): the issuer's name (the
 * tokens' {@code iss}), its public signing keys (a JWKS given in the action's arguments; keys
 * are never fetched from the network) and, optionally, the audience its tokens must name.
 *
 * <p>The identity of a caller authenticated by one of its tokens is {@link #userId}: the issuer,
 * {@code #}, the token's {@code sub}. Issuers may not contain {@code #} (OpenID Connect issuers
 * have no fragment), so the id splits back into issuer and subject unambiguously, and it never
 * equals a certificate user's key id (hex only).
 *
 * <p>Immutable; thread-safe.
 */
public record JwtIssuer(String issuer, JWKSet keys, Optional<String> audience) {
    /** Keys one issuer may register at most. */
    public static final int KEYS_MAX = 32;
    /** Longest issuer name. */
    public static final int ISSUER_CHARS_MAX = 256;
    /** Smallest RSA modulus accepted, in bits. */
    public static final int RSA_BITS_MIN = 2048;
    /** Elliptic curves accepted for ES256, ES384 and ES512. */
    public static final Set<Curve> CURVES = Set.of(Curve.P_256, Curve.P_384, Curve.P_521);

    public JwtIssuer {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(audience, "audience");
    }

    /** The user id of the subject {@code sub} of tokens from {@code issuer}. */
    public static String userId(String issuer, String subject) {
        return issuer + "#" + subject;
    }

    /** The issuer part of a JWT user id, if {@code userId} has the form {@code issuer#subject}. */
    public static Optional<String> issuerOfUserId(String userId) {
        int hash = userId.indexOf('#');
        return hash > 0 && hash < userId.length() - 1 ? Optional.of(userId.substring(0, hash)) : Optional.empty();
    }

    /**
     * Checks the arguments of {@code set_jwt_issuer}: {@code issuer} (non-empty, at most
     * {@value #ISSUER_CHARS_MAX} characters, no whitespace or {@code #}), {@code jwks} ({@code
     * {"keys": [...]}}, 1 to {@value #KEYS_MAX} public RSA keys of at least {@value #RSA_BITS_MIN}
     * bits or EC keys on P-256, P-384 or P-521, no private key material, distinct {@code kid}s,
     * {@code use} absent or {@code sig}) and {@code audience} (absent, or a non-empty string).
     * Throws IllegalArgumentException saying what is wrong.
     */
    public static JwtIssuer fromArgs(String issuer, JsonNode settings) {
        if (issuer == null || issuer.isEmpty() || issuer.length() > ISSUER_CHARS_MAX) {
            throw new IllegalArgumentException("issuer must be a string of 1 to " + ISSUER_CHARS_MAX + " characters");
        }
        if (issuer.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c) || c == '#')) {
            throw new IllegalArgumentException("issuer must not contain whitespace, control characters or '#'");
        }
        if (settings == null || !settings.isObject()) {
            throw new IllegalArgumentException("JWT issuer settings must be an object");
        }
        if (settings.has("issuer") && !issuer.equals(settings.path("issuer").asText())) {
            throw new IllegalArgumentException("the settings name another issuer");
        }
        JsonNode jwks = settings.get("jwks");
        if (jwks == null || !jwks.isObject() || !jwks.path("keys").isArray()) {
            throw new IllegalArgumentException("jwks must be a JWK set {\"keys\": [...]} with the issuer's public signing keys");
        }
        JWKSet set;
        try {
            set = JWKSet.parse(Json.write(jwks));
        } catch (ParseException e) {
            throw new IllegalArgumentException("jwks is not a valid JWK set: " + e.getMessage());
        }
        List<JWK> keys = set.getKeys();
        if (keys.isEmpty() || keys.size() > KEYS_MAX) {
            throw new IllegalArgumentException("jwks must hold 1 to " + KEYS_MAX + " keys, not " + keys.size());
        }
        Set<String> kids = new HashSet<>();
        for (JWK k : keys) {
            String name = k.getKeyID() == null ? "a key without kid" : "key '" + k.getKeyID() + "'";
            if (k.isPrivate()) {
                throw new IllegalArgumentException(name + " holds private key material: give only public keys");
            }
            if (k.getKeyUse() != null && !KeyUse.SIGNATURE.equals(k.getKeyUse())) {
                throw new IllegalArgumentException(name + " is not a signing key (use " + k.getKeyUse() + ")");
            }
            if (k instanceof RSAKey rsa) {
                if (rsa.size() < RSA_BITS_MIN) {
                    throw new IllegalArgumentException(name + " is RSA of " + rsa.size() + " bits, fewer than " + RSA_BITS_MIN);
                }
            } else if (k instanceof ECKey ec) {
                if (!CURVES.contains(ec.getCurve())) {
                    throw new IllegalArgumentException(name + " is on curve " + ec.getCurve() + "; use P-256, P-384 or P-521");
                }
            } else {
                throw new IllegalArgumentException(name + " is of type " + k.getKeyType() + "; only RSA and EC keys are accepted");
            }
            if (k.getKeyID() != null && !kids.add(k.getKeyID())) {
                throw new IllegalArgumentException("two keys have kid '" + k.getKeyID() + "'");
            }
        }
        Optional<String> audience = Optional.empty();
        JsonNode aud = settings.get("audience");
        if (aud != null && !aud.isNull()) {
            if (!aud.isTextual() || aud.asText().isEmpty()) {
                throw new IllegalArgumentException("audience must be a non-empty string");
            }
            audience = Optional.of(aud.asText());
        }
        return new JwtIssuer(issuer, set.toPublicJWKSet(), audience);
    }

    /** What the issuer's entry in {@link GovMaps#JWT_ISSUERS} holds: {"issuer", "jwks", "audience"?}. */
    public String toStoredJson() {
        ObjectNode o = Json.newObject().put("issuer", issuer);
        o.set("jwks", Json.parse(keys.toString(true), "jwks"));
        audience.ifPresent(a -> o.put("audience", a));
        return Json.write(o);
    }

    /** Reads an entry of {@link GovMaps#JWT_ISSUERS}; IllegalArgumentException if it is not a valid issuer. */
    public static JwtIssuer fromStoredJson(String issuer, String json) {
        return fromArgs(issuer, Json.object(json, "JWT issuer " + issuer));
    }
}
