package org.consort.ethereum.chain;

import org.consort.evm.tx.SignedTransaction;

/** A decoded transaction offered to a block: its raw bytes and what decoding found. Immutable. */
public record Candidate(byte[] raw, SignedTransaction signed) {
    public byte[] hash() {
        return signed.hash().toBytes();
    }
}
