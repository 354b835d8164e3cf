package org.consort.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * HMAC-SHA256 and HKDF-SHA256 (RFC 5869), used to derive purpose-specific keys from a
 * ledger secret so that one secret never serves two algorithms directly.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class Hmac {
    private Hmac() {
    }

    /** One Mac per thread, keyed again for each use: a provider lookup per MAC costs more than the MAC. */
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    });

    public static byte[] hmacSha256(byte[] key, byte[] message) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    /** HKDF-SHA256 with an empty salt and the UTF-8 {@code info} label. */
    public static byte[] hkdfSha256(byte[] inputKey, String info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(inputKey, null, info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }
}
