package org.consort.evm.state;

import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * Where the transaction processor writes a transaction's effects, in this order for each
 * account: {@link #deleteAccount} (when the account was destroyed or its storage must be
 * wiped), then {@link #putAccount}, then {@link #putStorage} for each changed slot.
 * Not thread-safe.
 */
public interface WorldUpdater {

    void putAccount(Address address, Account account);

    /** Sets one slot; a zero value deletes it. */
    void putStorage(Address address, Word key, Word value);

    /** Removes the account and all its storage. */
    void deleteAccount(Address address);
}
