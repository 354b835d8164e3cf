package org.consort.evm.tx;

/** The transaction cannot be included: nothing was executed and the state is unchanged. */
public final class InvalidTransactionException extends Exception {
    public InvalidTransactionException(String message) {
        super(message);
    }
}
