package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class HpkeTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void sealsToP384AndP256KeysAndOpensOnlyWithTheRightKeyInfoAndAad() {
        for (EcCurve curve : EcCurve.values()) {
            KeyPair kp = curve.generateKeyPair(random);
            byte[] msg = "the ledger secret".getBytes(StandardCharsets.UTF_8);
            byte[] sealed = Hpke.seal(kp.getPublic(), "consort join", new byte[] {1}, msg);
            assertThat(Hpke.open(kp.getPublic(), kp.getPrivate(), "consort join", new byte[] {1}, sealed)).isEqualTo(msg);
            // A fresh ephemeral key every time.
            assertThat(Hpke.seal(kp.getPublic(), "consort join", new byte[] {1}, msg)).isNotEqualTo(sealed);

            KeyPair other = curve.generateKeyPair(random);
            assertThatThrownBy(() -> Hpke.open(other.getPublic(), other.getPrivate(), "consort join", new byte[] {1}, sealed))
                    .isInstanceOf(Hpke.OpenFailedException.class);
            assertThatThrownBy(() -> Hpke.open(kp.getPublic(), kp.getPrivate(), "another purpose", new byte[] {1}, sealed))
                    .isInstanceOf(Hpke.OpenFailedException.class);
            assertThatThrownBy(() -> Hpke.open(kp.getPublic(), kp.getPrivate(), "consort join", new byte[] {2}, sealed))
                    .isInstanceOf(Hpke.OpenFailedException.class);
            byte[] flipped = sealed.clone();
            flipped[flipped.length - 1] ^= 1;
            assertThatThrownBy(() -> Hpke.open(kp.getPublic(), kp.getPrivate(), "consort join", new byte[] {1}, flipped))
                    .isInstanceOf(Hpke.OpenFailedException.class);
            assertThatThrownBy(() -> Hpke.open(kp.getPublic(), kp.getPrivate(), "consort join", new byte[] {1}, new byte[5]))
                    .isInstanceOf(Hpke.OpenFailedException.class);
        }
    }
}
