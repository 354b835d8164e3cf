package org.consort.evm.vm;

import org.consort.evm.fork.Eip;
import org.consort.evm.fork.Fork;

/**
 * The opcode table as data: name, stack inputs and outputs, static gas, and the EIP that
 * introduced each opcode after the base (Istanbul) set. {@link #table(Fork)} gives the table
 * of a fork. Immutable and thread-safe.
 */
public final class Opcodes {
    public static final String[] NAME = new String[256];
    public static final int[] IN = new int[256];
    public static final int[] OUT = new int[256];
    public static final long[] GAS = new long[256];
    private static final Eip[] SINCE = new Eip[256];
    private static final boolean[] DEFINED = new boolean[256];

    private static final boolean[][] TABLES = new boolean[Fork.values().length][];

    private Opcodes() {
    }

    private static void op(int code, String name, int in, int out, long gas) {
        op(code, name, in, out, gas, null);
    }

    private static void op(int code, String name, int in, int out, long gas, Eip since) {
        NAME[code] = name;
        IN[code] = in;
        OUT[code] = out;
        GAS[code] = gas;
        SINCE[code] = since;
        DEFINED[code] = true;
    }

    static {
        op(0x00, "STOP", 0, 0, 0);
        op(0x01, "ADD", 2, 1, 3);
        op(0x02, "MUL", 2, 1, 5);
        op(0x03, "SUB", 2, 1, 3);
        op(0x04, "DIV", 2, 1, 5);
        op(0x05, "SDIV", 2, 1, 5);
        op(0x06, "MOD", 2, 1, 5);
        op(0x07, "SMOD", 2, 1, 5);
        op(0x08, "ADDMOD", 3, 1, 8);
        op(0x09, "MULMOD", 3, 1, 8);
        op(0x0a, "EXP", 2, 1, 10);
        op(0x0b, "SIGNEXTEND", 2, 1, 5);
        op(0x10, "LT", 2, 1, 3);
        op(0x11, "GT", 2, 1, 3);
        op(0x12, "SLT", 2, 1, 3);
        op(0x13, "SGT", 2, 1, 3);
        op(0x14, "EQ", 2, 1, 3);
        op(0x15, "ISZERO", 1, 1, 3);
        op(0x16, "AND", 2, 1, 3);
        op(0x17, "OR", 2, 1, 3);
        op(0x18, "XOR", 2, 1, 3);
        op(0x19, "NOT", 1, 1, 3);
        op(0x1a, "BYTE", 2, 1, 3);
        op(0x1b, "SHL", 2, 1, 3);
        op(0x1c, "SHR", 2, 1, 3);
        op(0x1d, "SAR", 2, 1, 3);
        op(0x20, "KECCAK256", 2, 1, 30);
        op(0x30, "ADDRESS", 0, 1, 2);
        op(0x31, "BALANCE", 1, 1, 0);
        op(0x32, "ORIGIN", 0, 1, 2);
        op(0x33, "CALLER", 0, 1, 2);
        op(0x34, "CALLVALUE", 0, 1, 2);
        op(0x35, "CALLDATALOAD", 1, 1, 3);
        op(0x36, "CALLDATASIZE", 0, 1, 2);
        op(0x37, "CALLDATACOPY", 3, 0, 3);
        op(0x38, "CODESIZE", 0, 1, 2);
        op(0x39, "CODECOPY", 3, 0, 3);
        op(0x3a, "GASPRICE", 0, 1, 2);
        op(0x3b, "EXTCODESIZE", 1, 1, 0);
        op(0x3c, "EXTCODECOPY", 4, 0, 0);
        op(0x3d, "RETURNDATASIZE", 0, 1, 2);
        op(0x3e, "RETURNDATACOPY", 3, 0, 3);
        op(0x3f, "EXTCODEHASH", 1, 1, 0);
        op(0x40, "BLOCKHASH", 1, 1, 20);
        op(0x41, "COINBASE", 0, 1, 2);
        op(0x42, "TIMESTAMP", 0, 1, 2);
        op(0x43, "NUMBER", 0, 1, 2);
        op(0x44, "PREVRANDAO", 0, 1, 2);
        op(0x45, "GASLIMIT", 0, 1, 2);
        op(0x46, "CHAINID", 0, 1, 2);
        op(0x47, "SELFBALANCE", 0, 1, 5);
        op(0x48, "BASEFEE", 0, 1, 2, Eip.EIP_3198);
        op(0x49, "BLOBHASH", 1, 1, 3, Eip.EIP_4844);
        op(0x4a, "BLOBBASEFEE", 0, 1, 2, Eip.EIP_7516);
        op(0x50, "POP", 1, 0, 2);
        op(0x51, "MLOAD", 1, 1, 3);
        op(0x52, "MSTORE", 2, 0, 3);
        op(0x53, "MSTORE8", 2, 0, 3);
        op(0x54, "SLOAD", 1, 1, 0);
        op(0x55, "SSTORE", 2, 0, 0);
        op(0x56, "JUMP", 1, 0, 8);
        op(0x57, "JUMPI", 2, 0, 10);
        op(0x58, "PC", 0, 1, 2);
        op(0x59, "MSIZE", 0, 1, 2);
        op(0x5a, "GAS", 0, 1, 2);
        op(0x5b, "JUMPDEST", 0, 0, 1);
        op(0x5c, "TLOAD", 1, 1, 100, Eip.EIP_1153);
        op(0x5d, "TSTORE", 2, 0, 100, Eip.EIP_1153);
        op(0x5e, "MCOPY", 3, 0, 3, Eip.EIP_5656);
        op(0x5f, "PUSH0", 0, 1, 2, Eip.EIP_3855);
        for (int i = 1; i <= 32; i++) {
            op(0x5f + i, "PUSH" + i, 0, 1, 3);
        }
        for (int i = 1; i <= 16; i++) {
            op(0x7f + i, "DUP" + i, i, i + 1, 3);
            op(0x8f + i, "SWAP" + i, i + 1, i + 1, 3);
        }
        for (int i = 0; i <= 4; i++) {
            op(0xa0 + i, "LOG" + i, 2 + i, 0, 375L * (i + 1));
        }
        op(0xf0, "CREATE", 3, 1, 32000);
        op(0xf1, "CALL", 7, 1, 0);
        op(0xf2, "CALLCODE", 7, 1, 0);
        op(0xf3, "RETURN", 2, 0, 0);
        op(0xf4, "DELEGATECALL", 6, 1, 0);
        op(0xf5, "CREATE2", 4, 1, 32000);
        op(0xfa, "STATICCALL", 6, 1, 0);
        op(0xfd, "REVERT", 2, 0, 0);
        op(0xff, "SELFDESTRUCT", 1, 0, 5000);
        for (Fork f : Fork.values()) {
            boolean[] t = new boolean[256];
            for (int i = 0; i < 256; i++) {
                t[i] = DEFINED[i] && (SINCE[i] == null || f.has(SINCE[i]));
            }
            TABLES[f.ordinal()] = t;
        }
    }

    /** Which opcodes are valid in a fork (0xFE INVALID and undefined bytes are not). */
    public static boolean[] table(Fork fork) {
        return TABLES[fork.ordinal()].clone();
    }

    static boolean[] sharedTable(Fork fork) {
        return TABLES[fork.ordinal()];
    }

    public static String name(int op) {
        String n = NAME[op & 0xFF];
        return n != null ? n : String.format("0x%02x", op & 0xFF);
    }
}
