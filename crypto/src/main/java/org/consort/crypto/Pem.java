package org.consort.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM text for private keys (PKCS#8, {@code PRIVATE KEY}; SEC1 {@code EC PRIVATE KEY} is also
 * read) and X.509 certificates ({@code CERTIFICATE}).
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class Pem {
    private Pem() {
    }

    public static String privateKey(PrivateKey key) {
        return write("PRIVATE KEY", key.getEncoded());
    }

    public static String certificate(X509Certificate cert) {
        try {
            return write("CERTIFICATE", cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    /** A public key as PEM SubjectPublicKeyInfo ({@code PUBLIC KEY}). */
    public static String publicKey(java.security.PublicKey key) {
        return write("PUBLIC KEY", key.getEncoded());
    }

    /** Reads the first RSA private key (PKCS#8 or PKCS#1) in {@code pem}: a member's recovery encryption key. */
    public static PrivateKey readRsaPrivateKey(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                PrivateKeyInfo info = o instanceof PrivateKeyInfo pki ? pki : o instanceof PEMKeyPair kp ? kp.getPrivateKeyInfo() : null;
                if (info != null) {
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read RSA private key from PEM: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no private key found in PEM text");
    }

    /** Reads the first private key in {@code pem}; throws IllegalArgumentException if there is none. */
    public static PrivateKey readPrivateKey(String pem) {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                PrivateKeyInfo info = null;
                if (o instanceof PrivateKeyInfo pki) {
                    info = pki;
                } else if (o instanceof PEMKeyPair kp) {
                    info = kp.getPrivateKeyInfo();
                }
                if (info != null) {
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
                }
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            // BouncyCastle reports bad base64 or DER with unchecked exceptions too.
            throw new IllegalArgumentException("cannot read EC private key from PEM: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no private key found in PEM text");
    }

    /** Reads the first certificate in {@code pem}; throws IllegalArgumentException if there is none. */
    public static X509Certificate readCertificate(String pem) {
        List<X509Certificate> all = readCertificates(pem);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no certificate found in PEM text");
        }
        return all.get(0);
    }

    /** All certificates in {@code pem}, in order. */
    public static List<X509Certificate> readCertificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(certificateFromDer(h.getEncoded()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle reports bad base64 or DER with unchecked exceptions too.
            throw new IllegalArgumentException("cannot read certificate PEM: " + e.getMessage(), e);
        }
        return out;
    }

    /** Parses one DER-encoded X.509 certificate. */
    public static X509Certificate certificateFromDer(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("malformed X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static String write(String type, byte[] der) {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sw.toString().replace("\r\n", "\n");
    }
}
