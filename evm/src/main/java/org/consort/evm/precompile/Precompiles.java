package org.consort.evm.precompile;

import java.util.Optional;

/**
 * The precompiled contracts by address: 0x01..0x09 from Berlin through Shanghai, plus 0x0a (KZG
 * point evaluation) from Cancun. Immutable and thread-safe; contracts are shared singletons.
 */
public final class Precompiles {
    private static final PrecompiledContract[] CONTRACTS = {
        new EcRecover(),
        new Sha256(),
        new Ripemd160(),
        new Identity(),
        new ModExp(),
        new Bn254Add(),
        new Bn254Mul(),
        new Bn254Pairing(),
        new Blake2f(),
        new PointEvaluation(),
    };

    private Precompiles() {
    }

    /** How many precompiles exist (addresses 1..count). */
    public static int count(boolean cancunOrLater) {
        return cancunOrLater ? 10 : 9;
    }

    /** The contract at {@code address} (1-based), or empty if none is active there in this fork. */
    public static Optional<PrecompiledContract> get(int address, boolean cancunOrLater) {
        if (address < 1 || address > count(cancunOrLater)) {
            return Optional.empty();
        }
        return Optional.of(CONTRACTS[address - 1]);
    }

    /** Whether {@code address} is a precompile in this fork (they are warm from the start, EIP-2929). */
    public static boolean isPrecompile(int address, boolean cancunOrLater) {
        return address >= 1 && address <= count(cancunOrLater);
    }
}
