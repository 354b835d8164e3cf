package org.consort.evm.tx;

import java.util.List;
import org.consort.evm.Address;
import org.consort.evm.Word;

/** One EIP-2930 access-list entry: an address and the storage keys to pre-warm. Immutable. */
public record AccessListEntry(Address address, List<Word> storageKeys) {
    public AccessListEntry {
        storageKeys = List.copyOf(storageKeys);
    }
}
