package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class WriteSetTest {
    static final MapName<String, String> PRIV = MapName.of("b", Codec.utf8(), Codec.utf8());
    static final MapName<String, String> PRIV_A = MapName.of("a", Codec.utf8(), Codec.utf8());
    static final MapName<String, String> PUB = MapName.of("public:p", Codec.utf8(), Codec.utf8());

    private static WriteSet sample() {
        Store store = new Store(StoreConfig.defaults());
        WriteTx tx = store.writeTx();
        tx.write(PRIV).put("y", "2");
        tx.write(PRIV).put("x", "1");
        tx.write(PRIV_A).remove("k");
        tx.write(PUB).put("K", "V");
        return ((CommitResult.Committed) store.commit(tx)).writeSet();
    }

    @Test
    void theLayoutIsTheDocumentedOne() {
        WriteSet ws = sample();
        assertThat(Hex.encode(ws.serialize(Visibility.PUBLIC))).isEqualTo(
                "01" + "00000001"
                + "0008" + Hex.encode("public:p".getBytes()) + "00000001"
                + "00000001" + "4b" + "01" + "00000001" + "56");
        assertThat(Hex.encode(ws.serialize(Visibility.PRIVATE))).isEqualTo(
                "01" + "00000002"
                + "0001" + "61" + "00000001" + "00000001" + "6b" + "00"
                + "0001" + "62" + "00000002"
                + "00000001" + "78" + "01" + "00000001" + "31"
                + "00000001" + "79" + "01" + "00000001" + "32");
    }

    @Test
    void roundTripsThroughBothParts() {
        WriteSet ws = sample();
        WriteSet back = WriteSet.deserialize(1, 0, ws.serialize(Visibility.PUBLIC), ws.serialize(Visibility.PRIVATE));
        assertThat(back).isEqualTo(ws).hasSameHashCodeAs(ws);
        assertThat(back.mapNames()).containsExactly("a", "b", "public:p");
        assertThat(back.writes(PRIV)).containsExactly(
                java.util.Map.entry("x", java.util.Optional.of("1")), java.util.Map.entry("y", java.util.Optional.of("2")));
        assertThat(back.writes("a")).singleElement().satisfies(w -> {
            assertThat(w.isRemove()).isTrue();
            assertThat(w.key()).containsExactly('k');
            assertThat(w.value()).isEmpty();
        });
        assertThat(back.writes("absent")).isEmpty();
        assertThat(back.writeCount()).isEqualTo(4);
        assertThat(WriteSet.deserialize(1, 0, new byte[0], new byte[0]).isEmpty()).isTrue();
    }

    @Test
    void accessorsReturnCopies() {
        WriteSet ws = sample();
        ws.writes("b").get(0).key()[0] = 'z';
        ws.writes("b").get(0).value().orElseThrow()[0] = 'z';
        assertThat(ws.writes(PRIV)).containsKey("x").containsValue(java.util.Optional.of("1"));
    }

    @Test
    void versionsAreChecked() {
        assertThatThrownBy(() -> WriteSet.deserialize(0, 0, new byte[0], new byte[0]))
                .hasMessageContaining("version must be >= 1");
        assertThatThrownBy(() -> WriteSet.deserialize(3, 3, new byte[0], new byte[0]))
                .hasMessageContaining("below the version");
        assertThatThrownBy(() -> WriteSet.deserialize(3, -1, new byte[0], new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedPartsAreRejectedWithTheirPosition() {
        WriteSet ws = sample();
        byte[] pub = ws.serialize(Visibility.PUBLIC);
        byte[] priv = ws.serialize(Visibility.PRIVATE);
        assertRejected(new byte[0], pub, "is PUBLIC but found in the PRIVATE part");
        assertRejected(priv, new byte[0], "is PRIVATE but found in the PUBLIC part");
        assertRejected(pub, Arrays.copyOf(priv, priv.length - 1), "remain");
        assertRejected(pub, Arrays.copyOf(priv, priv.length + 1), "trailing");
        byte[] badLayout = priv.clone();
        badLayout[0] = 2;
        assertRejected(pub, badLayout, "unknown layout 2");
        byte[] badKind = priv.clone();
        badKind[1 + 4 + 2 + 1 + 4 + 4 + 1] = 7;
        assertRejected(pub, badKind, "unknown write kind 7");
        byte[] hugeCount = priv.clone();
        hugeCount[1] = 0x7f;
        assertRejected(pub, hugeCount, "cannot fit");
        assertRejected(pub, Hex.decode("0100000000"), "map count is 0");
        assertThatThrownBy(() -> WriteSet.deserialize(1, 0, null, priv)).hasMessageContaining("missing");
    }

    @Test
    void nonCanonicalOrderIsRejected() {
        // two writes to map "b" with keys y then x
        byte[] unsorted = Hex.decode("01" + "00000001" + "0001" + "62" + "00000002"
                + "00000001" + "79" + "00" + "00000001" + "78" + "00");
        assertRejected(new byte[0], unsorted, "not strictly ascending");
        byte[] duplicate = Hex.decode("01" + "00000001" + "0001" + "62" + "00000002"
                + "00000001" + "79" + "00" + "00000001" + "79" + "00");
        assertRejected(new byte[0], duplicate, "not strictly ascending");
        byte[] mapsUnsorted = Hex.decode("01" + "00000002" + "0001" + "62" + "00000001" + "00000001" + "79" + "00"
                + "0001" + "61" + "00000001" + "00000001" + "79" + "00");
        assertRejected(new byte[0], mapsUnsorted, "not in ascending order");
        byte[] badName = Hex.decode("01" + "00000001" + "0001" + "20" + "00000001" + "00000001" + "79" + "00");
        assertRejected(new byte[0], badName, "invalid map name");
    }

    private static void assertRejected(byte[] pub, byte[] priv, String message) {
        assertThatThrownBy(() -> WriteSet.deserialize(1, 0, pub, priv))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
