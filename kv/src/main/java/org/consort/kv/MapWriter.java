package org.consort.kv;

/**
 * Read and write access to one map within a {@link WriteTx}. Writes are buffered in the
 * transaction and become visible to others only when it commits. Writes are blind: they are not
 * reads, so they never cause a conflict by themselves. Not thread-safe.
 */
public interface MapWriter<K, V> extends MapReader<K, V> {

    void put(K key, V value);

    /** Removes {@code key}; removing an absent key is allowed and still recorded as a write. */
    void remove(K key);
}
