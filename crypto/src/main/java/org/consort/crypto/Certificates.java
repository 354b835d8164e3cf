package org.consort.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * X.509 certificates for Consort identities: the self-signed service certificate (a CA,
 * P-384), node certificates issued by the service key (with IP/DNS subject alternative
 * names for TLS), and self-signed member and user certificates. Also checks that a
 * certificate was issued by the service certificate, and computes key ids.
 *
 * <p>Validity periods start at an instant the caller passes (taken from its clock), so
 * issuance is deterministic apart from the key material and serial randomness passed in.
 * Stateless; safe to call from any thread.
 */
public final class Certificates {
    private Certificates() {
    }

    /** Subject alternative names for a node certificate: IP addresses and DNS names. */
    public record SubjectAltNames(List<String> ipAddresses, List<String> dnsNames) {
        public SubjectAltNames {
            ipAddresses = List.copyOf(ipAddresses);
            dnsNames = List.copyOf(dnsNames);
        }

        /** 127.0.0.1 and localhost: what a local node needs. */
        public static SubjectAltNames localhost() {
            return new SubjectAltNames(List.of("127.0.0.1"), List.of("localhost"));
        }
    }

    /** Self-signed CA certificate for the service identity (the key should be P-384). */
    public static X509Certificate selfSignedService(KeyPair serviceKey, String commonName, Instant notBefore,
                                                    Duration validity, SecureRandom random) {
        X500Name name = cn(commonName);
        JcaX509v3CertificateBuilder b = builder(name, name, serviceKey.getPublic(), notBefore, validity, random);
        try {
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(serviceKey.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build service certificate: " + e.getMessage(), e);
        }
        return sign(b, serviceKey.getPrivate());
    }

    /** Node certificate for {@code nodeKey}, issued (endorsed) by the service identity. */
    public static X509Certificate nodeCertificate(PublicKey nodeKey, String commonName, PrivateKey serviceKey,
                                                  X509Certificate serviceCert, Instant notBefore, Duration validity,
                                                  SubjectAltNames sans, SecureRandom random) {
        X500Name issuer = X500Name.getInstance(serviceCert.getSubjectX500Principal().getEncoded());
        JcaX509v3CertificateBuilder b = builder(issuer, cn(commonName), nodeKey, notBefore, validity, random);
        try {
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(serviceCert.getPublicKey()));
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(nodeKey));
            List<GeneralName> names = new ArrayList<>();
            for (String ip : sans.ipAddresses()) {
                names.add(new GeneralName(GeneralName.iPAddress, ip));
            }
            for (String dns : sans.dnsNames()) {
                names.add(new GeneralName(GeneralName.dNSName, dns));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
        } catch (CertIOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot build node certificate: " + e.getMessage(), e);
        }
        return sign(b, serviceKey);
    }

    /** Self-signed end-entity certificate, as members and users present (P-256 or P-384). */
    public static X509Certificate selfSigned(KeyPair key, String commonName, Instant notBefore, Duration validity,
                                             SecureRandom random) {
        X500Name name = cn(commonName);
        JcaX509v3CertificateBuilder b = builder(name, name, key.getPublic(), notBefore, validity, random);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        } catch (CertIOException e) {
            throw new IllegalStateException(e);
        }
        return sign(b, key.getPrivate());
    }

    /**
     * Checks that {@code cert} was issued by {@code issuer}: issuer name matches, the
     * signature verifies with the issuer's key, and both certificates are valid at {@code at}.
     * Returns normally when it holds, else throws {@link CertificateCheckException} saying why.
     */
    public static void checkIssuedBy(X509Certificate cert, X509Certificate issuer, Instant at) {
        Objects.requireNonNull(at, "at");
        checkSignedBy(cert, issuer);
        checkValidAt(cert, at, "certificate");
        checkValidAt(issuer, at, "service certificate");
    }

    /**
     * Like {@link #checkIssuedBy} without the validity period: for evidence whose signing
     * time is unknown. Issuer name and signature must match.
     */
    public static void checkSignedBy(X509Certificate cert, X509Certificate issuer) {
        X500Principal issuerName = cert.getIssuerX500Principal();
        if (!issuerName.equals(issuer.getSubjectX500Principal())) {
            throw new CertificateCheckException("certificate issuer '" + issuerName.getName()
                    + "' is not the service '" + issuer.getSubjectX500Principal().getName() + "'");
        }
        try {
            cert.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CertificateCheckException("certificate signature does not verify with the service key: " + e.getMessage());
        }
    }

    /** True when {@link #checkIssuedBy} passes. */
    public static boolean isIssuedBy(X509Certificate cert, X509Certificate issuer, Instant at) {
        try {
            checkIssuedBy(cert, issuer, at);
            return true;
        } catch (CertificateCheckException e) {
            return false;
        }
    }

    /** Throws {@link CertificateCheckException} when {@code cert} is not valid at {@code at}. */
    public static void checkValidAt(X509Certificate cert, Instant at, String what) {
        Date d = Date.from(at);
        if (d.before(cert.getNotBefore()) || d.after(cert.getNotAfter())) {
            throw new CertificateCheckException(what + " is not valid at " + at + " (valid " + cert.getNotBefore().toInstant()
                    + " to " + cert.getNotAfter().toInstant() + ")");
        }
    }

    /** Key id: lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. Used as member, user and node id. */
    public static String keyId(PublicKey key) {
        return org.consort.common.Hex.encode(Hashes.sha256(key.getEncoded()));
    }

    /** Key id of a certificate's public key. */
    public static String keyId(X509Certificate cert) {
        return keyId(cert.getPublicKey());
    }

    private static X500Name cn(String commonName) {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("certificate common name must not be empty");
        }
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Instant notBefore,
                                                       Duration validity, SecureRandom random) {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("certificate validity must be positive: " + validity);
        }
        // Positive 127-bit serial: unique with overwhelming probability, and never negative in DER.
        BigInteger serial = new BigInteger(127, random).setBit(0);
        // X.509 times have second resolution; truncating keeps the certificate's dates equal to ours.
        Instant start = Instant.ofEpochSecond(notBefore.getEpochSecond());
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(start), Date.from(start.plus(validity)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            ContentSigner s = new JcaContentSignerBuilder(EcCurve.of(signer).jcaSignatureAlgorithm()).build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign certificate: " + e.getMessage(), e);
        }
    }

    /** A certificate failed a check; the message says which and why. */
    public static final class CertificateCheckException extends RuntimeException {
        public CertificateCheckException(String message) {
            super(message);
        }
    }
}
