package org.consort.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import org.consort.governance.GovMaps;
import org.consort.governance.JwtIssuer;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;
import org.consort.node.http.HttpError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bearer tokens against the issuers in the store, with the node's clock fixed. */
class JwtVerifierTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final String ISS = "https://idp.example";
    static RSAKey rsa;
    static ECKey ec;
    static RSAKey stranger;
    static Store store;
    static final JwtVerifier VERIFIER = new JwtVerifier(InstantSource.fixed(NOW));

    @BeforeAll
    static void setUp() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate(); // same kid, other key
        store = new Store(StoreConfig.defaults());
        ObjectMapper json = new ObjectMapper();
        WriteTx tx = store.writeTx();
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString(true);
        tx.write(GovMaps.JWT_ISSUERS).put(ISS, JwtIssuer.fromArgs(ISS, json.readTree(
                "{\"jwks\":" + jwks + ",\"audience\":\"consort\"}")).toStoredJson());
        tx.write(GovMaps.JWT_ISSUERS).put("https://no-audience.example", JwtIssuer.fromArgs("https://no-audience.example",
                json.readTree("{\"jwks\":" + jwks + "}")).toStoredJson());
        store.commit(tx);
    }

    static JWTClaimsSet.Builder claims(String iss) {
        return new JWTClaimsSet.Builder().issuer(iss).subject("alice").audience("consort")
                .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(10)))).issueTime(Date.from(NOW));
    }

    static String rs256(JWTClaimsSet c, RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT)
                .build(), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static String es256(JWTClaimsSet c) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), c);
        jwt.sign(new ECDSASigner(ec));
        return jwt.serialize();
    }

    static Caller verify(String token) {
        return VERIFIER.verify(token, store.readTx());
    }

    static HttpError refused(String token) {
        HttpError e = catchThrowableOfType(HttpError.class, () -> verify(token));
        assertThat(e).as("token was accepted").isNotNull();
        assertThat(e.status()).isEqualTo(401);
        return e;
    }

    @Test
    void rs256AndEs256TokensOfAKnownIssuerIdentifyIssuerAndSubject() throws Exception {
        Caller a = verify(rs256(claims(ISS).build(), rsa));
        assertThat(a.kind()).isEqualTo(Caller.Kind.USER);
        assertThat(a.method()).isEqualTo(Caller.Method.JWT);
        assertThat(a.id()).isEqualTo("https://idp.example#alice");
        assertThat(a.issuer()).contains(ISS);
        assertThat(a.subject()).contains("alice");
        assertThat(a.certificate()).isNull();
        assertThat(a.claims()).containsEntry("sub", "alice");
        assertThat(verify(es256(claims(ISS).build())).id()).isEqualTo(a.id());
        // A token without kid is checked against every key of its algorithm.
        SignedJWT noKid = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims(ISS).build());
        noKid.sign(new RSASSASigner(rsa));
        assertThat(verify(noKid.serialize()).id()).isEqualTo(a.id());
        // An issuer without audience accepts tokens without aud.
        assertThat(verify(rs256(claims("https://no-audience.example").audience((String) null).build(), rsa)).id())
                .isEqualTo("https://no-audience.example#alice");
    }

    @Test
    void expiryAndNotBeforeFollowTheNodeClockWithASmallSkew() throws Exception {
        assertThat(verify(rs256(claims(ISS).expirationTime(Date.from(NOW.minusSeconds(30))).build(), rsa)).id())
                .as("within the skew").endsWith("#alice");
        HttpError expired = refused(rs256(claims(ISS).expirationTime(Date.from(NOW.minusSeconds(61))).build(), rsa));
        assertThat(expired.code()).isEqualTo("TokenExpired");
        assertThat(expired.getMessage()).contains("expired at 2026-03-01T11:58:59Z").contains("node time 2026-03-01T12:00:00Z");
        HttpError early = refused(rs256(claims(ISS).notBeforeTime(Date.from(NOW.plusSeconds(120))).build(), rsa));
        assertThat(early.code()).isEqualTo("TokenNotYetValid");
        assertThat(refused(rs256(claims(ISS).expirationTime(null).build(), rsa)).getMessage()).contains("no exp");
    }

    @Test
    void badTokensAreRefusedWithTheReason() throws Exception {
        HttpError unknown = refused(rs256(claims("https://evil.example").build(), rsa));
        assertThat(unknown.code()).isEqualTo("UnknownTokenIssuer");
        assertThat(unknown.getMessage()).contains("https://evil.example").contains("set_jwt_issuer");

        HttpError forged = refused(rs256(claims(ISS).build(), stranger));
        assertThat(forged.code()).isEqualTo("InvalidTokenSignature");
        assertThat(forged.getMessage()).contains("does not verify");
        // A valid token whose payload is changed after signing.
        String[] parts = rs256(claims(ISS).build(), rsa).split("\\.");
        String otherPayload = claims(ISS).subject("mallory").build().toPayload().toBase64URL().toString();
        assertThat(refused(parts[0] + "." + otherPayload + "." + parts[2]).code()).isEqualTo("InvalidTokenSignature");

        HttpError none = refused(new PlainJWT(claims(ISS).build()).serialize());
        assertThat(none.code()).isEqualTo("UnsignedToken");
        assertThat(none.getMessage()).contains("alg none");

        // HS256 with the RSA modulus as secret (algorithm confusion) is refused before any key is tried.
        SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims(ISS).build());
        hs.sign(new MACSigner(rsa.getModulus().decode()));
        assertThat(refused(hs.serialize()).getMessage()).contains("HS256 are not accepted");

        HttpError audience = refused(rs256(claims(ISS).audience("someone-else").build(), rsa));
        assertThat(audience.code()).isEqualTo("WrongTokenAudience");
        assertThat(audience.getMessage()).contains("someone-else").contains("'consort'");
        assertThat(refused(rs256(claims(ISS).audience((String) null).build(), rsa)).code()).isEqualTo("WrongTokenAudience");

        SignedJWT unknownKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-9").build(), claims(ISS).build());
        unknownKid.sign(new RSASSASigner(rsa));
        assertThat(refused(unknownKid.serialize()).getMessage()).contains("no key of issuer").contains("rsa-9");

        assertThat(refused(rs256(claims(ISS).subject(null).build(), rsa)).getMessage()).contains("no sub");
        assertThat(refused("not.a.jwt").code()).isEqualTo("InvalidToken");
        String b64 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"RS256\"}".getBytes());
        for (String garbage : List.of("a.b.c", "...", b64 + ".bm90IGpzb24." + b64, b64 + ".W10.", "eyJ9.e30.",
                "ey" + "A".repeat(50) + ".e30.sig", b64 + "." + b64 + "." + "!!!!")) {
            assertThat(refused(garbage).code()).as(garbage).isIn("InvalidToken", "InvalidTokenSignature");
        }
        assertThat(refused("x".repeat(JwtVerifier.TOKEN_CHARS_MAX + 1)).getMessage()).contains("longer than");
    }

    @Test
    void onlyBearerAuthorizationIsAccepted() {
        assertThat(StoreAuthenticator.bearerToken("Bearer abc")).isEqualTo("abc");
        assertThat(StoreAuthenticator.bearerToken("bearer   abc ")).isEqualTo("abc");
        HttpError basic = catchThrowableOfType(HttpError.class, () -> StoreAuthenticator.bearerToken("Basic dXNlcjpwYXNz"));
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.code()).isEqualTo("UnsupportedAuthorization");
        assertThat(catchThrowableOfType(HttpError.class, () -> StoreAuthenticator.bearerToken("Bearer ")).status()).isEqualTo(401);
    }
}
