package org.consort.evm.tx;

import java.util.List;
import java.util.Optional;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.vm.Log;

/**
 * The receipt-level outcome of an included transaction. Immutable.
 *
 * @param success         status 1 (0 when the top frame reverted or halted)
 * @param gasUsed         gas charged after refunds
 * @param logs            logs of a successful transaction (empty otherwise)
 * @param output          return or revert data of the top frame
 * @param contractAddress the created contract for successful creations
 * @param error           why the top frame failed, or null
 */
public record TransactionResult(boolean success, long gasUsed, List<Log> logs, byte[] output,
        Optional<Address> contractAddress, String error) {

    public TransactionResult {
        logs = List.copyOf(logs);
    }

    public byte[] bloom() {
        return Bloom.of(logs);
    }

    /** keccak256(rlp(logs)), as the state tests check. */
    public byte[] logsHash() {
        return Hashes.keccak256(Log.rlp(logs));
    }
}
