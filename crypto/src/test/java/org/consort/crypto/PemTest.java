package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PemTest {
    private final SecureRandom random = TestKeys.random(2);

    @Test
    void privateKeyAndCertificateRoundTrip() {
        for (EcCurve curve : EcCurve.values()) {
            KeyPair k = curve.generateKeyPair(random);
            String keyPem = Pem.privateKey(k.getPrivate());
            assertThat(keyPem).startsWith("-----BEGIN PRIVATE KEY-----\n").doesNotContain("\r");
            assertThat(Pem.readPrivateKey(keyPem).getEncoded()).isEqualTo(k.getPrivate().getEncoded());
            X509Certificate c = Certificates.selfSigned(k, "m", Instant.parse("2026-01-01T00:00:00Z"), Duration.ofDays(1), random);
            String certPem = Pem.certificate(c);
            assertThat(Pem.readCertificate(certPem)).isEqualTo(c);
            assertThat(Pem.readCertificates(certPem + keyPem + certPem)).hasSize(2);
            byte[] data = "hello".getBytes();
            assertThat(Ecdsa.verify(c.getPublicKey(), data, Ecdsa.sign(Pem.readPrivateKey(keyPem), data))).isTrue();
        }
    }

    @Test
    void clearErrorsForMissingOrBrokenPem() {
        assertThatThrownBy(() -> Pem.readCertificate("nothing here")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no certificate");
        assertThatThrownBy(() -> Pem.readPrivateKey("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no private key");
        assertThatThrownBy(() -> Pem.readCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
