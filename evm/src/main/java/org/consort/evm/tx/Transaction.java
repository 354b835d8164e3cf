package org.consort.evm.tx;

import java.util.List;
import java.util.Optional;
import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * A transaction whose sender is already known (signature recovery happens before the EVM).
 * Numeric fields are 256-bit because invalid transactions may carry any value; the processor
 * rejects what does not fit. Immutable.
 *
 * @param type                 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844
 * @param gasPrice             legacy and type-1 gas price (ignored for types 2 and 3)
 * @param maxPriorityFeePerGas type 2/3
 * @param maxFeePerGas         type 2/3
 * @param to                   empty for contract creation
 * @param maxFeePerBlobGas     type 3
 * @param blobVersionedHashes  type 3
 */
public record Transaction(int type, Address sender, Word nonce, Word gasPrice, Word maxPriorityFeePerGas,
        Word maxFeePerGas, Word gasLimit, Optional<Address> to, Word value, byte[] data,
        List<AccessListEntry> accessList, Word maxFeePerBlobGas, List<Word> blobVersionedHashes) {

    public Transaction {
        if (type < 0 || type > 3) {
            throw new IllegalArgumentException("unknown transaction type " + type);
        }
        accessList = List.copyOf(accessList);
        blobVersionedHashes = List.copyOf(blobVersionedHashes);
    }

    public boolean isCreate() {
        return to.isEmpty();
    }
}
