package org.consort.evm.state;

import java.util.Optional;
import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * Read access to the committed Ethereum world state that a transaction starts from.
 *
 * <p>The EVM reads through this interface and writes the effects of a successful transaction
 * to a {@link WorldUpdater}; the Ethereum application implements both on the Consort KV store.
 * Implementations need not be thread-safe: one transaction runs on one thread at a time.
 */
public interface WorldState {

    Optional<Account> account(Address address);

    /** Storage slot value, zero when unset or when the account does not exist. */
    Word storage(Address address, Word key);

    /** True when the account has at least one non-zero storage slot (EIP-7610 collisions). */
    boolean hasStorage(Address address);
}
