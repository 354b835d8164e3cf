package org.consort.crypto;

import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.jcajce.provider.asymmetric.util.ECUtil;

/**
 * Encryption to a node's or member's EC key with HPKE (RFC 9180, base mode, BouncyCastle):
 * DHKEM(P-384, HKDF-SHA384), HKDF-SHA384, AES-256-GCM for P-384 keys; DHKEM(P-256,
 * HKDF-SHA256), HKDF-SHA256, AES-256-GCM for P-256 keys. The sealed form is the KEM's
 * encapsulated key followed by the ciphertext. The {@code info} string binds a message to its
 * purpose, so a ciphertext made for one use cannot be passed off as another.
 *
 * <p>Stateless; thread-safe. The ephemeral key comes from BouncyCastle's own random source.
 */
public final class Hpke {
    private Hpke() {
    }

    /** A sealed message that does not open with this key, info and aad. */
    public static final class OpenFailedException extends RuntimeException {
        OpenFailedException(String message) {
            super(message);
        }
    }

    private static HPKE suite(EcCurve curve) {
        return switch (curve) {
            case P384 -> new HPKE(HPKE.mode_base, HPKE.kem_P384_SHA384, HPKE.kdf_HKDF_SHA384, HPKE.aead_AES_GCM256);
            case P256 -> new HPKE(HPKE.mode_base, HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
        };
    }

    /** Seals {@code plaintext} to {@code recipient} (an EC P-256 or P-384 public key). */
    public static byte[] seal(PublicKey recipient, String info, byte[] aad, byte[] plaintext) {
        EcCurve curve = EcCurve.of(recipient);
        HPKE hpke = suite(curve);
        try {
            AsymmetricKeyParameter pk = ECUtil.generatePublicKeyParameter(requireEc(recipient));
            byte[][] out = hpke.seal(pk, info.getBytes(java.nio.charset.StandardCharsets.UTF_8), aad, plaintext, null, null, null);
            byte[] ct = out[0];
            byte[] enc = out[1];
            byte[] sealed = Arrays.copyOf(enc, enc.length + ct.length);
            System.arraycopy(ct, 0, sealed, enc.length, ct.length);
            return sealed;
        } catch (InvalidKeyException | InvalidCipherTextException e) {
            throw new IllegalArgumentException("cannot seal to this key: " + e.getMessage(), e);
        }
    }

    /** Opens what {@link #seal} made for the key pair ({@code publicKey}, {@code privateKey}). */
    public static byte[] open(PublicKey publicKey, PrivateKey privateKey, String info, byte[] aad, byte[] sealed) {
        EcCurve curve = EcCurve.of(publicKey);
        HPKE hpke = suite(curve);
        int encLength = hpke.getEncSize();
        if (sealed.length < encLength + 16) {
            throw new OpenFailedException("sealed message of " + sealed.length + " bytes is too short");
        }
        try {
            AsymmetricCipherKeyPair pair = new AsymmetricCipherKeyPair(ECUtil.generatePublicKeyParameter(requireEc(publicKey)),
                    ECUtil.generatePrivateKeyParameter(requireEc(privateKey)));
            return hpke.open(Arrays.copyOfRange(sealed, 0, encLength), pair,
                    info.getBytes(java.nio.charset.StandardCharsets.UTF_8), aad,
                    Arrays.copyOfRange(sealed, encLength, sealed.length), null, null, null);
        } catch (InvalidCipherTextException | IllegalArgumentException e) {
            throw new OpenFailedException("the sealed message does not open with this key: " + e.getMessage());
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("not a usable EC key pair: " + e.getMessage(), e);
        }
    }

    private static ECPublicKey requireEc(PublicKey k) {
        if (k instanceof ECPublicKey ec) {
            return ec;
        }
        throw new IllegalArgumentException("HPKE needs an EC key, got " + k.getAlgorithm());
    }

    private static ECPrivateKey requireEc(PrivateKey k) {
        if (k instanceof ECPrivateKey ec) {
            return ec;
        }
        throw new IllegalArgumentException("HPKE needs an EC key, got " + k.getAlgorithm());
    }
}
