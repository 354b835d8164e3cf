package org.consort.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.consort.common.Hex;

/**
 * One map as a transaction sees it, in encoded bytes: the snapshot's map, the transaction's own
 * writes on top, and (in write transactions) a record of what was read from the snapshot. Not
 * thread-safe.
 */
final class TxMap {
    /** A buffered write; a null value is a remove. */
    record Change(byte[] value) {
    }

    record ByteKey(byte[] bytes) implements Comparable<ByteKey> {
        @Override
        public int compareTo(ByteKey o) {
            return PersistentTree.compare(bytes, o.bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    final String name;
    final Visibility visibility;
    private final State.MapState snapshot;
    private final boolean recordReads;
    private final Runnable checkOpen;
    /** Encoded key to the version read from the snapshot (0 = absent). */
    private Map<ByteKey, Long> keyReads;
    /** The map's last write version as seen by an iteration, or -1 if never iterated. */
    private long iteratedAtVersion = -1;
    private final TreeMap<ByteKey, Change> writes = new TreeMap<>();

    TxMap(String name, Visibility visibility, State.MapState snapshot, boolean recordReads, Runnable checkOpen) {
        this.name = name;
        this.visibility = visibility;
        this.snapshot = snapshot;
        this.recordReads = recordReads;
        this.checkOpen = checkOpen;
    }

    private State.Entry readSnapshot(byte[] key) {
        State.Entry e = snapshot.entries().get(key);
        if (recordReads) {
            if (keyReads == null) {
                keyReads = new HashMap<>();
            }
            keyReads.putIfAbsent(new ByteKey(key), e == null ? 0L : e.version());
        }
        return e;
    }

    /** The value, own writes first; null if absent. */
    byte[] get(byte[] key) {
        checkOpen.run();
        Change c = writes.get(new ByteKey(key));
        if (c != null) {
            return c.value();
        }
        State.Entry e = readSnapshot(key);
        return e == null ? null : e.value();
    }

    /** The snapshot version of the key, 0 if absent. */
    long lastWriteVersion(byte[] key) {
        checkOpen.run();
        State.Entry e = readSnapshot(key);
        return e == null ? 0 : e.version();
    }

    void put(byte[] key, byte[] value) {
        checkOpen.run();
        writes.put(new ByteKey(key), new Change(value));
    }

    void remove(byte[] key) {
        checkOpen.run();
        writes.put(new ByteKey(key), new Change(null));
    }

    private void recordIteration() {
        if (recordReads && iteratedAtVersion < 0) {
            iteratedAtVersion = snapshot.lastWriteVersion();
        }
    }

    long size() {
        checkOpen.run();
        recordIteration();
        long n = snapshot.entries().size();
        for (Map.Entry<ByteKey, Change> w : writes.entrySet()) {
            boolean inSnapshot = snapshot.entries().get(w.getKey().bytes()) != null;
            if (w.getValue().value() != null && !inSnapshot) {
                n++;
            } else if (w.getValue().value() == null && inSnapshot) {
                n--;
            }
        }
        return n;
    }

    /** Merges the snapshot with own writes in key order. */
    void forEach(BiConsumer<byte[], byte[]> action) {
        checkOpen.run();
        recordIteration();
        // A copy, so that the action may write to this same map while we iterate.
        Iterator<Map.Entry<ByteKey, Change>> own = new TreeMap<>(writes).entrySet().iterator();
        Iterator<PersistentTree.Node<State.Entry>> base = snapshot.entries().iterator();
        Map.Entry<ByteKey, Change> o = own.hasNext() ? own.next() : null;
        PersistentTree.Node<State.Entry> b = base.hasNext() ? base.next() : null;
        while (o != null || b != null) {
            int c = o == null ? 1 : b == null ? -1 : PersistentTree.compare(o.getKey().bytes(), b.key());
            if (c <= 0) {
                if (o.getValue().value() != null) {
                    action.accept(o.getKey().bytes(), o.getValue().value());
                }
                o = own.hasNext() ? own.next() : null;
                if (c == 0) {
                    b = base.hasNext() ? base.next() : null;
                }
            } else {
                action.accept(b.key(), b.value().value());
                b = base.hasNext() ? base.next() : null;
            }
        }
    }

    boolean hasWrites() {
        return !writes.isEmpty();
    }

    TreeMap<ByteKey, Change> writes() {
        return writes;
    }

    /**
     * Null if every snapshot read still holds in {@code current}, else why not.
     * Reads hold when the key's last write version (0 if absent) is unchanged, and for an
     * iteration when the map's last write version is unchanged.
     */
    String staleRead(State.MapState current) {
        if (iteratedAtVersion >= 0 && current.lastWriteVersion() != iteratedAtVersion) {
            return "the transaction iterated the map at version " + iteratedAtVersion
                    + " and version " + current.lastWriteVersion() + " wrote it since";
        }
        if (keyReads != null) {
            for (Map.Entry<ByteKey, Long> read : keyReads.entrySet()) {
                State.Entry e = current.entries().get(read.getKey().bytes());
                long now = e == null ? 0 : e.version();
                if (now != read.getValue()) {
                    return "key " + abbreviatedHex(read.getKey().bytes()) + " was read "
                            + (read.getValue() == 0 ? "absent" : "at version " + read.getValue())
                            + " and is now " + (now == 0 ? "absent" : "at version " + now);
                }
            }
        }
        return null;
    }

    private static String abbreviatedHex(byte[] b) {
        String hex = Hex.encode(b.length <= 32 ? b : Arrays.copyOf(b, 32));
        return "0x" + hex + (b.length > 32 ? "..." : "");
    }
}
