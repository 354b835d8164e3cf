package org.consort.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The binary layout of a store snapshot: every map at one version, with the version that last
 * wrote each key, so a store loaded from it detects conflicts exactly like the original. All
 * integers unsigned big-endian:
 * <pre>
 *   4 bytes  magic "CKVS"
 *   u8       layout = 1
 *   u64      version
 *   u32      mapCount
 *   mapCount times, ascending by name:
 *     u16  nameLength, then the name (ASCII, a valid {@link MapName})
 *     u64  lastWriteVersion of the map   1 &lt;= it &lt;= version
 *     u32  entryCount                    (0 for a map whose keys were all removed)
 *     entryCount times, strictly ascending by key bytes (unsigned lexicographic):
 *       u32 keyLength, then the key
 *       u64 writeVersion                 1 &lt;= it &lt;= lastWriteVersion of the map
 *       u32 valueLength, then the value
 * </pre>
 * Public and private maps are both in plaintext: whoever stores a snapshot must protect it.
 * The layout is canonical: {@link #read} accepts only what {@link #write} produces.
 */
final class SnapshotFormat {
    static final byte[] MAGIC = {'C', 'K', 'V', 'S'};
    static final int LAYOUT = 1;

    private SnapshotFormat() {
    }

    static byte[] write(State state) {
        ByteWriter w = new ByteWriter(1024);
        w.raw(MAGIC);
        w.u8(LAYOUT);
        w.u64(state.version());
        w.u32(state.maps().size());
        for (PersistentTree.Node<State.MapState> m : state.maps()) {
            w.u16(m.key().length);
            w.raw(m.key());
            w.u64(m.value().lastWriteVersion());
            w.u32(m.value().entries().size());
            for (PersistentTree.Node<State.Entry> e : m.value().entries()) {
                w.blob(e.key());
                w.u64(e.value().version());
                w.blob(e.value().value());
            }
        }
        return w.toByteArray();
    }

    /** The length of {@link #write(State)}'s bytes, counted without making them. */
    static long size(State state) {
        long n = MAGIC.length + 1 + 8 + 4;
        for (PersistentTree.Node<State.MapState> m : state.maps()) {
            n += 2 + m.key().length + 8 + 4;
            for (PersistentTree.Node<State.Entry> e : m.value().entries()) {
                n += 4 + e.key().length + 8 + 4 + e.value().value().length;
            }
        }
        return n;
    }

    /** Writes the same bytes as {@link #write(State)} to {@code out}, a few KiB at a time. */
    static void write(State state, java.io.OutputStream out) throws java.io.IOException {
        java.io.DataOutputStream w = new java.io.DataOutputStream(new java.io.BufferedOutputStream(out, 64 << 10));
        w.write(MAGIC);
        w.writeByte(LAYOUT);
        w.writeLong(state.version());
        w.writeInt(state.maps().size());
        for (PersistentTree.Node<State.MapState> m : state.maps()) {
            w.writeShort(m.key().length);
            w.write(m.key());
            w.writeLong(m.value().lastWriteVersion());
            w.writeInt(m.value().entries().size());
            for (PersistentTree.Node<State.Entry> e : m.value().entries()) {
                w.writeInt(e.key().length);
                w.write(e.key());
                w.writeLong(e.value().version());
                w.writeInt(e.value().value().length);
                w.write(e.value().value());
            }
        }
        w.flush();
    }

    static State read(byte[] bytes) {
        ByteReader r = new ByteReader(bytes, "store snapshot");
        byte[] magic = r.raw(MAGIC.length, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IllegalArgumentException("not a store snapshot: the magic bytes are not CKVS");
        }
        int layout = r.u8("layout");
        if (layout != LAYOUT) {
            throw r.malformed("unknown layout " + layout + " (expected " + LAYOUT + ")");
        }
        long version = r.u64("version");
        if (version < 0) {
            throw r.malformed("version " + Long.toUnsignedString(version) + " is out of range");
        }
        int mapCount = r.count("map count", 15);
        PersistentTree<State.MapState> maps = PersistentTree.empty();
        byte[] previousName = null;
        for (int m = 0; m < mapCount; m++) {
            byte[] nameBytes = r.raw(r.u16("map name length"), "map name");
            String name = new String(nameBytes, StandardCharsets.US_ASCII);
            try {
                MapName.raw(name);
            } catch (IllegalArgumentException e) {
                throw r.malformed("invalid map name: " + e.getMessage());
            }
            if (previousName != null && PersistentTree.compare(previousName, nameBytes) >= 0) {
                throw r.malformed("map '" + name + "' is not in ascending order");
            }
            previousName = nameBytes;
            long mapVersion = r.u64("last write version of map '" + name + "'");
            if (mapVersion < 1 || mapVersion > version) {
                throw r.malformed("map '" + name + "' was last written at version " + mapVersion
                        + ", outside 1.." + version);
            }
            int entryCount = r.count("entry count of map '" + name + "'", 16);
            PersistentTree<State.Entry> entries = PersistentTree.empty();
            byte[] previousKey = null;
            for (int i = 0; i < entryCount; i++) {
                byte[] key = r.blob("key");
                if (previousKey != null && PersistentTree.compare(previousKey, key) >= 0) {
                    throw r.malformed("keys of map '" + name + "' are not strictly ascending");
                }
                previousKey = key;
                long writeVersion = r.u64("write version");
                if (writeVersion < 1 || writeVersion > mapVersion) {
                    throw r.malformed("a key of map '" + name + "' was written at version " + writeVersion
                            + ", outside 1.." + mapVersion);
                }
                entries = entries.put(key, new State.Entry(r.blob("value"), writeVersion));
            }
            maps = maps.put(nameBytes, new State.MapState(entries, mapVersion));
        }
        r.expectEnd();
        return new State(version, maps, null);
    }
}
