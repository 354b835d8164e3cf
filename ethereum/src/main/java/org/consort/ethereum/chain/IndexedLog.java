package org.consort.ethereum.chain;

import org.consort.evm.vm.Log;

/** A log with the transaction that emitted it; {@code index} is its position among that transaction's logs. */
public record IndexedLog(StoredTransaction transaction, int index) {
    public Log log() {
        return transaction.logs().get(index);
    }

    /** Block-wide log index, as {@code logIndex} in JSON-RPC. */
    public int logIndex() {
        return transaction.firstLogIndex() + index;
    }
}
