package org.consort.node.tx;

/** The status of a transaction id, as {@code GET /node/tx} reports it. */
public enum TxStatus {
    /** This node has not seen the transaction (yet). */
    Unknown,
    /** Executed and in the log, not committed yet. */
    Pending,
    /** Committed: it will never be lost. */
    Committed,
    /** It can never commit: another transaction holds its seqno, or its view was lost. */
    Invalid
}
