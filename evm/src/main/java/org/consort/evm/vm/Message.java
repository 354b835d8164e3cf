package org.consort.evm.vm;

import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * One message call or contract creation (a call frame's inputs).
 *
 * @param caller        CALLER
 * @param target        the account whose storage and balance the code acts on (ADDRESS)
 * @param codeAddress   where the code came from (differs for DELEGATECALL/CALLCODE); precompiles are found by it
 * @param value         CALLVALUE
 * @param data          CALLDATA (empty for creations)
 * @param code          the code to run (the init code for creations)
 * @param gas           gas available to the frame
 * @param depth         call depth, 0 for the transaction's own message
 * @param isStatic      inside a STATICCALL
 * @param transferValue whether entering the frame moves {@code value} from caller to target
 */
public record Message(Address caller, Address target, Address codeAddress, Word value, byte[] data, byte[] code,
        long gas, int depth, boolean isStatic, boolean transferValue) {
}
