package org.consort.kv;

/**
 * A transaction that reads one snapshot and buffers writes, then commits through
 * {@link Store#commit} (once). After commit, success or conflict, it can no longer be used. Not
 * thread-safe.
 */
public interface WriteTx extends ReadTx {

    /** A reader and writer of {@code map}. */
    <K, V> MapWriter<K, V> write(MapName<K, V> map);

    /** Whether any put or remove has been made. */
    boolean hasWrites();
}
