package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificatesTest {
    private final SecureRandom random = TestKeys.random(1);
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final KeyPair serviceKey = EcCurve.P384.generateKeyPair(random);
    private final X509Certificate service = Certificates.selfSignedService(serviceKey, "Consort service", now, Duration.ofDays(365), random);

    @Test
    void serviceCertificateIsSelfSignedCaOnP384() throws Exception {
        service.verify(serviceKey.getPublic());
        assertThat(service.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(EcCurve.of(service.getPublicKey())).isEqualTo(EcCurve.P384);
        assertThat(service.getSigAlgName()).isEqualTo("SHA384withECDSA");
        assertThat(service.getNotBefore().toInstant()).isEqualTo(now);
        assertThat(service.getSubjectX500Principal().getName()).isEqualTo("CN=Consort service");
    }

    @Test
    void nodeCertificateIsEndorsedByServiceAndCarriesSans() throws Exception {
        KeyPair node = EcCurve.P384.generateKeyPair(random);
        X509Certificate cert = Certificates.nodeCertificate(node.getPublic(), "node0", serviceKey.getPrivate(), service,
                now, Duration.ofDays(30), Certificates.SubjectAltNames.localhost(), random);
        Certificates.checkIssuedBy(cert, service, now.plusSeconds(60));
        assertThat(cert.getSubjectAlternativeNames()).extracting(l -> (Object) l.get(1)).containsExactlyInAnyOrder("127.0.0.1", "localhost");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    }

    @Test
    void issuedByFailsForOtherServiceExpiryAndSelfSigned() {
        KeyPair node = EcCurve.P384.generateKeyPair(random);
        X509Certificate cert = Certificates.nodeCertificate(node.getPublic(), "node0", serviceKey.getPrivate(), service,
                now, Duration.ofDays(30), new Certificates.SubjectAltNames(List.of("10.0.0.1"), List.of()), random);
        KeyPair otherKey = EcCurve.P384.generateKeyPair(random);
        X509Certificate other = Certificates.selfSignedService(otherKey, "Consort service", now, Duration.ofDays(365), random);
        assertThatThrownBy(() -> Certificates.checkIssuedBy(cert, other, now))
                .isInstanceOf(Certificates.CertificateCheckException.class).hasMessageContaining("signature");
        assertThatThrownBy(() -> Certificates.checkIssuedBy(cert, service, now.plus(Duration.ofDays(31))))
                .hasMessageContaining("not valid at");
        assertThatThrownBy(() -> Certificates.checkIssuedBy(cert, service, now.minusSeconds(1)))
                .hasMessageContaining("not valid at");
        X509Certificate user = Certificates.selfSigned(EcCurve.P256.generateKeyPair(random), "user0", now, Duration.ofDays(1), random);
        assertThat(Certificates.isIssuedBy(user, service, now)).isFalse();
    }

    @Test
    void keyIdIsSha256OfSubjectPublicKeyInfo() {
        KeyPair k = EcCurve.P256.generateKeyPair(random);
        X509Certificate user = Certificates.selfSigned(k, "user0", now, Duration.ofDays(1), random);
        assertThat(Certificates.keyId(user)).isEqualTo(org.consort.common.Hex.encode(Hashes.sha256(k.getPublic().getEncoded())))
                .hasSize(64).isLowerCase();
        assertThat(new Identity(k.getPrivate(), user).id()).isEqualTo(Certificates.keyId(k.getPublic()));
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> Certificates.selfSigned(serviceKey, " ", now, Duration.ofDays(1), random))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("common name");
        assertThatThrownBy(() -> Certificates.selfSigned(serviceKey, "x", now, Duration.ZERO, random))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("validity");
    }
}
