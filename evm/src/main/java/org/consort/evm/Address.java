package org.consort.evm;

import java.util.Arrays;
import org.consort.common.Hex;

/** A 20-byte Ethereum account address. Immutable and thread-safe. */
public final class Address implements Comparable<Address> {
    public static final int LENGTH = 20;
    private final byte[] bytes;
    private final int hash;

    private Address(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static Address wrap(byte[] twentyBytes) {
        if (twentyBytes.length != LENGTH) {
            throw new IllegalArgumentException("an address has 20 bytes, got " + twentyBytes.length);
        }
        return new Address(twentyBytes.clone());
    }

    public static Address fromHex(String hex) {
        return wrap(Hex.decode(hex));
    }

    /** The low 20 bytes of a 256-bit word (how the EVM turns a stack item into an address). */
    public static Address fromWord(Word w) {
        byte[] full = w.toBytes();
        return new Address(Arrays.copyOfRange(full, 12, 32));
    }

    /** The address whose last byte is {@code n} (precompiles). */
    public static Address ofLow(int n) {
        byte[] b = new byte[LENGTH];
        b[16] = (byte) (n >>> 24);
        b[17] = (byte) (n >>> 16);
        b[18] = (byte) (n >>> 8);
        b[19] = (byte) n;
        return new Address(b);
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public Word toWord() {
        return Word.fromBytes(bytes);
    }

    /** The number in the low 4 bytes if the first 16 are zero, else -1 (precompile lookup). */
    public int smallNumber() {
        for (int i = 0; i < 16; i++) {
            if (bytes[i] != 0) {
                return -1;
            }
        }
        int n = ((bytes[16] & 0xFF) << 24) | ((bytes[17] & 0xFF) << 16) | ((bytes[18] & 0xFF) << 8) | (bytes[19] & 0xFF);
        return n < 0 ? -1 : n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && a.hash == hash && Arrays.equals(a.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Address o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return "0x" + Hex.encode(bytes);
    }
}
