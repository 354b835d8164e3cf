package org.consort.ledger;

import org.consort.common.TxId;

/**
 * What {@link Ledger} returns for an appended entry: its TxId, its Merkle leaf, and its
 * serialized bytes (what a replicator ships to followers, who append them with
 * {@link Ledger#appendSerialized}).
 */
public record AppendResult(TxId txId, byte[] leaf, byte[] serializedEntry) {
}
