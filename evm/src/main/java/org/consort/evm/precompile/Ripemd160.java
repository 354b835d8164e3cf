package org.consort.evm.precompile;

import java.util.Optional;
import org.bouncycastle.crypto.digests.RIPEMD160Digest;

/**
 * 0x03 RIPEMD-160 of the input, left-padded with zeros to 32 bytes; 600 gas plus 120 per word.
 * Stateless and thread-safe.
 */
public final class Ripemd160 implements PrecompiledContract {
    @Override
    public long gasRequirement(byte[] input) {
        return Gas.linear(600, 120, input.length);
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        RIPEMD160Digest d = new RIPEMD160Digest();
        d.update(input, 0, input.length);
        byte[] out = new byte[32];
        d.doFinal(out, 12);
        return Optional.of(out);
    }
}
