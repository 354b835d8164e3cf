package org.consort.kv;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns keys or values of a map into bytes and back. Encodings must be deterministic (the same
 * value always gives the same bytes, on every node) because encoded bytes are what the ledger
 * records, what conflict detection compares and what orders keys in iteration.
 *
 * <p>{@link #encode} must return a fresh array that the codec does not keep; {@link #decode}
 * must not keep the array it is given. Decoding malformed bytes throws
 * {@link IllegalArgumentException}. Implementations must be thread-safe.
 */
public interface Codec<T> {

    byte[] encode(T value);

    T decode(byte[] bytes);

    /** Strict UTF-8: decoding rejects malformed input instead of substituting characters. */
    static Codec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }

    /** The bytes themselves (copied both ways, so callers cannot change stored data). */
    static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * 8 bytes, big-endian, with the sign bit flipped, so that encoded keys sort (and iterate) in
     * numeric order: -1 before 0 before 1. Example: 0 encodes as {@code 80 00 00 00 00 00 00 00}.
     */
    static Codec<Long> int64() {
        return Int64Codec.INSTANCE;
    }
}

final class Utf8Codec implements Codec<String> {
    static final Utf8Codec INSTANCE = new Utf8Codec();

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("malformed UTF-8 (" + bytes.length + " bytes)", e);
        }
    }
}

final class BytesCodec implements Codec<byte[]> {
    static final BytesCodec INSTANCE = new BytesCodec();

    @Override
    public byte[] encode(byte[] value) {
        return Arrays.copyOf(value, value.length);
    }

    @Override
    public byte[] decode(byte[] bytes) {
        return Arrays.copyOf(bytes, bytes.length);
    }
}

final class Int64Codec implements Codec<Long> {
    static final Int64Codec INSTANCE = new Int64Codec();

    @Override
    public byte[] encode(Long value) {
        long v = value ^ Long.MIN_VALUE;
        byte[] out = new byte[Long.BYTES];
        for (int i = Long.BYTES - 1; i >= 0; i--) {
            out[i] = (byte) v;
            v >>>= 8;
        }
        return out;
    }

    @Override
    public Long decode(byte[] bytes) {
        if (bytes.length != Long.BYTES) {
            throw new IllegalArgumentException("an int64 is 8 bytes, got " + bytes.length);
        }
        long v = 0;
        for (byte b : bytes) {
            v = (v << 8) | (b & 0xFF);
        }
        return v ^ Long.MIN_VALUE;
    }
}
