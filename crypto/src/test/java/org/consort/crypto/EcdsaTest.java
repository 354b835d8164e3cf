package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class EcdsaTest {
    private final SecureRandom random = TestKeys.random(3);

    @Test
    void signVerifyDerAndP1363OnBothCurves() {
        for (EcCurve curve : EcCurve.values()) {
            KeyPair k = curve.generateKeyPair(random);
            byte[] data = "root".getBytes();
            byte[] der = Ecdsa.sign(k.getPrivate(), data);
            assertThat(der[0]).isEqualTo((byte) 0x30);
            assertThat(Ecdsa.verify(k.getPublic(), data, der)).isTrue();
            assertThat(Ecdsa.verify(k.getPublic(), "other".getBytes(), der)).isFalse();
            byte[] raw = Ecdsa.signP1363(k.getPrivate(), data);
            assertThat(raw).hasSize(2 * curve.coordinateLength());
            assertThat(Ecdsa.verifyP1363(k.getPublic(), data, raw)).isTrue();
            raw[3] ^= 1;
            assertThat(Ecdsa.verifyP1363(k.getPublic(), data, raw)).isFalse();
            assertThat(Ecdsa.verifyP1363(k.getPublic(), data, new byte[5])).isFalse();
            assertThat(Ecdsa.verify(k.getPublic(), data, new byte[] {1, 2, 3})).isFalse();
        }
    }

    @Test
    void curveChoosesHash() {
        assertThat(EcCurve.P384.jcaSignatureAlgorithm()).isEqualTo("SHA384withECDSA");
        assertThat(EcCurve.P256.jcaSignatureAlgorithm()).isEqualTo("SHA256withECDSA");
        assertThat(EcCurve.ofCoseAlgorithm(-35)).isEqualTo(EcCurve.P384);
        assertThat(EcCurve.ofCoseAlgorithm(-7)).isEqualTo(EcCurve.P256);
    }
}
