package org.consort.kv;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;

/**
 * Read access to one map within a transaction. It sees the transaction's snapshot plus the
 * transaction's own writes so far (own writes win). Not thread-safe: use it from the thread
 * that runs the transaction.
 *
 * <p>In a {@link WriteTx}, every read of the snapshot is recorded for conflict detection: a
 * key read through {@link #get}, {@link #containsKey} or {@link #lastWriteVersion}, and the
 * whole map for {@link #forEach} and {@link #size}. Reads answered from the transaction's own
 * writes are not recorded.
 */
public interface MapReader<K, V> {

    /** The value of {@code key}, or empty if it is absent. */
    Optional<V> get(K key);

    boolean containsKey(K key);

    /** Calls {@code action} for every entry, in the order of the encoded key bytes (unsigned). */
    void forEach(BiConsumer<K, V> action);

    /** The number of entries. */
    long size();

    /**
     * The version that last wrote {@code key} in the snapshot (ignoring this transaction's own
     * writes), or empty if the key is absent from the snapshot.
     */
    OptionalLong lastWriteVersion(K key);
}
