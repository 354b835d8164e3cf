package org.consort.evm.vm;

import java.util.function.LongFunction;
import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * The block a transaction executes in, as the EVM sees it.
 *
 * @param coinbase      fee recipient
 * @param gasLimit      block gas limit
 * @param number        block number
 * @param timestamp     seconds since the epoch
 * @param difficulty    pre-Merge DIFFICULTY value
 * @param prevRandao    post-Merge PREVRANDAO value
 * @param baseFee       EIP-1559 base fee (zero before London)
 * @param excessBlobGas EIP-4844 excess blob gas (zero before Cancun)
 * @param chainId       CHAINID value
 * @param blockHashes   hash of an ancestor block by number (only asked for the 256 before this one)
 */
public record BlockEnv(Address coinbase, long gasLimit, long number, long timestamp, Word difficulty,
        Word prevRandao, Word baseFee, long excessBlobGas, Word chainId, LongFunction<Word> blockHashes) {
}
