package org.consort.evm.precompile;

import java.util.Optional;

/** 0x04 identity: returns a copy of its input; 15 gas plus 3 per word. Stateless and thread-safe. */
public final class Identity implements PrecompiledContract {
    @Override
    public long gasRequirement(byte[] input) {
        return Gas.linear(15, 3, input.length);
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        return Optional.of(input.clone());
    }
}
