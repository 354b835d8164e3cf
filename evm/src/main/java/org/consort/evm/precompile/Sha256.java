package org.consort.evm.precompile;

import java.util.Optional;
import org.consort.crypto.Hashes;

/** 0x02 SHA-256 of the input; 60 gas plus 12 per word. Stateless and thread-safe. */
public final class Sha256 implements PrecompiledContract {
    @Override
    public long gasRequirement(byte[] input) {
        return Gas.linear(60, 12, input.length);
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        return Optional.of(Hashes.sha256(input));
    }
}
