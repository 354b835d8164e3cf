package org.consort.evm.vm;

/**
 * How a frame ended.
 *
 * @param success  normal end (STOP/RETURN/SELFDESTRUCT, or a successful precompile)
 * @param gasLeft  unused gas handed back to the caller (zero after an exceptional halt)
 * @param output   RETURN or REVERT data
 * @param error    null on success; "revert" for REVERT; otherwise the exceptional halt reason
 */
public record ExecResult(boolean success, long gasLeft, byte[] output, String error) {
    static final byte[] EMPTY = new byte[0];

    static ExecResult halt(String reason) {
        return new ExecResult(false, 0, EMPTY, reason);
    }

    public boolean reverted() {
        return "revert".equals(error);
    }
}
