package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class AesGcmTest {
    private final byte[] key = new byte[32];
    private final byte[] iv = new byte[12];

    @Test
    void matchesNistVectorWithZeroKeyAndIv() {
        // NIST GCM test case 14 (AES-256, zero key, zero IV, one zero block).
        byte[] ct = AesGcm.encrypt(key, iv, new byte[0], new byte[16]);
        assertThat(Hex.encode(ct)).isEqualTo("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919");
    }

    @Test
    void theEncryptingStreamWritesWhatEncryptReturnsWhateverTheBlockSizes() throws Exception {
        java.util.Random random = new java.util.Random(11);
        byte[] k = new byte[32];
        byte[] n = new byte[12];
        random.nextBytes(k);
        random.nextBytes(n);
        byte[] plain = new byte[100_003];
        random.nextBytes(plain);
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream out = AesGcm.encryptingStream(k, n, "aad".getBytes(), sink)) {
            int at = 0;
            while (at < plain.length) {
                int len = Math.min(plain.length - at, random.nextInt(5_000));
                out.write(plain, at, len);
                at += len;
            }
        }
        assertThat(sink.toByteArray()).isEqualTo(AesGcm.encrypt(k, n, "aad".getBytes(), plain));
        assertThat(AesGcm.decrypt(k, n, "aad".getBytes(), sink.toByteArray())).isEqualTo(plain);
    }

    @Test
    void roundTripAndTagFailures() {
        byte[] aad = "header".getBytes();
        byte[] ct = AesGcm.encrypt(key, iv, aad, "secret".getBytes());
        assertThat(ct).hasSize(6 + 16);
        assertThat(AesGcm.decrypt(key, iv, aad, ct)).isEqualTo("secret".getBytes());
        assertThatThrownBy(() -> AesGcm.decrypt(key, iv, "other".getBytes(), ct))
                .isInstanceOf(AesGcm.AuthenticationFailedException.class).hasMessageContaining("tag");
        byte[] bad = ct.clone();
        bad[0] ^= 1;
        assertThatThrownBy(() -> AesGcm.decrypt(key, iv, aad, bad)).isInstanceOf(AesGcm.AuthenticationFailedException.class);
        assertThatThrownBy(() -> AesGcm.decrypt(key, iv, aad, new byte[3])).isInstanceOf(AesGcm.AuthenticationFailedException.class);
        assertThatThrownBy(() -> AesGcm.encrypt(new byte[16], iv, aad, ct)).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> AesGcm.encrypt(key, new byte[8], aad, ct)).hasMessageContaining("12 bytes");
    }

    @Test
    void hkdfAndHmacMatchRfcVectors() {
        // RFC 4231 test case 2.
        assertThat(Hex.encode(Hmac.hmacSha256("Jefe".getBytes(), "what do ya want for nothing?".getBytes())))
                .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assertThat(Hmac.hkdfSha256(key, "a", 32)).hasSize(32).isNotEqualTo(Hmac.hkdfSha256(key, "b", 32));
    }
}
