package org.consort.evm.precompile;

import java.util.Optional;

/**
 * A precompiled contract at a fixed address (0x01..0x0a through Cancun).
 *
 * <p>Implementations are stateless and thread-safe. The interpreter first asks for the gas
 * requirement; if the call has less gas, the call fails and consumes all of it. Otherwise it
 * runs {@link #compute}; an empty result means the input was invalid, which also fails the
 * call and consumes all gas given to it.
 */
public interface PrecompiledContract {

    /** Gas needed to run on this input (may be huge: saturate at Long.MAX_VALUE, never overflow). */
    long gasRequirement(byte[] input);

    /** The output, or empty when the input is invalid. Never throws on bad input. */
    Optional<byte[]> compute(byte[] input);
}
