package org.consort.common;

import java.util.HexFormat;

/** Lower-case hexadecimal without prefix, and the Ethereum-style {@code 0x} form. */
public final class Hex {
    private static final HexFormat FORMAT = HexFormat.of();

    private Hex() {
    }

    public static String encode(byte[] bytes) {
        return FORMAT.formatHex(bytes);
    }

    /** Decodes hex with or without a {@code 0x} prefix; throws IllegalArgumentException on bad input. */
    public static byte[] decode(String hex) {
        String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
        if ((s.length() & 1) != 0) {
            throw new IllegalArgumentException("hex string has an odd number of digits");
        }
        return FORMAT.parseHex(s);
    }
}
