package org.consort.kv;

import java.nio.charset.StandardCharsets;

/**
 * The whole store at one version: immutable, and sharing structure with neighbouring versions.
 *
 * @param version the version
 * @param maps map name (ASCII bytes) to the map's state
 * @param producedBy the write set that created this version; null for version 0 and for a
 *     version loaded from a snapshot
 */
record State(long version, PersistentTree<State.MapState> maps, WriteSet producedBy) {

    /** One value and the version that wrote it. */
    record Entry(byte[] value, long version) {
    }

    /**
     * One map. {@code lastWriteVersion} is the latest version that wrote any key of it (a
     * remove included), used to detect conflicts with iterations.
     */
    record MapState(PersistentTree<Entry> entries, long lastWriteVersion) {
        static final MapState EMPTY = new MapState(PersistentTree.empty(), 0);
    }

    static State empty() {
        return new State(0, PersistentTree.empty(), null);
    }

    static byte[] nameKey(String name) {
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    MapState map(String name) {
        MapState m = maps.get(nameKey(name));
        return m == null ? MapState.EMPTY : m;
    }

    /** The state after {@code ws}, which must be the next version. */
    State apply(WriteSet ws) {
        PersistentTree<MapState> newMaps = maps;
        long v = ws.version();
        for (WriteSet.MapWrites mw : ws.maps()) {
            byte[] nameKey = nameKey(mw.name());
            MapState old = newMaps.get(nameKey);
            PersistentTree<Entry> entries = old == null ? PersistentTree.empty() : old.entries();
            for (int i = 0; i < mw.keys().length; i++) {
                byte[] value = mw.values()[i];
                entries = value == null ? entries.remove(mw.keys()[i])
                        : entries.put(mw.keys()[i], new Entry(value, v));
            }
            newMaps = newMaps.put(nameKey, new MapState(entries, v));
        }
        return new State(v, newMaps, ws);
    }
}
