package org.consort.evm.tx;

import java.util.Objects;
import java.util.Optional;

/**
 * A raw signed transaction could not be decoded or is not valid under the fork's rules, so it
 * must not be included in a block. Carries a machine-readable {@link #reason()} and, for RLP shape
 * errors, the {@link #field()} concerned. Immutable.
 */
public final class TransactionRejectedException extends Exception {
    private final TxRejection reason;
    private final TxField field;

    public TransactionRejectedException(TxRejection reason, String message) {
        this(reason, null, message);
    }

    public TransactionRejectedException(TxRejection reason, TxField field, String message) {
        super(reason + (field == null ? "" : " (" + field + ")") + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.field = field;
    }

    public TxRejection reason() {
        return reason;
    }

    public Optional<TxField> field() {
        return Optional.ofNullable(field);
    }

    /**
     * The reason spelled as the official TransactionTests spell it, without the
     * {@code TransactionException.} prefix: per-field RLP errors become e.g.
     * {@code RLP_LEADING_ZEROS_NONCE}, {@code RLP_INVALID_TO}, {@code RLP_INVALID_SIGNATURE_R}.
     */
    public String fixtureName() {
        if (field == null) {
            return reason.name();
        }
        String f = field.testName();
        return switch (reason) {
            case RLP_INVALID_FIELD -> switch (field) {
                case V, R, S -> "RLP_INVALID_SIGNATURE_" + f;
                default -> "RLP_INVALID_" + f;
            };
            case RLP_LEADING_ZEROS -> "RLP_LEADING_ZEROS_" + f;
            case RLP_LEADING_ZEROS_SIZE -> "RLP_LEADING_ZEROS_" + f + "_SIZE";
            default -> reason.name();
        };
    }
}
