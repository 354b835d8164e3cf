package org.consort.evm.state;

import org.consort.crypto.Hashes;
import org.consort.evm.Word;

/**
 * An account as the world state stores it: nonce, balance and code (storage is read through
 * {@link WorldState#storage}). Implementations are immutable snapshots.
 *
 * @param nonce    unsigned 64-bit nonce (EIP-2681)
 * @param balance  in wei
 * @param code     the contract code, empty for externally owned accounts (never mutated)
 * @param codeHash keccak256 of the code
 */
public record Account(long nonce, Word balance, byte[] code, byte[] codeHash) {
    public static final byte[] EMPTY_CODE_HASH = Hashes.keccak256(new byte[0]);

    public static Account of(long nonce, Word balance, byte[] code) {
        return new Account(nonce, balance, code, code.length == 0 ? EMPTY_CODE_HASH : Hashes.keccak256(code));
    }

    /** EIP-161 emptiness: no nonce, no balance, no code. */
    public boolean isEmpty() {
        return nonce == 0 && balance.isZero() && code.length == 0;
    }
}
