package org.consort.evm.tx;

/**
 * A field of a signed transaction, named as the Ethereum TransactionTests name it in their
 * per-field RLP errors (e.g. {@code RLP_LEADING_ZEROS_GASLIMIT}). Immutable and thread-safe.
 */
public enum TxField {
    CHAINID("CHAINID"),
    NONCE("NONCE"),
    GAS_PRICE("GASPRICE"),
    MAX_PRIORITY_FEE("PRIORITY_FEE"),
    MAX_FEE("BASEFEE"),
    GAS_LIMIT("GASLIMIT"),
    TO("TO"),
    VALUE("VALUE"),
    DATA("DATA"),
    ACCESS_LIST("ACCESS_LIST"),
    MAX_FEE_PER_BLOB_GAS("BLOB_FEE"),
    BLOB_HASHES("BLOB_HASHES"),
    V("V"),
    R("R"),
    S("S");

    private final String testName;

    TxField(String testName) {
        this.testName = testName;
    }

    /** The field's spelling inside the fixtures' exception names. */
    public String testName() {
        return testName;
    }
}
