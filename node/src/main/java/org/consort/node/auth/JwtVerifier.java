package org.consort.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.security.Key;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.consort.governance.GovMaps;
import org.consort.governance.JwtIssuer;
import org.consort.kv.ReadTx;
import org.consort.node.http.HttpError;

/**
 * Verifies bearer tokens (JWS compact JWTs) against the issuers governance registered
 * ({@link GovMaps#JWT_ISSUERS}): the token must be signed (never {@code alg: none}) with an
 * asymmetric algorithm ({@link #ALGORITHMS}) by a key of the issuer named in its {@code iss}
 * (chosen by {@code kid} when the token names one), must have an {@code exp} not passed and an
 * {@code nbf}, if any, reached by the node's clock give or take {@link #CLOCK_SKEW}, a
 * {@code sub}, and the issuer's audience in {@code aud} when the issuer has one. Signature
 * checks are nimbus-jose-jwt's. Every refusal is a 401 whose message says which check failed.
 *
 * <p>Thread-safe; the parsed issuers are cached for as long as their stored entry is unchanged.
 */
public final class JwtVerifier {
    /** How far the node's clock may be from the issuer's when checking {@code exp} and {@code nbf}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    /** Longest token accepted, in characters. */
    public static final int TOKEN_CHARS_MAX = 8 * 1024;
    /** Issuers whose parsed keys are remembered at most. */
    public static final int ISSUER_CACHE_ENTRIES_MAX = 1_000;
    /** The signature algorithms accepted: RSA (PKCS#1 v1.5 and PSS) and ECDSA; no HMAC, no none. */
    public static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);

    private final InstantSource clock;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();
    private final ConcurrentHashMap<String, Parsed> issuers = new ConcurrentHashMap<>();

    private record Parsed(String stored, JwtIssuer issuer) {
    }

    public JwtVerifier(InstantSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The user a valid token identifies; HttpError 401 saying why a token is not valid. */
    public Caller verify(String token, ReadTx tx) {
        if (token.length() > TOKEN_CHARS_MAX) {
            throw invalid("InvalidToken", "the bearer token is longer than " + TOKEN_CHARS_MAX + " characters");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException | RuntimeException e) {
            throw invalid("InvalidToken", "the bearer token is not a JWT: " + e.getMessage());
        }
        if (jwt instanceof PlainJWT) {
            throw invalid("UnsignedToken", "the bearer token is not signed (alg none); tokens must be signed by their issuer");
        }
        if (jwt instanceof EncryptedJWT || !(jwt instanceof SignedJWT signed)) {
            throw invalid("InvalidToken", "encrypted (JWE) tokens are not accepted; send a signed JWT");
        }
        JWSHeader header = signed.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw invalid("InvalidToken", "tokens signed with " + header.getAlgorithm() + " are not accepted; use RS256, "
                    + "RS384, RS512, PS256, PS384, PS512, ES256, ES384 or ES512");
        }
        JWTClaimsSet claims;
        try {
            claims = signed.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw invalid("InvalidToken", "the token's claims are not a JSON object: " + e.getMessage());
        }
        String iss = claims.getIssuer();
        if (iss == null || iss.isEmpty()) {
            throw invalid("InvalidToken", "the token has no iss (issuer) claim");
        }
        JwtIssuer issuer = issuer(tx, iss).orElseThrow(() -> invalid("UnknownTokenIssuer", "the token's issuer '"
                + printable(iss) + "' is not one that governance trusts (set_jwt_issuer)"));
        checkSignature(signed, header, issuer);
        checkClaims(claims, issuer);
        String sub = claims.getSubject();
        return new Caller(Caller.Kind.USER, JwtIssuer.userId(iss, sub), null, Caller.Method.JWT, Optional.of(iss),
                Optional.of(sub), nonNull(claims.toJSONObject()));
    }

    private void checkSignature(SignedJWT signed, JWSHeader header, JwtIssuer issuer) {
        List<? extends Key> keys;
        try {
            keys = new JWSVerificationKeySelector<SecurityContext>(header.getAlgorithm(),
                    new ImmutableJWKSet<>(issuer.keys())).selectJWSKeys(header, null);
        } catch (com.nimbusds.jose.KeySourceException e) {
            keys = List.of();
        }
        if (keys.isEmpty()) {
            throw invalid("InvalidTokenSignature", "no key of issuer '" + issuer.issuer() + "' fits the token ("
                    + header.getAlgorithm() + (header.getKeyID() == null ? "" : ", kid '" + printable(header.getKeyID()) + "'")
                    + ")");
        }
        for (Key key : keys) {
            try {
                JWSVerifier verifier = verifiers.createJWSVerifier(header, key);
                if (signed.verify(verifier)) {
                    return;
                }
            } catch (JOSEException e) {
                // This key cannot check this token (e.g. another curve); try the next one.
            }
        }
        throw invalid("InvalidTokenSignature", "the token's signature does not verify with the keys of issuer '"
                + issuer.issuer() + "'");
    }

    private void checkClaims(JWTClaimsSet claims, JwtIssuer issuer) {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw invalid("InvalidToken", "the token has no exp (expiry) claim");
        }
        if (now.isAfter(exp.toInstant().plus(CLOCK_SKEW))) {
            throw invalid("TokenExpired", "the token expired at " + exp.toInstant() + " (node time " + now + ", "
                    + CLOCK_SKEW.toSeconds() + " s skew allowed)");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(CLOCK_SKEW).isBefore(nbf.toInstant())) {
            throw invalid("TokenNotYetValid", "the token is not valid before " + nbf.toInstant() + " (node time " + now
                    + ", " + CLOCK_SKEW.toSeconds() + " s skew allowed)");
        }
        String sub = claims.getSubject();
        if (sub == null || sub.isEmpty()) {
            throw invalid("InvalidToken", "the token has no sub (subject) claim");
        }
        if (issuer.audience().isPresent()) {
            List<String> aud = claims.getAudience();
            if (aud == null || !aud.contains(issuer.audience().get())) {
                throw invalid("WrongTokenAudience", "the token's audience " + (aud == null ? "(none)" : printable(aud.toString()))
                        + " does not include '" + issuer.audience().get() + "', which issuer '" + issuer.issuer() + "' requires");
            }
        }
    }

    private Optional<JwtIssuer> issuer(ReadTx tx, String iss) {
        Optional<String> stored = tx.read(GovMaps.JWT_ISSUERS).get(iss);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        Parsed cached = issuers.get(iss);
        if (cached != null && cached.stored().equals(stored.get())) {
            return Optional.of(cached.issuer());
        }
        JwtIssuer parsed;
        try {
            parsed = JwtIssuer.fromStoredJson(iss, stored.get());
        } catch (IllegalArgumentException e) {
            // Governance checked it when it was set; a bad entry is refused, never trusted.
            throw invalid("UnknownTokenIssuer", "the settings of issuer '" + printable(iss) + "' cannot be read: "
                    + e.getMessage());
        }
        if (issuers.size() >= ISSUER_CACHE_ENTRIES_MAX) {
            issuers.clear();
        }
        issuers.put(iss, new Parsed(stored.get(), parsed));
        return Optional.of(parsed);
    }

    private static java.util.Map<String, Object> nonNull(java.util.Map<String, Object> claims) {
        java.util.Map<String, Object> out = new java.util.TreeMap<>();
        claims.forEach((k, v) -> {
            if (v != null) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static HttpError invalid(String code, String message) {
        return new HttpError(401, code, message);
    }

    private static String printable(String s) {
        String cut = s.length() > 128 ? s.substring(0, 128) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
