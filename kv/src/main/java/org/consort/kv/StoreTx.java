package org.consort.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The store's transaction: a read-only one (records nothing) or a write one (records its reads
 * for conflict detection and buffers its writes). Not thread-safe.
 */
final class StoreTx implements WriteTx {
    final Store store;
    final State snapshot;
    final boolean writable;
    /** How many rollbacks the store had when this transaction began. */
    final int rollbacksSeen;
    /** By name, so the write set comes out sorted. */
    private final TreeMap<String, TxMap> maps = new TreeMap<>();
    private boolean finished;

    StoreTx(Store store, State snapshot, boolean writable, int rollbacksSeen) {
        this.store = store;
        this.snapshot = snapshot;
        this.writable = writable;
        this.rollbacksSeen = rollbacksSeen;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("the transaction on snapshot " + snapshot.version()
                    + " has already been committed or has conflicted; start a new one");
        }
    }

    private TxMap txMap(MapName<?, ?> map) {
        Objects.requireNonNull(map, "map");
        checkOpen();
        return maps.computeIfAbsent(map.name(), n -> new TxMap(n, map.visibility(), snapshot.map(n), writable,
                this::checkOpen));
    }

    @Override
    public <K, V> MapReader<K, V> read(MapName<K, V> map) {
        return new TypedReader<>(map, txMap(map));
    }

    @Override
    public <K, V> MapWriter<K, V> write(MapName<K, V> map) {
        if (!writable) {
            throw new IllegalStateException("read-only transaction");
        }
        return new TypedWriter<>(map, txMap(map));
    }

    @Override
    public long snapshotVersion() {
        return snapshot.version();
    }

    @Override
    public boolean hasWrites() {
        for (TxMap m : maps.values()) {
            if (m.hasWrites()) {
                return true;
            }
        }
        return false;
    }

    boolean finished() {
        return finished;
    }

    void finish() {
        finished = true;
    }

    Iterable<TxMap> maps() {
        return maps.values();
    }

    /** The buffered writes as the write set of {@code version}. */
    WriteSet toWriteSet(long version) {
        List<WriteSet.MapWrites> out = new ArrayList<>();
        for (TxMap m : maps.values()) {
            if (!m.hasWrites()) {
                continue;
            }
            int n = m.writes().size();
            byte[][] keys = new byte[n][];
            byte[][] values = new byte[n][];
            int i = 0;
            for (Map.Entry<TxMap.ByteKey, TxMap.Change> w : m.writes().entrySet()) {
                keys[i] = w.getKey().bytes();
                values[i] = w.getValue().value();
                i++;
            }
            out.add(new WriteSet.MapWrites(m.name, m.visibility, keys, values));
        }
        return new WriteSet(version, snapshot.version(), out);
    }

    @Override
    public String toString() {
        return (writable ? "WriteTx" : "ReadTx") + "@" + snapshot.version();
    }
}
