package org.consort.evm.precompile;

import java.math.BigInteger;
import java.util.Optional;

/**
 * 0x07 BN254 scalar multiplication (EIP-196) at the EIP-1108 price of 6000 gas. Input: a G1 point
 * (x, y) and a 256-bit scalar, read as if right-padded to 96 bytes. Fails on an invalid point.
 * Stateless and thread-safe.
 */
public final class Bn254Mul implements PrecompiledContract {
    public static final long GAS = 6000;

    @Override
    public long gasRequirement(byte[] input) {
        return GAS;
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        byte[] in = Bytes.slice(input, 0, 96);
        Optional<Bn254.G1> p = Bn254.parseG1(in, 0);
        if (p.isEmpty()) {
            return Optional.empty();
        }
        BigInteger k = Bytes.unsigned(in, 64, 32);
        Bn254.G1 point = Bn254Add.finite(p.get());
        return Optional.of(Bn254.encodeG1(point == null ? null : Bn254.g1Mul(point, k)));
    }
}
