package org.consort.node.endpoints;

/** What an endpoint may do to the store; declared with the endpoint, enforced by the handler's type. */
public enum Mode {
    /** Reads one consistent snapshot of the store; never writes; served by any node. */
    READ_ONLY,
    /** Runs a write transaction; its response carries the transaction id. */
    READ_WRITE,
    /** Does not touch the store (metrics, receipts from the ledger, API documents). */
    NO_STORE
}
