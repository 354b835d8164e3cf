package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Random interleavings of transactions against a plain model: one TreeMap per map per version,
 * each key carrying the version that last wrote it.
 */
class StorePropertyTest {
    static final List<MapName<String, String>> MAPS = List.of(
            MapName.of("public:a", Codec.utf8(), Codec.utf8()),
            MapName.of("b", Codec.utf8(), Codec.utf8()),
            MapName.of("consort.gov.c", Codec.utf8(), Codec.utf8()));
    static final int SLOTS = 3;
    static final int KEYS = 3;

    sealed interface Action {
    }

    record Begin(int slot) implements Action {
    }

    record Read(int slot, int map, int key) implements Action {
    }

    record Iterate(int slot, int map) implements Action {
    }

    record Put(int slot, int map, int key, int value) implements Action {
    }

    record Remove(int slot, int map, int key) implements Action {
    }

    record Commit(int slot) implements Action {
    }

    record Rollback(int back) implements Action {
    }

    record GlobalCommit() implements Action {
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, SLOTS - 1);
        Arbitrary<Integer> map = Arbitraries.integers().between(0, MAPS.size() - 1);
        Arbitrary<Integer> key = Arbitraries.integers().between(0, KEYS - 1);
        Arbitrary<Integer> value = Arbitraries.integers().between(0, 9);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(6, slot.map(Begin::new)),
                Tuple.of(10, net.jqwik.api.Combinators.combine(slot, map, key).as(Read::new)),
                Tuple.of(2, net.jqwik.api.Combinators.combine(slot, map).as(Iterate::new)),
                Tuple.of(8, net.jqwik.api.Combinators.combine(slot, map, key, value).as(Put::new)),
                Tuple.of(3, net.jqwik.api.Combinators.combine(slot, map, key).as(Remove::new)),
                Tuple.of(6, slot.map(Commit::new)),
                Tuple.of(1, Arbitraries.integers().between(1, 3).map(Rollback::new)),
                Tuple.of(1, Arbitraries.just(new GlobalCommit())));
        return action.list().ofMinSize(40).ofMaxSize(150);
    }

    /** A key's value and the version that wrote it. */
    record Cell(String value, long version) {
    }

    /** The whole store at one version. */
    record ModelState(List<TreeMap<String, Cell>> maps, List<Long> mapVersions) {
        static ModelState empty() {
            List<TreeMap<String, Cell>> maps = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            for (int i = 0; i < MAPS.size(); i++) {
                maps.add(new TreeMap<>());
                versions.add(0L);
            }
            return new ModelState(maps, versions);
        }

        ModelState copy() {
            List<TreeMap<String, Cell>> maps = new ArrayList<>();
            for (TreeMap<String, Cell> m : this.maps) {
                maps.add(new TreeMap<>(m));
            }
            return new ModelState(maps, new ArrayList<>(mapVersions));
        }
    }

    /** The model's view of an open transaction. */
    static final class ModelTx {
        final WriteTx tx;
        final long snapshot;
        /** Kept here: a rollback may drop it from the model's list while the transaction still reads it. */
        final ModelState snapshotState;
        boolean rolledBack;
        final Map<String, Long> keyReads = new HashMap<>();      // "map/key" -> version seen
        final Map<Integer, Long> iterations = new HashMap<>();   // map -> map version seen
        final Map<String, String> valuesRead = new HashMap<>();  // "map/key" -> value seen (null = absent)
        final Map<Integer, Map<String, String>> contentsIterated = new HashMap<>();
        final List<TreeMap<String, Optional<String>>> writes = new ArrayList<>();

        ModelTx(WriteTx tx, long snapshot, ModelState snapshotState) {
            this.tx = tx;
            this.snapshot = snapshot;
            this.snapshotState = snapshotState;
            for (int i = 0; i < MAPS.size(); i++) {
                writes.add(new TreeMap<>());
            }
        }
    }

    @Property(tries = 150)
    void storeMatchesTheModel(@ForAll("actions") List<Action> actions) {
        Store store = new Store(new StoreConfig(4));
        List<ModelState> model = new ArrayList<>(List.of(ModelState.empty()));
        List<WriteSet> writeSets = new ArrayList<>();
        writeSets.add(null);
        long globalCommit = 0;
        ModelTx[] open = new ModelTx[SLOTS];
        List<List<String>> hookCalls = new ArrayList<>();
        for (int i = 0; i < MAPS.size(); i++) {
            List<String> calls = new ArrayList<>();
            hookCalls.add(calls);
            store.addGlobalCommitHook(MAPS.get(i), (v, w) -> calls.add(v + ":" + w));
        }

        for (Action a : actions) {
            ModelState latest = model.get(model.size() - 1);
            int slotUsed = switch (a) {
                case Read r -> r.slot();
                case Iterate it -> it.slot();
                case Put p -> p.slot();
                case Remove r -> r.slot();
                default -> -1;
            };
            if (slotUsed >= 0 && open[slotUsed] == null) {
                // an operation on an empty slot begins a transaction there
                open[slotUsed] = new ModelTx(store.writeTx(), model.size() - 1, latest);
            }
            switch (a) {
                case Begin b -> open[b.slot()] = new ModelTx(store.writeTx(), model.size() - 1, latest);
                case Read r when open[r.slot()] != null -> {
                    ModelTx t = open[r.slot()];
                    String key = "k" + r.key();
                    Optional<String> got = t.tx.read(MAPS.get(r.map())).get(key);
                    Optional<String> own = t.writes.get(r.map()).get(key);
                    Cell cell = t.snapshotState.maps().get(r.map()).get(key);
                    if (own != null) {
                        assertThat(got).isEqualTo(own);
                    } else {
                        assertThat(got).isEqualTo(Optional.ofNullable(cell).map(Cell::value));
                        t.keyReads.putIfAbsent(r.map() + "/" + key, cell == null ? 0 : cell.version());
                        t.valuesRead.putIfAbsent(r.map() + "/" + key, cell == null ? null : cell.value());
                    }
                }
                case Iterate it when open[it.slot()] != null -> {
                    ModelTx t = open[it.slot()];
                    ModelState snap = t.snapshotState;
                    Map<String, String> expected = new TreeMap<>();
                    snap.maps().get(it.map()).forEach((k, c) -> expected.put(k, c.value()));
                    t.contentsIterated.putIfAbsent(it.map(), new TreeMap<>(expected));
                    t.writes.get(it.map()).forEach((k, v) -> {
                        if (v.isPresent()) {
                            expected.put(k, v.get());
                        } else {
                            expected.remove(k);
                        }
                    });
                    Map<String, String> got = new LinkedHashMap<>();
                    t.tx.read(MAPS.get(it.map())).forEach(got::put);
                    assertThat(got).containsExactlyEntriesOf(expected);
                    assertThat(t.tx.read(MAPS.get(it.map())).size()).isEqualTo(expected.size());
                    t.iterations.putIfAbsent(it.map(), snap.mapVersions().get(it.map()));
                }
                case Put p when open[p.slot()] != null -> {
                    open[p.slot()].tx.write(MAPS.get(p.map())).put("k" + p.key(), "v" + p.value());
                    open[p.slot()].writes.get(p.map()).put("k" + p.key(), Optional.of("v" + p.value()));
                }
                case Remove r when open[r.slot()] != null -> {
                    open[r.slot()].tx.write(MAPS.get(r.map())).remove("k" + r.key());
                    open[r.slot()].writes.get(r.map()).put("k" + r.key(), Optional.empty());
                }
                case Commit c when open[c.slot()] != null -> {
                    ModelTx t = open[c.slot()];
                    open[c.slot()] = null;
                    boolean expectConflict = t.rolledBack || stale(t, latest);
                    CommitResult result = store.commit(t.tx);
                    Statistics.label("commit").collect(t.rolledBack ? "rolled back" : expectConflict ? "conflict" : "ok");
                    if (expectConflict) {
                        assertThat(result).isInstanceOf(CommitResult.Conflict.class);
                        continue;
                    }
                    assertThat(result).isInstanceOf(CommitResult.Committed.class);
                    assertSerialisable(t, latest);
                    long v = model.size();
                    WriteSet ws = ((CommitResult.Committed) result).writeSet();
                    assertThat(ws.version()).isEqualTo(v);
                    assertThat(ws.snapshotVersion()).isEqualTo(t.snapshot);
                    model.add(applyToModel(latest, t, v));
                    writeSets.add(ws);
                }
                case Rollback r -> {
                    long target = Math.max(globalCommit, model.size() - 1 - r.back());
                    store.rollback(target);
                    while (model.size() - 1 > target) {
                        model.remove(model.size() - 1);
                        writeSets.remove(writeSets.size() - 1);
                    }
                    for (ModelTx t : open) {
                        if (t != null && t.snapshot > target) {
                            t.rolledBack = true;
                        }
                    }
                }
                case GlobalCommit g -> {
                    globalCommit = model.size() - 1;
                    store.globalCommit(globalCommit);
                }
                default -> {
                    // a commit on an empty slot does nothing
                }
            }
            assertThat(store.version()).isEqualTo(model.size() - 1);
        }

        long latestVersion = store.version();
        for (long v = store.oldestVersion(); v <= latestVersion; v++) {
            assertReadsLikeModel(store.readTxAt(v), model.get((int) v));
        }
        // every version from the global commit point on stays readable (rollback needs them)
        assertThat(store.oldestVersion()).isLessThanOrEqualTo(globalCommit);

        // Replaying the write sets, after a trip through their binary form, gives the same state.
        Store replica = new Store(new StoreConfig(4));
        for (int v = 1; v <= latestVersion; v++) {
            WriteSet ws = writeSets.get(v);
            WriteSet back = WriteSet.deserialize(ws.version(), ws.snapshotVersion(),
                    ws.serialize(Visibility.PUBLIC), ws.serialize(Visibility.PRIVATE));
            assertThat(back).isEqualTo(ws);
            replica.apply(back);
        }
        assertThat(replica.digest(latestVersion)).isEqualTo(store.digest(latestVersion));
        Store loaded = Store.fromSnapshot(new StoreConfig(4), store.snapshot(latestVersion));
        assertThat(loaded.digest(latestVersion)).isEqualTo(store.digest(latestVersion));
        assertReadsLikeModel(loaded.readTx(), model.get((int) latestVersion));

        Statistics.label("commit").coverage(c -> {
            c.check("conflict").percentage(p -> p > 3);
            c.check("rolled back").count(n -> n > 0);
            c.check("ok").percentage(p -> p > 30);
            c.check("ok").count(n -> n > 500);
        });

        // Hooks saw exactly the globally committed versions that wrote each map, in order.
        store.globalCommit(latestVersion);
        for (int m = 0; m < MAPS.size(); m++) {
            List<String> expected = new ArrayList<>();
            for (int v = 1; v <= latestVersion; v++) {
                Map<String, Optional<String>> w = writeSets.get(v).writes(MAPS.get(m));
                if (!w.isEmpty()) {
                    expected.add(v + ":" + w);
                }
            }
            assertThat(hookCalls.get(m)).containsExactlyElementsOf(expected);
        }
    }

    /** The conflict rule, stated on the model: something read has a different last write version now. */
    private static boolean stale(ModelTx t, ModelState latest) {
        for (Map.Entry<String, Long> read : t.keyReads.entrySet()) {
            String[] mk = read.getKey().split("/");
            Cell now = latest.maps().get(Integer.parseInt(mk[0])).get(mk[1]);
            if ((now == null ? 0 : now.version()) != read.getValue()) {
                return true;
            }
        }
        for (Map.Entry<Integer, Long> it : t.iterations.entrySet()) {
            if (!latest.mapVersions().get(it.getKey()).equals(it.getValue())) {
                return true;
            }
        }
        return false;
    }

    /** A committed transaction read exactly what the state it commits on holds. */
    private static void assertSerialisable(ModelTx t, ModelState latest) {
        t.valuesRead.forEach((mk, value) -> {
            String[] parts = mk.split("/");
            Cell now = latest.maps().get(Integer.parseInt(parts[0])).get(parts[1]);
            assertThat(now == null ? null : now.value()).isEqualTo(value);
        });
        t.contentsIterated.forEach((m, contents) -> {
            Map<String, String> now = new TreeMap<>();
            latest.maps().get(m).forEach((k, c) -> now.put(k, c.value()));
            assertThat(now).isEqualTo(contents);
        });
    }

    private static ModelState applyToModel(ModelState latest, ModelTx t, long version) {
        ModelState next = latest.copy();
        for (int m = 0; m < MAPS.size(); m++) {
            TreeMap<String, Optional<String>> w = t.writes.get(m);
            if (w.isEmpty()) {
                continue;
            }
            next.mapVersions().set(m, version);
            TreeMap<String, Cell> map = next.maps().get(m);
            w.forEach((k, v) -> {
                if (v.isPresent()) {
                    map.put(k, new Cell(v.get(), version));
                } else {
                    map.remove(k);
                }
            });
        }
        return next;
    }

    private static void assertReadsLikeModel(ReadTx tx, ModelState state) {
        for (int m = 0; m < MAPS.size(); m++) {
            MapReader<String, String> r = tx.read(MAPS.get(m));
            Map<String, String> got = new LinkedHashMap<>();
            r.forEach(got::put);
            Map<String, String> expected = new LinkedHashMap<>();
            state.maps().get(m).forEach((k, c) -> expected.put(k, c.value()));
            assertThat(got).containsExactlyEntriesOf(expected);
            assertThat(r.size()).isEqualTo(expected.size());
            for (int k = 0; k < KEYS; k++) {
                Cell cell = state.maps().get(m).get("k" + k);
                assertThat(r.lastWriteVersion("k" + k))
                        .isEqualTo(cell == null ? OptionalLong.empty() : OptionalLong.of(cell.version()));
            }
        }
    }
}
