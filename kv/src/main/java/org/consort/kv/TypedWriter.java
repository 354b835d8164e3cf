package org.consort.kv;

import java.util.Objects;

/** A {@link MapWriter} over a {@link TxMap}. Not thread-safe. */
final class TypedWriter<K, V> extends TypedReader<K, V> implements MapWriter<K, V> {

    TypedWriter(MapName<K, V> map, TxMap raw) {
        super(map, raw);
    }

    @Override
    public void put(K key, V value) {
        byte[] k = encodeKey(key);
        raw.put(k, map.values().encode(Objects.requireNonNull(value, "value")));
    }

    @Override
    public void remove(K key) {
        raw.remove(encodeKey(key));
    }
}
