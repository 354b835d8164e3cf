package org.consort.evm.tx;

/**
 * Why a raw signed transaction was rejected before execution. The constants follow the
 * {@code TransactionException.*} names of the official Ethereum TransactionTests; the RLP shape
 * errors are generic here and combine with a {@link TxField} into the fixture's per-field name
 * (see {@link TransactionRejectedException#fixtureName()}). Immutable and thread-safe.
 */
public enum TxRejection {
    /** The input ends inside an RLP header or is empty. */
    RLP_ERROR_EOF,
    /** An RLP length does not match the bytes present (overrun, trailing bytes). */
    RLP_ERROR_SIZE,
    /** The outer list's long-form length has a leading zero or is not minimal. */
    RLP_ERROR_SIZE_LEADING_ZEROS,
    /** A legacy transaction that is an RLP string instead of a list. */
    RLP_INVALID_HEADER,
    RLP_TOO_FEW_ELEMENTS,
    RLP_TOO_MANY_ELEMENTS,
    /** A field has the wrong RLP shape (a list where a string belongs, or the reverse). */
    RLP_INVALID_FIELD,
    /** An integer field has a leading zero byte. */
    RLP_LEADING_ZEROS,
    /** A field's RLP header is not minimal (long form for a short string, wrapped single byte). */
    RLP_LEADING_ZEROS_SIZE,
    /** The type byte is unknown or the type is not active in the fork. */
    TYPE_NOT_SUPPORTED,
    ADDRESS_TOO_LONG,
    ADDRESS_TOO_SHORT,
    RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG,
    RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT,
    RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG,
    RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT,
    /** Nonce wider than 64 bits. */
    NONCE_OVERFLOW,
    /** Nonce equal to 2^64-1 (EIP-2681). */
    NONCE_TOO_BIG,
    /** Gas limit wider than 64 bits. */
    GASLIMIT_OVERFLOW,
    /** Gas price or max fee per gas (or per blob gas) wider than 256 bits. */
    GASPRICE_OVERFLOW,
    /** Max priority fee per gas wider than 256 bits. */
    PRIORITY_OVERFLOW,
    /** Value wider than 256 bits. */
    VALUE_OVERFLOW,
    /** gasLimit * gasPrice (or maxFeePerGas) does not fit in 256 bits. */
    GASLIMIT_PRICE_PRODUCT_OVERFLOW,
    /** EIP-1559: maxPriorityFeePerGas above maxFeePerGas. */
    PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS,
    INTRINSIC_GAS_TOO_LOW,
    /** EIP-3860: contract-creation data longer than 49152 bytes. */
    INITCODE_SIZE_EXCEEDED,
    /** v, r, s or yParity outside the allowed values, or s above n/2 (EIP-2). */
    INVALID_SIGNATURE_VRS,
    /** The chain id (EIP-155 v or typed chainId) is not this chain's. */
    INVALID_CHAINID,
    /** The signature is well-formed but no public key recovers from it. */
    EC_RECOVERY_FAIL,
    /** EIP-4844: blob transactions must call an address. */
    TYPE_3_TX_CONTRACT_CREATION,
    /** EIP-4844: at least one blob versioned hash. */
    TYPE_3_TX_ZERO_BLOBS,
    /** EIP-4844: more blobs than a block may hold. */
    TYPE_3_TX_BLOB_COUNT_EXCEEDED,
    /** EIP-4844: a versioned hash without the KZG version byte 0x01. */
    TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH
}
