package org.consort.crypto;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;

/**
 * The elliptic curves Consort uses, each tied to the hash and COSE algorithm it signs with:
 * P-384 (service identities, and node identities when configured; ECDSA with SHA-384, COSE
 * ES384 = -35) and P-256 (node identities by default, members and users; ECDSA with SHA-256, COSE
 * ES256 = -7).
 *
 * <p>Immutable; safe to share between threads.
 */
public enum EcCurve {
    P256("secp256r1", 256, "SHA256withECDSA", -7, 32),
    P384("secp384r1", 384, "SHA384withECDSA", -35, 48);

    private final String stdName;
    private final int fieldBits;
    private final String jcaSignatureAlgorithm;
    private final int coseAlgorithm;
    private final int coordinateLength;

    EcCurve(String stdName, int fieldBits, String jcaSignatureAlgorithm, int coseAlgorithm, int coordinateLength) {
        this.stdName = stdName;
        this.fieldBits = fieldBits;
        this.jcaSignatureAlgorithm = jcaSignatureAlgorithm;
        this.coseAlgorithm = coseAlgorithm;
        this.coordinateLength = coordinateLength;
    }

    /** JCA signature algorithm producing DER-encoded (ASN.1 SEQUENCE of r, s) signatures. */
    public String jcaSignatureAlgorithm() {
        return jcaSignatureAlgorithm;
    }

    /** JCA signature algorithm producing the fixed-length r || s form COSE uses (RFC 9053). */
    public String jcaP1363SignatureAlgorithm() {
        return jcaSignatureAlgorithm + "inP1363Format";
    }

    /** COSE algorithm identifier (ES256 = -7, ES384 = -35). */
    public int coseAlgorithm() {
        return coseAlgorithm;
    }

    /** Length in bytes of one coordinate (and of r and s in a P1363 signature). */
    public int coordinateLength() {
        return coordinateLength;
    }

    /** The standard curve name (secp256r1, secp384r1). */
    public String standardName() {
        return stdName;
    }

    /** Generates a fresh key pair on this curve using the given randomness. */
    public KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(stdName), random);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("EC key generation for " + stdName + " is unavailable", e);
        }
    }

    /** The curve of an EC key; throws IllegalArgumentException for keys on curves Consort does not use. */
    public static EcCurve of(java.security.Key key) {
        if (!(key instanceof ECKey ec)) {
            throw new IllegalArgumentException("not an EC key: " + key.getAlgorithm());
        }
        int bits = ec.getParams().getCurve().getField().getFieldSize();
        for (EcCurve c : values()) {
            if (c.fieldBits == bits) {
                return c;
            }
        }
        throw new IllegalArgumentException("unsupported EC curve with a " + bits + "-bit field (use P-256 or P-384)");
    }

    /**
     * The curve named {@code name}: "P-256" or "P-384" (NIST names), or "secp256r1" or "secp384r1";
     * throws IllegalArgumentException for any other name.
     */
    public static EcCurve ofName(String name) {
        for (EcCurve c : values()) {
            if (c.stdName.equalsIgnoreCase(name) || ("P-" + c.fieldBits).equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown curve '" + name + "' (use P-256 or P-384)");
    }

    /** The curve whose COSE algorithm identifier is {@code alg}. */
    public static EcCurve ofCoseAlgorithm(long alg) {
        for (EcCurve c : values()) {
            if (c.coseAlgorithm == alg) {
                return c;
            }
        }
        throw new IllegalArgumentException("unsupported COSE algorithm " + alg + " (expected ES256 = -7 or ES384 = -35)");
    }
}
