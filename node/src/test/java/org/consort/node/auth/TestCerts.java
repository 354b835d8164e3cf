package org.consort.node.auth;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.consort.crypto.EcCurve;

/** Certificates for tests of CA bundles: CAs, intermediates and leaves with chosen extensions (BouncyCastle). */
public final class TestCerts {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key and its certificate. */
    public record Issued(KeyPair key, X509Certificate cert) {
    }

    private TestCerts() {
    }

    public static KeyPair key() {
        return EcCurve.P256.generateKeyPair(RANDOM);
    }

    /** A self-signed root CA valid from {@code from} for {@code validity}. */
    public static Issued rootCa(String cn, Instant from, Duration validity) {
        KeyPair k = key();
        return new Issued(k, build(cn, k, cn, k, from, validity, new BasicConstraints(1),
                KeyUsage.keyCertSign | KeyUsage.cRLSign, null));
    }

    /** An intermediate CA ({@code ca} true) or a certificate that claims to issue without being a CA ({@code ca} false). */
    public static Issued intermediate(String cn, Issued issuer, Instant from, Duration validity, boolean ca) {
        KeyPair k = key();
        return new Issued(k, build(cn, k, subject(issuer), issuer.key(), from, validity,
                ca ? new BasicConstraints(0) : new BasicConstraints(false),
                ca ? KeyUsage.keyCertSign : KeyUsage.digitalSignature, null));
    }

    /** An end-entity certificate for a TLS client (clientAuth). */
    public static Issued leaf(String cn, Issued issuer, Instant from, Duration validity) {
        return leaf(cn, issuer, from, validity, KeyPurposeId.id_kp_clientAuth);
    }

    /** An end-entity certificate with the given extended key usage (null for none). */
    public static Issued leaf(String cn, Issued issuer, Instant from, Duration validity, KeyPurposeId eku) {
        KeyPair k = key();
        return new Issued(k, build(cn, k, subject(issuer), issuer.key(), from, validity, new BasicConstraints(false),
                KeyUsage.digitalSignature, eku));
    }

    private static String subject(Issued i) {
        return X500Name.getInstance(i.cert().getSubjectX500Principal().getEncoded()).toString().replaceFirst("^CN=", "");
    }

    private static X509Certificate build(String cn, KeyPair subjectKey, String issuerCn, KeyPair issuerKey, Instant from,
            Duration validity, BasicConstraints bc, int keyUsage, KeyPurposeId eku) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + issuerCn),
                    new BigInteger(64, RANDOM).abs().add(BigInteger.ONE), Date.from(from), Date.from(from.plus(validity)),
                    new X500Name("CN=" + cn), subjectKey.getPublic());
            b.addExtension(Extension.basicConstraints, true, bc);
            b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (eku != null) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test certificate: " + e.getMessage(), e);
        }
    }
}
