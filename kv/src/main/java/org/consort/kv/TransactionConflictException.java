package org.consort.kv;

/**
 * {@link Store#execute} gave up: every attempt of the transaction conflicted with concurrent
 * commits.
 */
public final class TransactionConflictException extends RuntimeException {
    private final int attempts;
    private final CommitResult.Conflict lastConflict;

    TransactionConflictException(int attempts, CommitResult.Conflict lastConflict) {
        super("transaction conflicted " + attempts + " time(s); last conflict in map '"
                + lastConflict.mapName() + "': " + lastConflict.reason());
        this.attempts = attempts;
        this.lastConflict = lastConflict;
    }

    public int attempts() {
        return attempts;
    }

    public CommitResult.Conflict lastConflict() {
        return lastConflict;
    }
}
