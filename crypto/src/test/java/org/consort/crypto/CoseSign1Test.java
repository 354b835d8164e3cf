package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class CoseSign1Test {
    private final SecureRandom random = TestKeys.random(4);
    private final KeyPair p384 = EcCurve.P384.generateKeyPair(random);

    @Test
    void signsDetachedPayloadWithProtectedHeaders() {
        byte[] root = Hashes.sha256("x".getBytes());
        CoseSign1 m = CoseSign1.builder().kid("node-1").contentType("application/json")
                .protectedHeader(395, CBORObject.FromObject(1)).protectedHeader("consort.txid", CBORObject.FromObject("2.10"))
                .payload(root).detached(true).sign(p384.getPrivate());
        byte[] enc = m.encode();
        assertThat(enc[0]).isEqualTo((byte) 0xD2); // tag 18
        assertThat(DeterministicCbor.isDeterministic(enc)).isTrue();
        CoseSign1 d = CoseSign1.decode(enc);
        assertThat(d.payload()).isEmpty();
        assertThat(d.algorithm()).isEqualTo(-35);
        assertThat(new String(d.kid().orElseThrow())).isEqualTo("node-1");
        assertThat(d.protectedValue("consort.txid").orElseThrow().AsString()).isEqualTo("2.10");
        assertThat(d.protectedValue(395).orElseThrow().AsInt32Value()).isEqualTo(1);
        assertThat(d.verify(p384.getPublic(), root)).isTrue();
        assertThat(d.verify(p384.getPublic(), new byte[32])).isFalse();
        assertThat(d.verify(EcCurve.P384.generateKeyPair(random).getPublic(), root)).isFalse();
        // Unprotected headers are not signed: adding one keeps the signature valid.
        CoseSign1 withProof = d.withUnprotected(396, CBORObject.FromObject(7));
        assertThat(CoseSign1.decode(withProof.encode()).verify(p384.getPublic(), root)).isTrue();
        assertThat(CoseSign1.decode(withProof.encode()).unprotectedValue(396).orElseThrow().AsInt32Value()).isEqualTo(7);
    }

    @Test
    void embeddedPayloadAndP256() {
        KeyPair p256 = EcCurve.P256.generateKeyPair(random);
        CoseSign1 m = CoseSign1.builder().payload("hello".getBytes()).sign(p256.getPrivate());
        CoseSign1 d = CoseSign1.decode(m.encode());
        assertThat(d.algorithm()).isEqualTo(-7);
        assertThat(d.payload().orElseThrow()).isEqualTo("hello".getBytes());
        assertThat(d.verify(p256.getPublic(), null)).isTrue();
        // alg says ES256: a P-384 key must not be accepted even if someone tries.
        assertThat(d.verify(p384.getPublic(), null)).isFalse();
        assertThatThrownBy(() -> d.verify(p256.getPublic(), new byte[1])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sigStructureMatchesRfc9052Layout() {
        // ["Signature1", h'A10126', h'', h'AA'] in deterministic CBOR.
        byte[] s = CoseSign1.sigStructure(Hex.decode("a10126"), new byte[] {(byte) 0xAA});
        assertThat(Hex.encode(s)).isEqualTo("846a5369676e61747572653143a101264041aa");
    }

    @Test
    void rejectsMalformedMessages() {
        assertThatThrownBy(() -> CoseSign1.decode(new byte[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CoseSign1.decode(Hex.decode("d3840000f640"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CoseSign1.decode(Hex.decode("83404040"))).isInstanceOf(IllegalArgumentException.class);
    }
}
