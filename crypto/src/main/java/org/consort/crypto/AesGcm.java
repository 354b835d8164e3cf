package org.consort.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with additional authenticated data: 32-byte key, 12-byte IV, 16-byte tag
 * appended to the ciphertext. Callers own IV uniqueness: never encrypt twice under one key
 * with one IV.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class AesGcm {
    public static final int KEY_LENGTH = 32;
    public static final int IV_LENGTH = 12;
    public static final int TAG_LENGTH = 16;

    private AesGcm() {
    }

    /** Returns ciphertext followed by the 16-byte tag. */
    public static byte[] encrypt(byte[] key, byte[] iv, byte[] aad, byte[] plaintext) {
        return run(Cipher.ENCRYPT_MODE, key, iv, aad, plaintext);
    }

    /**
     * Decrypts ciphertext-with-tag. Throws {@link AuthenticationFailedException} when the tag
     * does not verify (wrong key, IV, AAD, or modified ciphertext).
     */
    public static byte[] decrypt(byte[] key, byte[] iv, byte[] aad, byte[] ciphertextWithTag) {
        if (ciphertextWithTag.length < TAG_LENGTH) {
            throw new AuthenticationFailedException("AES-GCM ciphertext is shorter than its 16-byte tag");
        }
        return run(Cipher.DECRYPT_MODE, key, iv, aad, ciphertextWithTag);
    }

    /**
     * An OutputStream that encrypts what is written to it into {@code out} as it comes, and
     * appends the 16-byte tag when it is closed (which does not close {@code out}): the same
     * bytes as {@link #encrypt} of everything written, without holding them all in memory.
     * Not thread-safe.
     */
    public static java.io.OutputStream encryptingStream(byte[] key, byte[] iv, byte[] aad, java.io.OutputStream out) {
        if (key.length != KEY_LENGTH || iv.length != IV_LENGTH) {
            throw new IllegalArgumentException("AES-256-GCM needs a 32-byte key and a 12-byte IV");
        }
        Cipher c;
        try {
            c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, iv));
            c.updateAAD(aad);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e.getMessage(), e);
        }
        return new java.io.OutputStream() {
            private boolean closed;

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                if (closed) {
                    throw new java.io.IOException("the encrypting stream is closed");
                }
                byte[] ct = c.update(b, off, len);
                if (ct != null) {
                    out.write(ct);
                }
            }

            @Override
            public void close() throws java.io.IOException {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    out.write(c.doFinal());
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
                }
            }
        };
    }

    /** One Cipher per thread, initialised for each message (a fresh key and IV each time). */
    private static final ThreadLocal<Cipher> CIPHER = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    });

    private static byte[] run(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("AES-256-GCM key must be 32 bytes, got " + key.length);
        }
        if (iv.length != IV_LENGTH) {
            throw new IllegalArgumentException("AES-GCM IV must be 12 bytes, got " + iv.length);
        }
        try {
            Cipher c = CIPHER.get();
            try {
                c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, iv));
            } catch (java.security.InvalidAlgorithmParameterException sameKeyAndIv) {
                // The JDK refuses to encrypt twice in a row under one key and IV with one Cipher
                // object (it only remembers that object's last use). Keeping (key, IV) unique for
                // different plaintexts is the caller's duty (see the Ledger), as with any Cipher.
                c = Cipher.getInstance("AES/GCM/NoPadding");
                CIPHER.set(c);
                c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, iv));
            }
            c.updateAAD(aad);
            return c.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new AuthenticationFailedException("AES-GCM authentication tag mismatch: wrong key, IV or AAD, or modified ciphertext");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    /** Decryption found a tag that does not match: the data or its context was altered, or the key is wrong. */
    public static final class AuthenticationFailedException extends RuntimeException {
        public AuthenticationFailedException(String message) {
            super(message);
        }
    }
}
