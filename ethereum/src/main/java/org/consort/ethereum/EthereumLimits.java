package org.consort.ethereum;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Every bound of the Ethereum application, in one place: each has a name with its unit, a
 * default, and a clear JSON-RPC error when exceeded. Immutable; the constructor refuses values
 * that contradict each other.
 *
 * @param queueTransactionsMax   raw transactions waiting for the sequencer (decoded, not executed),
 *                               including those parked for a missing earlier nonce; above it
 *                               {@code eth_sendRawTransaction} answers "transaction pool is full"
 * @param blockTransactionsMax   transactions the sequencer executes in one block (one Consort transaction)
 * @param parkedNonceWaitMs      how long a transaction whose nonce is ahead of its sender's waits for the
 *                               missing ones before it is refused with "nonce too high"
 * @param submitWaitMs           how long {@code eth_sendRawTransaction} waits for its block before it answers
 *                               with the hash anyway (the transaction stays queued)
 * @param rawTransactionBytesMax largest raw signed transaction (geth's 128 KiB); "oversized data" above
 * @param requestBodyBytesMax    largest JSON-RPC request body
 * @param batchRequestsMax       calls in one JSON-RPC batch
 * @param callGasMax             gas an {@code eth_call} or {@code eth_estimateGas} may use at most
 * @param canReadGasMax          gas one {@code canRead(address)} access check may use
 * @param logsBlockRangeMax      blocks one {@code eth_getLogs} (or filter poll) may span
 * @param logsResultsMax         logs one {@code eth_getLogs} (or filter poll) may return
 * @param filtersMax             installed filters on this node, all users together
 * @param filtersPerUserMax      installed filters of one user
 * @param filterIdleMs           a filter not polled for this long is removed
 * @param filterAddressesMax     addresses in one log filter; also OR-values per topic position
 * @param feeHistoryBlocksMax    blocks one {@code eth_feeHistory} may cover
 * @param blockHashesOnPollMax   block hashes one poll of a block filter returns
 * @param sessionsMax            open WebSocket sessions on this node, all users together
 * @param subscriptionsPerSessionMax {@code eth_subscribe} subscriptions of one session
 * @param sessionBacklogMessagesMax notifications sent to a session and not yet written to its socket;
 *                               a session further behind is closed (1008) rather than buffered without end
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record EthereumLimits(int queueTransactionsMax, int blockTransactionsMax, long parkedNonceWaitMs,
        long submitWaitMs, int rawTransactionBytesMax, int requestBodyBytesMax, int batchRequestsMax, long callGasMax,
        long canReadGasMax, long logsBlockRangeMax, int logsResultsMax, int filtersMax, int filtersPerUserMax,
        long filterIdleMs, int filterAddressesMax, int feeHistoryBlocksMax, int blockHashesOnPollMax, int sessionsMax,
        int subscriptionsPerSessionMax, int sessionBacklogMessagesMax) {

    public static EthereumLimits defaults() {
        return new EthereumLimits(10_000, 1_000, 1_000, 10_000, 128 << 10, 1 << 20, 100, 50_000_000L, 1_000_000L,
                10_000, 10_000, 1_000, 100, 300_000, 100, 1_024, 1_000, 1_000, 100, 10_000);
    }

    public EthereumLimits {
        require(queueTransactionsMax >= 1, "queueTransactionsMax must be positive");
        require(blockTransactionsMax >= 1 && blockTransactionsMax <= queueTransactionsMax,
                "blockTransactionsMax must be positive and at most queueTransactionsMax");
        require(parkedNonceWaitMs >= 0, "parkedNonceWaitMs must not be negative");
        require(submitWaitMs >= 1, "submitWaitMs must be positive");
        require(rawTransactionBytesMax >= 1024, "rawTransactionBytesMax must be at least 1024");
        require(requestBodyBytesMax > 2 * rawTransactionBytesMax,
                "requestBodyBytesMax must hold a hex-encoded raw transaction of rawTransactionBytesMax");
        require(batchRequestsMax >= 1, "batchRequestsMax must be positive");
        require(callGasMax >= 21_000, "callGasMax must be at least 21000");
        require(canReadGasMax >= 21_000 && canReadGasMax <= callGasMax, "canReadGasMax must be 21000..callGasMax");
        require(logsBlockRangeMax >= 1, "logsBlockRangeMax must be positive");
        require(logsResultsMax >= 1, "logsResultsMax must be positive");
        require(filtersMax >= 1 && filtersPerUserMax >= 1 && filtersPerUserMax <= filtersMax,
                "filtersMax and filtersPerUserMax must be positive, per user at most the total");
        require(filterIdleMs >= 1000, "filterIdleMs must be at least 1000");
        require(filterAddressesMax >= 1, "filterAddressesMax must be positive");
        require(feeHistoryBlocksMax >= 1, "feeHistoryBlocksMax must be positive");
        require(blockHashesOnPollMax >= 1, "blockHashesOnPollMax must be positive");
        require(sessionsMax >= 1, "sessionsMax must be positive");
        require(subscriptionsPerSessionMax >= 1, "subscriptionsPerSessionMax must be positive");
        require(sessionBacklogMessagesMax >= 16, "sessionBacklogMessagesMax must be at least 16");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid ethereum limits: " + message);
        }
    }
}
