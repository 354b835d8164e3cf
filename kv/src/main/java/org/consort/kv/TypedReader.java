package org.consort.kv;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/** A {@link MapReader} over a {@link TxMap}: encodes keys and decodes values. Not thread-safe. */
class TypedReader<K, V> implements MapReader<K, V> {
    final MapName<K, V> map;
    final TxMap raw;

    TypedReader(MapName<K, V> map, TxMap raw) {
        this.map = map;
        this.raw = raw;
    }

    byte[] encodeKey(K key) {
        return map.keys().encode(Objects.requireNonNull(key, "key"));
    }

    @Override
    public Optional<V> get(K key) {
        byte[] v = raw.get(encodeKey(key));
        return v == null ? Optional.empty() : Optional.of(map.values().decode(v));
    }

    @Override
    public boolean containsKey(K key) {
        return raw.get(encodeKey(key)) != null;
    }

    @Override
    public void forEach(BiConsumer<K, V> action) {
        Objects.requireNonNull(action, "action");
        raw.forEach((k, v) -> action.accept(map.keys().decode(k), map.values().decode(v)));
    }

    @Override
    public long size() {
        return raw.size();
    }

    @Override
    public OptionalLong lastWriteVersion(K key) {
        long v = raw.lastWriteVersion(encodeKey(key));
        return v == 0 ? OptionalLong.empty() : OptionalLong.of(v);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + map.name() + "]";
    }
}
