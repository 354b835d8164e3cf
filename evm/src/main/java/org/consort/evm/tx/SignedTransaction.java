package org.consort.evm.tx;

import java.util.Objects;
import java.util.OptionalLong;
import org.consort.evm.Word;

/**
 * A raw signed transaction after decoding and validation by {@link RawTransactions}: the
 * transaction with its recovered sender, its hash and its signature. Immutable.
 *
 * @param transaction  the decoded transaction; {@link Transaction#sender()} is the recovered signer
 * @param hash         keccak256 of the raw bytes (the transaction hash clients report)
 * @param chainId      the chain id the signature commits to; empty for a pre-EIP-155 legacy signature
 * @param v            legacy v as signed (27, 28 or chainId*2+35/36), or the typed yParity (0 or 1)
 * @param r            signature r
 * @param s            signature s (at most n/2)
 * @param intrinsicGas gas charged before execution under the fork used for decoding
 */
public record SignedTransaction(Transaction transaction, Word hash, OptionalLong chainId, Word v, Word r, Word s,
        long intrinsicGas) {
    public SignedTransaction {
        Objects.requireNonNull(transaction, "transaction");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(chainId, "chainId");
        Objects.requireNonNull(v, "v");
        Objects.requireNonNull(r, "r");
        Objects.requireNonNull(s, "s");
    }

    /** The recovery id (0 or 1) of the signature. */
    public int recoveryId() {
        if (transaction.type() != 0) {
            return (int) v.l0();
        }
        long low = v.l0();
        return low == 27 || low == 28 ? (int) (low - 27) : (int) ((low - 35) & 1);
    }
}
