package org.consort.evm.vm;

import java.util.Optional;
import org.consort.evm.precompile.PrecompiledContract;
import org.consort.evm.precompile.Precompiles;

/**
 * Finds the precompiled contract at an address for a fork: 0x01..0x09 through Shanghai, plus
 * 0x0a (EIP-4844 point evaluation) from Cancun. The single place where the interpreter and the
 * transaction processor meet {@link Precompiles}. Stateless and thread-safe.
 */
public final class PrecompileRegistry {

    private PrecompileRegistry() {
    }

    /** Highest precompile address of a fork. */
    public static int count(boolean cancun) {
        return Precompiles.count(cancun);
    }

    public static Optional<PrecompiledContract> get(int address, boolean cancun) {
        return Precompiles.get(address, cancun);
    }
}
