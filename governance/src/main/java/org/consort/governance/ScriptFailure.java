package org.consort.governance;

/**
 * A constitution or ballot script did not finish: it threw, returned something of the wrong
 * shape, or was stopped by a cap ({@link #limitExceeded()}). The engine stays usable. Immutable.
 */
public final class ScriptFailure extends RuntimeException {
    private final boolean limitExceeded;

    public ScriptFailure(String message, boolean limitExceeded) {
        super(message);
        this.limitExceeded = limitExceeded;
    }

    public boolean limitExceeded() {
        return limitExceeded;
    }
}
