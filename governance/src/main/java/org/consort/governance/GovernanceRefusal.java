package org.consort.governance;

import java.util.Objects;

/**
 * A governance request was refused; nothing of it was written. {@link #code()} says why in a
 * stable form, the message in words. Immutable.
 */
public final class GovernanceRefusal extends RuntimeException {
    private final RefusalCode code;

    public GovernanceRefusal(RefusalCode code, String message) {
        super(code + ": " + message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public RefusalCode code() {
        return code;
    }
}
