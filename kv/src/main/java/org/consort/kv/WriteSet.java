package org.consort.kv;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effect of one committed version, as replicated: for each map it wrote, the keys it put
 * (with their values) and the keys it removed. Immutable and thread-safe.
 *
 * <p>Its binary form has two parts, one per {@link Visibility}, so the ledger can store the
 * public part in plaintext and encrypt the private part. The version and snapshot version are
 * not in the parts (the ledger entry carries them). Layout of one part, all integers unsigned
 * big-endian:
 * <pre>
 *   (an empty array when the write set touches no map of that visibility)
 *   u8   layout = 1
 *   u32  mapCount                      &gt;= 1
 *   mapCount times, ascending by name:
 *     u16  nameLength, then the name  (ASCII, a valid {@link MapName} of this visibility)
 *     u32  writeCount                  &gt;= 1
 *     writeCount times, strictly ascending by key bytes (unsigned lexicographic):
 *       u32 keyLength, then the key
 *       u8  kind                       0 = remove, 1 = put
 *       if put: u32 valueLength, then the value
 * </pre>
 * The form is canonical: {@link #deserialize} rejects anything {@link #serialize} would not
 * produce, so equal write sets have equal bytes.
 */
public final class WriteSet {
    static final int LAYOUT = 1;
    private static final int KIND_REMOVE = 0;
    private static final int KIND_PUT = 1;

    /** The writes to one map. Keys ascending; a null value is a remove. */
    record MapWrites(String name, Visibility visibility, byte[][] keys, byte[][] values) {
    }

    /** One write: a put of {@link #value()} or a remove. Immutable. */
    public static final class KeyWrite {
        private final byte[] key;
        private final byte[] value;

        KeyWrite(byte[] key, byte[] value) {
            this.key = key;
            this.value = value;
        }

        public byte[] key() {
            return key.clone();
        }

        /** The value put, or empty for a remove. */
        public Optional<byte[]> value() {
            return value == null ? Optional.empty() : Optional.of(value.clone());
        }

        public boolean isRemove() {
            return value == null;
        }
    }

    private final long version;
    private final long snapshotVersion;
    private final List<MapWrites> maps;
    private final long bytes;

    /** {@code maps} must be sorted by name with keys sorted and unique, each map non-empty. */
    WriteSet(long version, long snapshotVersion, List<MapWrites> maps) {
        if (version < 1) {
            throw new IllegalArgumentException("a write set's version must be >= 1: " + version);
        }
        if (snapshotVersion < 0 || snapshotVersion >= version) {
            throw new IllegalArgumentException("snapshot version " + snapshotVersion
                    + " must be >= 0 and below the version " + version);
        }
        this.version = version;
        this.snapshotVersion = snapshotVersion;
        this.maps = List.copyOf(maps);
        long b = 0;
        for (MapWrites m : this.maps) {
            for (int i = 0; i < m.keys().length; i++) {
                b += m.keys()[i].length + (m.values()[i] == null ? 0 : m.values()[i].length);
            }
        }
        this.bytes = b;
    }

    /** Bytes of the keys and values it writes (what the store's history is bounded by). */
    public long bytes() {
        return bytes;
    }

    /** The version this write set created. */
    public long version() {
        return version;
    }

    /** The version the transaction read from (equal to version - 1 unless it ran concurrently). */
    public long snapshotVersion() {
        return snapshotVersion;
    }

    /** Whether it writes nothing (such versions exist: the node commits empty transactions). */
    public boolean isEmpty() {
        return maps.isEmpty();
    }

    /** The names of the maps written, ascending. */
    public List<String> mapNames() {
        List<String> names = new ArrayList<>(maps.size());
        for (MapWrites m : maps) {
            names.add(m.name());
        }
        return Collections.unmodifiableList(names);
    }

    /** Whether it writes {@code mapName} (puts or removes). */
    public boolean writesMap(String mapName) {
        return find(mapName) != null;
    }

    /** The writes to {@code mapName} in key order; empty if the map was not written. */
    public List<KeyWrite> writes(String mapName) {
        MapWrites m = find(mapName);
        if (m == null) {
            return List.of();
        }
        List<KeyWrite> out = new ArrayList<>(m.keys().length);
        for (int i = 0; i < m.keys().length; i++) {
            out.add(new KeyWrite(m.keys()[i], m.values()[i]));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The writes to {@code map}, decoded, in encoded-key order: a value for a put, empty for a
     * remove. Empty if the map was not written.
     */
    public <K, V> Map<K, Optional<V>> writes(MapName<K, V> map) {
        MapWrites m = find(map.name());
        if (m == null) {
            return Map.of();
        }
        Map<K, Optional<V>> out = new LinkedHashMap<>();
        for (int i = 0; i < m.keys().length; i++) {
            byte[] v = m.values()[i];
            out.put(map.keys().decode(m.keys()[i]),
                    v == null ? Optional.empty() : Optional.of(map.values().decode(v)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The number of key writes over all maps. */
    public int writeCount() {
        int n = 0;
        for (MapWrites m : maps) {
            n += m.keys().length;
        }
        return n;
    }

    List<MapWrites> maps() {
        return maps;
    }

    private MapWrites find(String name) {
        for (MapWrites m : maps) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        return null;
    }

    /** The part of {@code visibility} in the layout of the class comment. */
    public byte[] serialize(Visibility visibility) {
        List<MapWrites> selected = maps.stream().filter(m -> m.visibility() == visibility).toList();
        if (selected.isEmpty()) {
            return new byte[0];
        }
        ByteWriter w = new ByteWriter(256);
        w.u8(LAYOUT);
        w.u32(selected.size());
        for (MapWrites m : selected) {
            byte[] name = m.name().getBytes(StandardCharsets.US_ASCII);
            w.u16(name.length);
            w.raw(name);
            w.u32(m.keys().length);
            for (int i = 0; i < m.keys().length; i++) {
                w.blob(m.keys()[i]);
                byte[] v = m.values()[i];
                if (v == null) {
                    w.u8(KIND_REMOVE);
                } else {
                    w.u8(KIND_PUT);
                    w.blob(v);
                }
            }
        }
        return w.toByteArray();
    }

    /**
     * Reads a write set from its two parts; throws IllegalArgumentException if either part is
     * malformed, not canonical, or holds a map of the other visibility.
     */
    public static WriteSet deserialize(long version, long snapshotVersion, byte[] publicPart, byte[] privatePart) {
        List<MapWrites> maps = new ArrayList<>();
        maps.addAll(readPart(publicPart, Visibility.PUBLIC));
        maps.addAll(readPart(privatePart, Visibility.PRIVATE));
        maps.sort((a, b) -> a.name().compareTo(b.name()));
        return new WriteSet(version, snapshotVersion, maps);
    }

    private static List<MapWrites> readPart(byte[] part, Visibility visibility) {
        if (part == null) {
            throw new IllegalArgumentException("the " + visibility.name().toLowerCase() + " part is missing (null)");
        }
        if (part.length == 0) {
            return List.of();
        }
        ByteReader r = new ByteReader(part, visibility.name().toLowerCase() + " write set part");
        int layout = r.u8("layout");
        if (layout != LAYOUT) {
            throw r.malformed("unknown layout " + layout + " (expected " + LAYOUT + ")");
        }
        int mapCount = r.count("map count", 7);
        if (mapCount == 0) {
            throw r.malformed("map count is 0 (an empty part must be an empty array)");
        }
        List<MapWrites> maps = new ArrayList<>(mapCount);
        String previous = null;
        for (int m = 0; m < mapCount; m++) {
            String name = new String(r.raw(r.u16("map name length"), "map name"),
                    StandardCharsets.US_ASCII);
            MapName<byte[], byte[]> mapName;
            try {
                mapName = MapName.raw(name);
            } catch (IllegalArgumentException e) {
                throw r.malformed("invalid map name: " + e.getMessage());
            }
            if (mapName.visibility() != visibility) {
                throw r.malformed("map '" + name + "' is " + mapName.visibility() + " but found in the "
                        + visibility + " part");
            }
            if (previous != null && previous.compareTo(name) >= 0) {
                throw r.malformed("map '" + name + "' is not in ascending order after '" + previous + "'");
            }
            previous = name;
            int writeCount = r.count("write count of map '" + name + "'", 5);
            if (writeCount == 0) {
                throw r.malformed("map '" + name + "' has no writes");
            }
            byte[][] keys = new byte[writeCount][];
            byte[][] values = new byte[writeCount][];
            for (int i = 0; i < writeCount; i++) {
                keys[i] = r.blob("key");
                if (i > 0 && PersistentTree.compare(keys[i - 1], keys[i]) >= 0) {
                    throw r.malformed("keys of map '" + name + "' are not strictly ascending");
                }
                int kind = r.u8("write kind");
                if (kind == KIND_PUT) {
                    values[i] = r.blob("value");
                } else if (kind != KIND_REMOVE) {
                    throw r.malformed("unknown write kind " + kind);
                }
            }
            maps.add(new MapWrites(name, visibility, keys, values));
        }
        r.expectEnd();
        return maps;
    }

    /** Equal when version, snapshot version and every write are equal. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WriteSet other) || other.version != version
                || other.snapshotVersion != snapshotVersion || other.maps.size() != maps.size()) {
            return false;
        }
        for (int i = 0; i < maps.size(); i++) {
            MapWrites a = maps.get(i);
            MapWrites b = other.maps.get(i);
            if (!a.name().equals(b.name()) || !Arrays.deepEquals(a.keys(), b.keys())
                    || !Arrays.deepEquals(a.values(), b.values())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(version) * 31 + Long.hashCode(snapshotVersion);
        for (MapWrites m : maps) {
            h = h * 31 + m.name().hashCode();
            h = h * 31 + Arrays.deepHashCode(m.keys());
            h = h * 31 + Arrays.deepHashCode(m.values());
        }
        return h;
    }

    @Override
    public String toString() {
        return "WriteSet{version=" + version + ", snapshot=" + snapshotVersion + ", maps=" + mapNames()
                + ", writes=" + writeCount() + "}";
    }
}
