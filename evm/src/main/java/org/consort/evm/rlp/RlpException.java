package org.consort.evm.rlp;

/** Input that is not valid, canonical RLP. */
public final class RlpException extends RuntimeException {
    public RlpException(String message) {
        super(message);
    }
}
