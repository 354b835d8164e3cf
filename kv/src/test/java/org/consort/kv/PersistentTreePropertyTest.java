package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

class PersistentTreePropertyTest {

    /** (key, value) to put, or (key, null) to remove; short keys so that collisions are common. */
    @Provide
    Arbitrary<List<Tuple2<byte[], Integer>>> operations() {
        Arbitrary<byte[]> keys = Arbitraries.bytes().array(byte[].class).ofMaxSize(2);
        Arbitrary<Integer> values = Arbitraries.integers().between(0, 1000).injectNull(0.3);
        Arbitrary<Tuple2<byte[], Integer>> op = Arbitraries.lazy(() -> keys.flatMap(k -> values.map(v -> Tuple.of(k, v))));
        return op.list().ofMaxSize(200);
    }

    /**
     * Keys of up to 12 bytes from {0, 1, 255}, so that many share their first 8 bytes (the prefix a
     * node keeps) or differ from another only by trailing zeros.
     */
    @Provide
    Arbitrary<List<Tuple2<byte[], Integer>>> longKeyOperations() {
        Arbitrary<byte[]> keys = Arbitraries.of((byte) 0, (byte) 1, (byte) 255).list().ofMaxSize(12).map(l -> {
            byte[] k = new byte[l.size()];
            for (int i = 0; i < k.length; i++) {
                k[i] = l.get(i);
            }
            return k;
        });
        Arbitrary<Integer> values = Arbitraries.integers().between(0, 1000).injectNull(0.3);
        return keys.flatMap(k -> values.map(v -> Tuple.of(k, v))).list().ofMaxSize(300);
    }

    @Property(tries = 100)
    void behavesLikeATreeMapWithKeysThatShareTheirPrefix(@ForAll("longKeyOperations") List<Tuple2<byte[], Integer>> ops) {
        behavesLikeATreeMapAndKeepsEveryOldVersion(ops);
    }

    @Property(tries = 100)
    void behavesLikeATreeMapAndKeepsEveryOldVersion(@ForAll("operations") List<Tuple2<byte[], Integer>> ops) {
        PersistentTree<Integer> tree = PersistentTree.empty();
        TreeMap<TxMap.ByteKey, Integer> model = new TreeMap<>();
        List<PersistentTree<Integer>> trees = new ArrayList<>();
        List<TreeMap<TxMap.ByteKey, Integer>> models = new ArrayList<>();
        for (Tuple2<byte[], Integer> op : ops) {
            if (op.get2() == null) {
                tree = tree.remove(op.get1());
                model.remove(new TxMap.ByteKey(op.get1()));
            } else {
                tree = tree.put(op.get1(), op.get2());
                model.put(new TxMap.ByteKey(op.get1()), op.get2());
            }
            trees.add(tree);
            models.add(new TreeMap<>(model));
        }
        for (int i = 0; i < trees.size(); i++) {
            assertSame(trees.get(i), models.get(i));
        }
    }

    private static void assertSame(PersistentTree<Integer> tree, TreeMap<TxMap.ByteKey, Integer> model) {
        assertThat(tree.checkInvariants()).isTrue();
        assertThat(tree.size()).isEqualTo(model.size());
        assertThat(tree.height()).isLessThanOrEqualTo((int) Math.ceil(1.45 * log2(model.size() + 2)));
        List<Map.Entry<TxMap.ByteKey, Integer>> fromTree = new ArrayList<>();
        for (PersistentTree.Node<Integer> n : tree) {
            fromTree.add(Map.entry(new TxMap.ByteKey(n.key()), n.value()));
            if (tree.get(n.key()) != n.value()) {
                throw new AssertionError("get disagrees with iteration at " + n.key().length + "-byte key");
            }
        }
        assertThat(fromTree).isEqualTo(model.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue())).toList());
    }

    private static double log2(int n) {
        return Math.log(n) / Math.log(2);
    }

    @Property(tries = 50)
    void removingAnAbsentKeyReturnsTheSameTree(@ForAll("operations") List<Tuple2<byte[], Integer>> ops) {
        PersistentTree<Integer> tree = PersistentTree.empty();
        for (Tuple2<byte[], Integer> op : ops) {
            if (op.get2() != null) {
                tree = tree.put(op.get1(), op.get2());
            }
        }
        byte[] absent = {1, 2, 3, 4};
        assertThat(tree.remove(absent)).isSameAs(tree);
        assertThat(tree.get(Arrays.copyOf(absent, 4))).isNull();
    }
}
