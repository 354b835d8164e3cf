package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class CodecTest {

    @Test
    void utf8RoundTripsAndRejectsMalformedBytes() {
        Codec<String> c = Codec.utf8();
        assertThat(c.decode(c.encode("héllo ✓"))).isEqualTo("héllo ✓");
        assertThat(c.encode("A")).containsExactly(0x41);
        assertThatThrownBy(() -> c.decode(new byte[] {(byte) 0xC3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed UTF-8");
        assertThatThrownBy(() -> c.decode(new byte[] {(byte) 0xFF, 0x41}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void int64IsBigEndianWithTheSignBitFlipped() {
        Codec<Long> c = Codec.int64();
        assertThat(Hex.encode(c.encode(0L))).isEqualTo("8000000000000000");
        assertThat(Hex.encode(c.encode(1L))).isEqualTo("8000000000000001");
        assertThat(Hex.encode(c.encode(-1L))).isEqualTo("7fffffffffffffff");
        assertThat(Hex.encode(c.encode(Long.MIN_VALUE))).isEqualTo("0000000000000000");
        assertThat(Hex.encode(c.encode(Long.MAX_VALUE))).isEqualTo("ffffffffffffffff");
        for (long v : new long[] {0, 1, -1, 42, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
            assertThat(c.decode(c.encode(v))).isEqualTo(v);
        }
    }

    @Test
    void int64EncodingSortsInNumericOrder() {
        long[] values = {Long.MIN_VALUE, -300, -1, 0, 1, 255, 256, 70_000, Long.MAX_VALUE};
        List<byte[]> encoded = new ArrayList<>();
        for (long v : values) {
            encoded.add(Codec.int64().encode(v));
        }
        for (int i = 1; i < encoded.size(); i++) {
            assertThat(Arrays.compareUnsigned(encoded.get(i - 1), encoded.get(i))).isNegative();
        }
    }

    @Test
    void int64RejectsWrongLengths() {
        assertThatThrownBy(() -> Codec.int64().decode(new byte[7]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 bytes, got 7");
        assertThatThrownBy(() -> Codec.int64().decode(new byte[9])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bytesCodecCopiesBothWays() {
        byte[] original = {1, 2, 3};
        byte[] encoded = Codec.bytes().encode(original);
        original[0] = 9;
        assertThat(encoded).containsExactly(1, 2, 3);
        byte[] decoded = Codec.bytes().decode(encoded);
        decoded[1] = 9;
        assertThat(encoded).containsExactly(1, 2, 3);
    }
}
