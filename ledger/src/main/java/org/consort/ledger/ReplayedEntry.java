package org.consort.ledger;

import org.consort.common.TxId;

/**
 * An entry as {@link Ledger#open} hands it back while replaying: the node rebuilds its KV
 * from these. {@code privatePart} is the decrypted plaintext (empty when there is none, or when
 * {@code privateWithheld}: the ledger was opened without the secret of this entry, as a
 * recovering node does before its members give the secrets back).
 */
public record ReplayedEntry(TxId txId, EntryKind kind, byte[] publicPart, byte[] privatePart, byte[] claimsDigest,
                            boolean privateWithheld) {
    public ReplayedEntry(TxId txId, EntryKind kind, byte[] publicPart, byte[] privatePart, byte[] claimsDigest) {
        this(txId, kind, publicPart, privatePart, claimsDigest, false);
    }
}
