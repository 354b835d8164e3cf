package org.consort.kv;

/**
 * Thrown when a version is asked for that the store does not hold: newer than its latest
 * version, or older than the window of old versions it keeps (see {@link StoreConfig}).
 */
public final class VersionUnavailable extends RuntimeException {
    private final long requested;
    private final long oldestAvailable;
    private final long latest;

    public VersionUnavailable(long requested, long oldestAvailable, long latest) {
        super("version " + requested + " is not available: the store holds versions "
                + oldestAvailable + " to " + latest);
        this.requested = requested;
        this.oldestAvailable = oldestAvailable;
        this.latest = latest;
    }

    public long requested() {
        return requested;
    }

    public long oldestAvailable() {
        return oldestAvailable;
    }

    public long latest() {
        return latest;
    }
}
