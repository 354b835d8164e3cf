package org.consort.kv;

/**
 * Configuration of a {@link Store}. Immutable.
 *
 * <p>The history is what {@link Store#readTxAt(long)} and {@link Store#snapshot(long)} can
 * still read. Each version kept holds its write set and the tree nodes it changed, so under heavy
 * writes a count of versions alone lets memory grow with the size of the versions: the history
 * is bounded by both. Versions newer than the global commit point are always kept as well,
 * because {@link Store#rollback(long)} may return to any of them. Versions that left the history
 * are not restored by a rollback, so just after one the history can hold fewer versions.
 *
 * @param historyVersionsMax how many versions older than the latest are kept at most
 * @param historyBytesMax    bytes of keys and values written by the versions kept, at most: the
 *                           oldest versions leave first once it is exceeded (the memory they hold
 *                           is a small multiple of it, for the tree nodes they changed) ...
 * @param historyVersionsMin ... but this many versions older than the latest are always kept
 *                           (when {@code historyVersionsMax} allows), whatever their size
 */
public record StoreConfig(int historyVersionsMax, long historyBytesMax, int historyVersionsMin) {

    /** Recent versions kept: enough for reads of the latest transactions and for rollbacks; older ones are read from the ledger. */
    public static final int HISTORY_VERSIONS_MAX_DEFAULT = 128;
    /** 256 MiB of keys and values written by the versions kept. */
    public static final long HISTORY_BYTES_MAX_DEFAULT = 256L << 20;

    public StoreConfig {
        if (historyVersionsMax < 0) {
            throw new IllegalArgumentException("historyVersionsMax must be >= 0: " + historyVersionsMax);
        }
        if (historyBytesMax < 0) {
            throw new IllegalArgumentException("historyBytesMax must be >= 0: " + historyBytesMax);
        }
        if (historyVersionsMin < 0) {
            throw new IllegalArgumentException("historyVersionsMin must be >= 0: " + historyVersionsMin);
        }
    }

    /** At most {@code historyVersionsMax} versions, all of them kept whatever their size. */
    public StoreConfig(int historyVersionsMax) {
        this(historyVersionsMax, Long.MAX_VALUE, historyVersionsMax);
    }

    /** The versions older than the latest that are always readable: the smaller of the two counts. */
    public int historyVersionsKept() {
        return Math.min(historyVersionsMax, historyVersionsMin);
    }

    public static StoreConfig defaults() {
        return new StoreConfig(HISTORY_VERSIONS_MAX_DEFAULT, HISTORY_BYTES_MAX_DEFAULT, HISTORY_VERSIONS_MAX_DEFAULT);
    }
}
