package org.consort.crypto;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * ECDSA signing and verification with the hash fixed by the curve: SHA-384 on P-384 and
 * SHA-256 on P-256. {@link #sign}/{@link #verify} use DER signatures; the {@code P1363}
 * variants use the fixed-length {@code r || s} form COSE requires.
 *
 * <p>Signing uses the JDK provider (constant-time); verification, which handles only public
 * data, uses BouncyCastle, measured here at about twice the speed of the JDK's P-384
 * verification (it dominates offline ledger verification). BouncyCastle is used as a private
 * provider instance, not installed globally.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class Ecdsa {
    private static final java.security.Provider VERIFY_PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();

    private Ecdsa() {
    }

    /** DER-encoded ECDSA signature of {@code data}. */
    public static byte[] sign(PrivateKey key, byte[] data) {
        return doSign(EcCurve.of(key).jcaSignatureAlgorithm(), key, data);
    }

    /** True when {@code signature} (DER) is a valid signature of {@code data}; false for any malformed signature. */
    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        return doVerify(EcCurve.of(key).jcaSignatureAlgorithm(), key, data, signature);
    }

    /** Fixed-length {@code r || s} ECDSA signature (IEEE P1363 / COSE form). */
    public static byte[] signP1363(PrivateKey key, byte[] data) {
        return doSign(EcCurve.of(key).jcaP1363SignatureAlgorithm(), key, data);
    }

    /** Verifies a fixed-length {@code r || s} signature; false for a signature of the wrong length. */
    public static boolean verifyP1363(PublicKey key, byte[] data, byte[] signature) {
        EcCurve curve = EcCurve.of(key);
        if (signature.length != 2 * curve.coordinateLength()) {
            return false;
        }
        // BouncyCastle names the fixed-length r || s form "PLAIN-ECDSA".
        return doVerify(curve.jcaSignatureAlgorithm().replace("withECDSA", "withPLAIN-ECDSA"), key, data, signature);
    }

    private static byte[] doSign(String alg, PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA signing with " + alg + " failed: " + e.getMessage(), e);
        }
    }

    private static boolean doVerify(String alg, PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(alg, VERIFY_PROVIDER);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (SignatureException e) {
            return false; // malformed signature encoding: simply not valid
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDSA verification with " + alg + " failed: " + e.getMessage(), e);
        }
    }
}
