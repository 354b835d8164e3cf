package org.consort.ledger;

import org.consort.common.TxId;

/**
 * An entry as {@link Ledger#open} hands it back while replaying: the node rebuilds its KV
 * from these. {@code privatePart} is the decrypted plaintext (empty when there is none).
 */
public record ReplayedEntry(TxId txId, EntryKind kind, byte[] publicPart, byte[] privatePart, byte[] claimsDigest) {
}
