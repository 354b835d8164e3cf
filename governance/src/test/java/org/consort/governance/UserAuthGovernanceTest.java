package org.consort.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Pem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The actions that decide who may authenticate as a user (CA bundles and JWT issuers) and which
 * attestation platforms may join: what validate refuses, what apply stores.
 */
class UserAuthGovernanceTest {
    static RSAKey rsa;
    static ECKey ec;

    @BeforeAll
    static void keys() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    }

    private static ProposalStatus accept(GovFixture f, String action) {
        ProposalStatus p = f.propose(0, action);
        f.vote(0, p.proposalId(), true);
        ProposalStatus done = f.vote(1, p.proposalId(), true);
        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(ProposalState.Accepted);
        return done;
    }

    private static String refusal(GovFixture f, String action) {
        try {
            ProposalStatus p = f.propose(0, action);
            throw new AssertionError("proposal was not refused: " + p);
        } catch (GovernanceRefusal e) {
            assertThat(e.code()).isEqualTo(RefusalCode.PROPOSAL_INVALID);
            return e.getMessage();
        }
    }

    private static String issuerArgs(String issuer, String jwksJson, String audience) {
        return "{\"issuer\":" + GovFixture.quote(issuer) + ",\"jwks\":" + jwksJson
                + (audience == null ? "" : ",\"audience\":" + GovFixture.quote(audience)) + "}";
    }

    @Test
    void aJwtIssuerIsStoredWithItsPublicKeysOnlyAndItsUsersGetAddresses() {
        GovFixture f = new GovFixture(3, false, 0);
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString(true);
        accept(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example", jwks, "consort")));
        String stored = f.store.readTx().read(GovMaps.JWT_ISSUERS).get("https://idp.example").orElseThrow();
        JwtIssuer issuer = JwtIssuer.fromStoredJson("https://idp.example", stored);
        assertThat(issuer.keys().getKeys()).hasSize(2).noneMatch(k -> k.isPrivate());
        assertThat(issuer.audience()).contains("consort");

        // A user of that issuer is bound to an address by its id, issuer#subject.
        String alice = JwtIssuer.userId("https://idp.example", "alice");
        assertThat(alice).isEqualTo("https://idp.example#alice");
        accept(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":" + GovFixture.quote(alice)
                + ",\"addresses\":[\"0x00000000000000000000000000000000000000aa\"]}"));
        assertThat(f.store.readTx().read(GovMaps.ETHEREUM_USER_ADDRESSES).get(alice)).isPresent();
        // No such issuer: no such user.
        assertThat(refusal(f, GovFixture.action("set_user_ethereum_addresses",
                "{\"user_id\":\"https://other.example#alice\",\"addresses\":[]}"))).contains("no user");

        // Removing the issuer removes its users' bindings.
        accept(f, GovFixture.action("remove_jwt_issuer", "{\"issuer\":\"https://idp.example\"}"));
        assertThat(f.store.readTx().read(GovMaps.JWT_ISSUERS).get("https://idp.example")).isEmpty();
        assertThat(f.store.readTx().read(GovMaps.ETHEREUM_USER_ADDRESSES).get(alice)).isEmpty();
    }

    @Test
    void badJwtIssuersAreRefusedByValidateWithTheReason() throws Exception {
        GovFixture f = new GovFixture(3, false, 0);
        String good = new JWKSet(rsa.toPublicJWK()).toString(true);
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example",
                new JWKSet(rsa).toString(false), null)))).contains("private key material");
        RSAKey small = new RSAKeyGenerator(1024, true).keyID("small").generate();
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example",
                new JWKSet(small.toPublicJWK()).toString(true), null)))).contains("fewer than 2048");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example#x", good, null))))
                .contains("'#'");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example", "{\"keys\":[]}", null))))
                .contains("1 to 32 keys");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example",
                "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\"}]}", null)))).contains("not a valid JWK set");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", "{\"issuer\":\"https://idp.example\"}")))
                .contains("jwks must be a JWK set");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", issuerArgs("https://idp.example", good, "")))).contains("audience");
        assertThat(refusal(f, GovFixture.action("set_jwt_issuer", "{\"issuer\":\"https://idp.example\",\"jwks\":" + good
                + ",\"auto_refresh\":true}"))).contains("unexpected argument 'auto_refresh'");
        assertThat(f.store.readTx().read(GovMaps.JWT_ISSUERS).get("https://idp.example")).isEmpty();
    }

    @Test
    void aCaBundleHoldsOnlyCaCertificates() {
        GovFixture f = new GovFixture(3, false, 0);
        SecureRandom random = new SecureRandom();
        KeyPair caKey = EcCurve.P384.generateKeyPair(random);
        String ca = Pem.certificate(Certificates.selfSignedService(caKey, "Org A CA", GovFixture.NOW.minus(Duration.ofDays(1)),
                Duration.ofDays(365), random));
        String notCa = GovFixture.identity("just a user", EcCurve.P256).certificatePem();
        assertThat(refusal(f, GovFixture.action("set_ca_cert_bundle", "{\"name\":\"org-a\",\"cert_bundle\":"
                + GovFixture.quote(ca + notCa) + "}"))).contains("certificate 2 of CA bundle org-a").contains("is not a CA");
        assertThat(refusal(f, GovFixture.action("set_ca_cert_bundle", "{\"name\":\"org-a\",\"cert_bundle\":\"nonsense\"}")))
                .contains("1 to 64 certificates");
        accept(f, GovFixture.action("set_ca_cert_bundle", "{\"name\":\"org-a\",\"cert_bundle\":" + GovFixture.quote(ca) + "}"));
        assertThat(f.store.readTx().read(GovMaps.CA_CERT_BUNDLES).get("org-a")).contains(ca);

        // While a bundle is set, a key id may be bound to addresses (a CA-admitted user's id).
        String keyId = Certificates.keyId(Pem.readCertificate(notCa));
        accept(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":\"" + keyId
                + "\",\"addresses\":[\"0x00000000000000000000000000000000000000bb\"]}"));
        accept(f, GovFixture.action("remove_ca_cert_bundle", "{\"name\":\"org-a\"}"));
        assertThat(f.store.readTx().read(GovMaps.CA_CERT_BUNDLES).get("org-a")).isEmpty();
        assertThat(refusal(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":\"" + keyId
                + "\",\"addresses\":[]}"))).contains("no user");
    }

    @Test
    void platformsAreAddedAndRemovedByVote() {
        GovFixture f = new GovFixture(3, false, 0);
        accept(f, GovFixture.action("add_platform", "{\"platform\":\"sev-snp\"}"));
        assertThat(f.store.readTx().read(GovMaps.NODE_PLATFORMS).get("sev-snp")).contains("{\"status\":\"AllowedToJoin\"}");
        assertThat(refusal(f, GovFixture.action("add_platform", "{\"platform\":\"SEV SNP\"}"))).contains("lower-case");
        assertThat(refusal(f, GovFixture.action("remove_platform", "{\"platform\":\"tdx\"}"))).contains("not allowed now");
        accept(f, GovFixture.action("remove_platform", "{\"platform\":\"sev-snp\"}"));
        assertThat(f.store.readTx().read(GovMaps.NODE_PLATFORMS).get("sev-snp")).isEmpty();
    }

    @Test
    void jwtUserIdsSplitBackIntoIssuerAndSubject() {
        assertThat(JwtIssuer.issuerOfUserId("https://idp.example#a#b")).contains("https://idp.example");
        assertThat(JwtIssuer.issuerOfUserId("ab".repeat(32))).isEmpty();
        assertThat(JwtIssuer.issuerOfUserId("#sub")).isEmpty();
        assertThatThrownBy(() -> JwtIssuer.fromArgs("iss with space", null)).hasMessageContaining("whitespace");
    }
}
