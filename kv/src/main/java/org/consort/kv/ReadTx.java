package org.consort.kv;

/**
 * A read-only view of the store at one version. Every map read through it sees the same
 * snapshot, however many commits happen meanwhile. Not thread-safe.
 */
public interface ReadTx {

    /** A reader of {@code map}; a map that was never written reads as empty. */
    <K, V> MapReader<K, V> read(MapName<K, V> map);

    /** The version this transaction reads. */
    long snapshotVersion();
}
