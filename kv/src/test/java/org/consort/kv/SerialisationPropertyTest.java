package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Write sets and snapshots survive their binary form, and damaged bytes fail cleanly. */
class SerialisationPropertyTest {
    static final List<MapName<byte[], byte[]>> MAPS = List.of(
            MapName.raw("public:x"), MapName.raw("public:consort.gov.y"), MapName.raw("z"), MapName.raw("zz"));

    /** A put, or a remove when {@code value} is null. */
    record Write(int map, byte[] key, byte[] value) {
    }

    @Provide
    Arbitrary<List<List<Write>>> transactions() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(6);
        Arbitrary<Write> write = Combinators.combine(Arbitraries.integers().between(0, MAPS.size() - 1), bytes,
                bytes.injectNull(0.3)).as(Write::new);
        return write.list().ofMaxSize(8).list().ofMinSize(1).ofMaxSize(8);
    }

    /** Commits each transaction in turn; returns their write sets. */
    private static List<WriteSet> commitAll(Store store, List<List<Write>> transactions) {
        List<WriteSet> out = new ArrayList<>();
        for (List<Write> writes : transactions) {
            WriteTx tx = store.writeTx();
            for (Write w : writes) {
                if (w.value() == null) {
                    tx.write(MAPS.get(w.map())).remove(w.key());
                } else {
                    tx.write(MAPS.get(w.map())).put(w.key(), w.value());
                }
            }
            out.add(((CommitResult.Committed) store.commit(tx)).writeSet());
        }
        return out;
    }

    @Property(tries = 200)
    void writeSetsAndSnapshotsRoundTrip(@ForAll("transactions") List<List<Write>> transactions) {
        Store store = new Store(StoreConfig.defaults());
        List<WriteSet> writeSets = commitAll(store, transactions);
        Store replica = new Store(StoreConfig.defaults());
        for (WriteSet ws : writeSets) {
            byte[] pub = ws.serialize(Visibility.PUBLIC);
            byte[] priv = ws.serialize(Visibility.PRIVATE);
            WriteSet back = WriteSet.deserialize(ws.version(), ws.snapshotVersion(), pub, priv);
            assertThat(back).isEqualTo(ws);
            assertThat(back.serialize(Visibility.PUBLIC)).isEqualTo(pub);
            assertThat(back.serialize(Visibility.PRIVATE)).isEqualTo(priv);
            replica.apply(back);
        }
        long v = store.version();
        assertThat(replica.snapshot(v)).isEqualTo(store.snapshot(v));
        byte[] snapshot = store.snapshot(v);
        assertThat(Store.fromSnapshot(StoreConfig.defaults(), snapshot).snapshot(v)).isEqualTo(snapshot);
    }

    @Property(tries = 300)
    void damagedWriteSetPartsFailWithIllegalArgument(@ForAll("transactions") List<List<Write>> transactions,
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement,
            @ForAll boolean truncate) {
        WriteSet ws = commitAll(new Store(StoreConfig.defaults()), transactions).get(0);
        for (Visibility v : Visibility.values()) {
            byte[] part = ws.serialize(v);
            if (part.length == 0) {
                continue;
            }
            byte[] damaged = damage(part, position, replacement, truncate);
            try {
                WriteSet back = v == Visibility.PUBLIC
                        ? WriteSet.deserialize(1, 0, damaged, new byte[0])
                        : WriteSet.deserialize(1, 0, new byte[0], damaged);
                // the damage happened to give another valid write set: it must be canonical
                assertThat(back.serialize(v)).isEqualTo(damaged);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Property(tries = 300)
    void damagedSnapshotsFailWithIllegalArgument(@ForAll("transactions") List<List<Write>> transactions,
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte replacement,
            @ForAll boolean truncate) {
        Store store = new Store(StoreConfig.defaults());
        commitAll(store, transactions);
        byte[] damaged = damage(store.snapshot(store.version()), position, replacement, truncate);
        try {
            Store loaded = Store.fromSnapshot(StoreConfig.defaults(), damaged);
            assertThat(loaded.snapshot(loaded.version())).isEqualTo(damaged);
        } catch (IllegalArgumentException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    private static byte[] damage(byte[] original, int position, byte replacement, boolean truncate) {
        int at = position % original.length;
        if (truncate) {
            return Arrays.copyOf(original, at);
        }
        byte[] out = original.clone();
        out[at] = out[at] == replacement ? (byte) (replacement + 1) : replacement;
        return out;
    }
}
