package org.consort.ethereum.rpc;

import java.math.BigInteger;
import org.consort.evm.Address;
import org.consort.evm.Word;

/** JSON-RPC's hex encodings: QUANTITY ({@code 0x}-prefixed, no leading zeros) and DATA (even-length bytes). */
public final class Hex {
    private Hex() {
    }

    public static String quantity(long v) {
        return "0x" + Long.toHexString(v);
    }

    public static String quantity(BigInteger v) {
        return "0x" + v.toString(16);
    }

    public static String quantity(Word w) {
        return quantity(w.toBigInteger());
    }

    public static String data(byte[] b) {
        return "0x" + org.consort.common.Hex.encode(b);
    }

    public static String address(Address a) {
        return a.toString();
    }

    /** Parses a QUANTITY (leading zeros are tolerated) of at most 256 bits, or -32602. */
    public static BigInteger parseQuantity(String s, String what) {
        if (s == null || !(s.startsWith("0x") || s.startsWith("0X")) || s.length() < 3 || s.length() > 66) {
            throw RpcError.invalidParams(what + ": expected a 0x-prefixed hex number, got " + abbreviate(s));
        }
        for (int i = 2; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                throw RpcError.invalidParams(what + ": invalid hex digit in " + abbreviate(s));
            }
        }
        return new BigInteger(s.substring(2), 16);
    }

    public static long parseLong(String s, String what) {
        BigInteger v = parseQuantity(s, what);
        if (v.bitLength() > 63) {
            throw RpcError.invalidParams(what + ": " + abbreviate(s) + " does not fit in 63 bits");
        }
        return v.longValue();
    }

    /** Parses DATA: 0x-prefixed, even number of hex digits, at most {@code bytesMax} bytes. */
    public static byte[] parseData(String s, String what, int bytesMax) {
        if (s == null || !(s.startsWith("0x") || s.startsWith("0X"))) {
            throw RpcError.invalidParams(what + ": expected 0x-prefixed hex data, got " + abbreviate(s));
        }
        if ((s.length() - 2) / 2 > bytesMax) {
            throw new RpcError(RpcError.INVALID_PARAMS, "oversized data: " + what + " is " + (s.length() - 2) / 2
                    + " bytes, more than the limit of " + bytesMax);
        }
        if ((s.length() & 1) != 0) {
            throw RpcError.invalidParams(what + ": hex data must have an even number of digits");
        }
        try {
            return org.consort.common.Hex.decode(s);
        } catch (IllegalArgumentException e) {
            throw RpcError.invalidParams(what + ": invalid hex data");
        }
    }

    public static Address parseAddress(String s, String what) {
        if (s == null || !s.matches("0[xX][0-9a-fA-F]{40}")) {
            throw RpcError.invalidParams(what + ": expected a 20-byte 0x-prefixed address, got " + abbreviate(s));
        }
        return Address.fromHex(s);
    }

    public static Word parseWord32(String s, String what) {
        if (s == null || !s.matches("0[xX][0-9a-fA-F]{64}")) {
            throw RpcError.invalidParams(what + ": expected 32 bytes of 0x-prefixed hex, got " + abbreviate(s));
        }
        return Word.fromBytes(org.consort.common.Hex.decode(s));
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 80 ? "'" + s + "'" : "'" + s.substring(0, 80) + "...'";
    }
}
