package org.consort.evm.fork;

/** The EIPs that distinguish the forks this EVM supports (everything before Berlin is the base). */
public enum Eip {
    /** ModExp repricing (precompile 0x05). */
    EIP_2565,
    /** Warm/cold state access costs. */
    EIP_2929,
    /** Typed transactions and access lists. */
    EIP_2930,
    /** Fee market: base fee, priority fee, type-2 transactions. */
    EIP_1559,
    /** BASEFEE opcode. */
    EIP_3198,
    /** Reduced refunds (SSTORE clear 4800, no SELFDESTRUCT refund, cap gasUsed/5). */
    EIP_3529,
    /** Reject new code starting with 0xEF. */
    EIP_3541,
    /** DIFFICULTY becomes PREVRANDAO (the Merge). */
    EIP_4399,
    /** Warm coinbase. */
    EIP_3651,
    /** PUSH0. */
    EIP_3855,
    /** Initcode size limit and per-word cost. */
    EIP_3860,
    /** Withdrawals (not applicable to transaction execution). */
    EIP_4895,
    /** Transient storage: TLOAD/TSTORE. */
    EIP_1153,
    /** Shard blob transactions, BLOBHASH, point evaluation precompile. */
    EIP_4844,
    /** MCOPY. */
    EIP_5656,
    /** SELFDESTRUCT only in the creating transaction. */
    EIP_6780,
    /** BLOBBASEFEE. */
    EIP_7516
}
