package org.consort.crypto;

import com.upokecenter.cbor.CBOREncodeOptions;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encodes a {@link CBORObject} with the core deterministic encoding of RFC 8949 section
 * 4.2.1: shortest-form integers and lengths, definite lengths only, and map keys sorted by
 * the bytewise lexicographic order of their own deterministic encodings. Floating-point
 * values and big numbers are rejected (nothing Consort signs uses them).
 *
 * <p>The library writes scalars (which it already encodes in shortest form); this class
 * only orders map keys and writes container headers, which the library's CTAP2 mode orders
 * differently (length-first) from RFC 8949. Stateless; safe to call from any thread.
 */
public final class DeterministicCbor {
    private static final CBOREncodeOptions STRICT_DECODE = new CBOREncodeOptions("allowduplicatekeys=false;keepkeyorder=true");

    private DeterministicCbor() {
    }

    public static byte[] encode(CBORObject obj) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(obj, out);
        return out.toByteArray();
    }

    /**
     * Decodes exactly one CBOR data item (no trailing bytes, no duplicate map keys) and keeps
     * map key order, so that {@link #isDeterministic} can compare re-encodings.
     */
    public static CBORObject decode(byte[] bytes) {
        try {
            return CBORObject.DecodeFromBytes(bytes, STRICT_DECODE);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed CBOR: " + e.getMessage(), e);
        }
    }

    /** True when {@code bytes} is one data item already in deterministic encoding. */
    public static boolean isDeterministic(byte[] bytes) {
        try {
            return Arrays.equals(encode(decode(bytes)), bytes);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void write(CBORObject obj, ByteArrayOutputStream out) {
        if (obj.isTagged()) {
            long tag = obj.getMostOuterTag().ToInt64Checked();
            writeHeader(6, tag, out);
            write(obj.UntagOne(), out);
            return;
        }
        CBORType t = obj.getType();
        switch (t) {
            case Array -> {
                writeHeader(4, obj.size(), out);
                for (int i = 0; i < obj.size(); i++) {
                    write(obj.get(i), out);
                }
            }
            case Map -> {
                List<byte[][]> entries = new ArrayList<>();
                for (Map.Entry<CBORObject, CBORObject> e : obj.getEntries()) {
                    entries.add(new byte[][] {encode(e.getKey()), encode(e.getValue())});
                }
                entries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
                for (int i = 1; i < entries.size(); i++) {
                    if (Arrays.equals(entries.get(i - 1)[0], entries.get(i)[0])) {
                        throw new IllegalArgumentException("CBOR map has a duplicate key");
                    }
                }
                writeHeader(5, entries.size(), out);
                for (byte[][] e : entries) {
                    out.writeBytes(e[0]);
                    out.writeBytes(e[1]);
                }
            }
            case Integer -> {
                if (!obj.CanValueFitInInt64()) {
                    throw new IllegalArgumentException("integers beyond 64 bits are not supported in deterministic CBOR here");
                }
                long v = obj.AsInt64Value();
                if (v >= 0) {
                    writeHeader(0, v, out);
                } else {
                    writeHeader(1, -1 - v, out);
                }
            }
            case ByteString, TextString, Boolean, SimpleValue -> out.writeBytes(obj.EncodeToBytes());
            default -> throw new IllegalArgumentException("CBOR type " + t + " is not supported in deterministic encoding here");
        }
    }

    /** Writes a major type with its argument in the shortest form (RFC 8949 section 3). */
    private static void writeHeader(int majorType, long value, ByteArrayOutputStream out) {
        int mt = majorType << 5;
        if (value < 0) {
            throw new IllegalArgumentException("CBOR argument out of range");
        } else if (value < 24) {
            out.write(mt | (int) value);
        } else if (value < 0x100) {
            out.write(mt | 24);
            out.write((int) value);
        } else if (value < 0x10000) {
            out.write(mt | 25);
            out.write((int) (value >>> 8));
            out.write((int) value);
        } else if (value < 0x1_0000_0000L) {
            out.write(mt | 26);
            for (int s = 24; s >= 0; s -= 8) {
                out.write((int) (value >>> s));
            }
        } else {
            out.write(mt | 27);
            for (int s = 56; s >= 0; s -= 8) {
                out.write((int) (value >>> s));
            }
        }
    }
}
