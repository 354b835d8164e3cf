package org.consort.evm.precompile;

import java.util.Optional;
import org.consort.crypto.Secp256k1;

/**
 * 0x01 ecrecover: the address that signed a hash, as a 32-byte word; empty output (a successful
 * call) when the signature is invalid. Input: hash, v (27 or 28 as a full word), r, s.
 * Stateless and thread-safe.
 */
public final class EcRecover implements PrecompiledContract {
    public static final long GAS = 3000;
    private static final byte[] NO_OUTPUT = new byte[0];

    @Override
    public long gasRequirement(byte[] input) {
        return GAS;
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        byte[] in = Bytes.slice(input, 0, 128);
        // v is a whole 32-byte word: anything but 27 or 28 in it makes the signature invalid.
        if (!Bytes.allZero(in, 32, 63) || (in[63] != 27 && in[63] != 28)) {
            return Optional.of(NO_OUTPUT);
        }
        byte[] hash = java.util.Arrays.copyOfRange(in, 0, 32);
        byte[] r = java.util.Arrays.copyOfRange(in, 64, 96);
        byte[] s = java.util.Arrays.copyOfRange(in, 96, 128);
        Optional<byte[]> address = Secp256k1.recoverAddress(hash, r, s, in[63] - 27);
        if (address.isEmpty()) {
            return Optional.of(NO_OUTPUT);
        }
        byte[] out = new byte[32];
        System.arraycopy(address.get(), 0, out, 12, 20);
        return Optional.of(out);
    }
}
