package org.consort.crypto;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;

/**
 * Members' recovery encryption keys: RSA, to which the service encrypts each member's recovery
 * share with RSA-OAEP-256. Made by the member, on the member's machine. Stateless; thread-safe.
 */
public final class RecoveryKeys {
    /** Bits of a new key (governance accepts 2048 and more). */
    public static final int BITS = 3072;

    private RecoveryKeys() {
    }

    public static KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(BITS, random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key generation unavailable", e);
        }
    }
}
