package org.consort.kv;

/**
 * Configuration of a {@link Store}. Immutable.
 *
 * @param historyVersionsMax how many versions older than the latest stay readable through
 *     {@link Store#readTxAt(long)} and {@link Store#snapshot(long)}. Versions newer than the
 *     global commit point are always kept as well, because {@link Store#rollback(long)} may
 *     return to any of them. Versions that left the window are not restored by a rollback, so
 *     just after one the window can hold fewer versions.
 */
public record StoreConfig(int historyVersionsMax) {

    /** A window large enough for historical reads of recent transactions. */
    public static final int HISTORY_VERSIONS_MAX_DEFAULT = 1_000;

    public StoreConfig {
        if (historyVersionsMax < 0) {
            throw new IllegalArgumentException("historyVersionsMax must be >= 0: " + historyVersionsMax);
        }
    }

    public static StoreConfig defaults() {
        return new StoreConfig(HISTORY_VERSIONS_MAX_DEFAULT);
    }
}
