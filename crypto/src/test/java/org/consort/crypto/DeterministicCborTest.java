package org.consort.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.upokecenter.cbor.CBORObject;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class DeterministicCborTest {
    @Test
    void sortsKeysBytewiseNotLengthFirst() {
        CBORObject m = CBORObject.NewMap();
        m.set(CBORObject.FromObject(-1), CBORObject.FromObject(1));
        m.set(CBORObject.FromObject(100), CBORObject.FromObject(2));
        m.set(CBORObject.FromObject("a"), CBORObject.FromObject(3));
        m.set(CBORObject.FromObject(1), CBORObject.FromObject(4));
        // RFC 8949 4.2.1: 0x01 < 0x1864 < 0x20 < 0x6161 (length-first CTAP2 order would put -1 before 100).
        assertThat(Hex.encode(DeterministicCbor.encode(m))).isEqualTo("a4" + "0104" + "18640" + "2" + "2001" + "616103");
    }

    @Test
    void shortestIntegersAndNesting() {
        CBORObject a = CBORObject.NewArray();
        a.Add(CBORObject.FromObject(23));
        a.Add(CBORObject.FromObject(24));
        a.Add(CBORObject.FromObject(65536));
        a.Add(CBORObject.FromObject(-25));
        a.Add(CBORObject.FromObject(new byte[] {1}));
        a.Add(CBORObject.True);
        a.Add(CBORObject.Null);
        assertThat(Hex.encode(DeterministicCbor.encode(a))).isEqualTo("87" + "17" + "1818" + "1a00010000" + "3818" + "4101" + "f5" + "f6");
        assertThat(DeterministicCbor.isDeterministic(Hex.decode("a220010101"))).isFalse();
        assertThat(DeterministicCbor.isDeterministic(Hex.decode("a201012001"))).isTrue();
        assertThat(DeterministicCbor.isDeterministic(Hex.decode("1800"))).isFalse();
    }

    @Test
    void rejectsFloatsAndTrailingBytes() {
        assertThatThrownBy(() -> DeterministicCbor.encode(CBORObject.FromObject(1.5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeterministicCbor.decode(Hex.decode("0101"))).isInstanceOf(IllegalArgumentException.class);
    }
}
