package org.consort.governance;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;

/**
 * Governance maps seen through a transaction, with writes staged in memory until
 * {@link #flush()}. The constitution's {@code apply} writes through one of these so that a
 * proposal whose second action fails leaves no trace of its first: on failure the staged writes
 * are simply dropped. Reads see the staged writes first. Not thread-safe.
 */
final class GovStore {
    private static final Object REMOVED = new Object();

    private final ReadTx tx;
    private final Map<MapName<String, String>, TreeMap<String, Object>> staged = new HashMap<>();

    GovStore(ReadTx tx) {
        this.tx = tx;
    }

    Optional<String> get(MapName<String, String> map, String key) {
        TreeMap<String, Object> s = staged.get(map);
        if (s != null && s.containsKey(key)) {
            Object v = s.get(key);
            return v == REMOVED ? Optional.empty() : Optional.of((String) v);
        }
        return tx.read(map).get(key);
    }

    void put(MapName<String, String> map, String key, String value) {
        staged.computeIfAbsent(map, m -> new TreeMap<>()).put(key, value);
    }

    void remove(MapName<String, String> map, String key) {
        staged.computeIfAbsent(map, m -> new TreeMap<>()).put(key, REMOVED);
    }

    /** Every entry, in key order, with staged writes applied. */
    void forEach(MapName<String, String> map, BiConsumer<String, String> action) {
        TreeMap<String, String> merged = new TreeMap<>();
        tx.read(map).forEach(merged::put);
        TreeMap<String, Object> s = staged.get(map);
        if (s != null) {
            s.forEach((k, v) -> {
                if (v == REMOVED) {
                    merged.remove(k);
                } else {
                    merged.put(k, (String) v);
                }
            });
        }
        merged.forEach(action);
    }

    boolean touched(MapName<String, String> map) {
        return staged.containsKey(map);
    }

    /** Writes every staged change to the transaction (which must then be a {@link WriteTx}). */
    void flush() {
        if (staged.isEmpty()) {
            return;
        }
        if (!(tx instanceof WriteTx w)) {
            throw new IllegalStateException("governance writes need a write transaction");
        }
        staged.forEach((map, entries) -> entries.forEach((k, v) -> {
            if (v == REMOVED) {
                w.write(map).remove(k);
            } else {
                w.write(map).put(k, (String) v);
            }
        }));
        staged.clear();
    }

    void discard() {
        staged.clear();
    }
}
