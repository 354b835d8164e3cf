package org.consort.crypto;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A private key with its certificate: a node, member, user or the service itself. The id is
 * the key id of the certificate's public key ({@link Certificates#keyId}).
 *
 * <p>Immutable; safe to share between threads.
 */
public record Identity(PrivateKey privateKey, X509Certificate certificate) {
    public Identity {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificate, "certificate");
        EcCurve.of(privateKey);
    }

    public String id() {
        return Certificates.keyId(certificate);
    }

    public EcCurve curve() {
        return EcCurve.of(privateKey);
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }
}
