package org.consort.evm.precompile;

import java.util.Optional;

/**
 * 0x06 BN254 point addition (EIP-196) at the EIP-1108 price of 150 gas. Input: two G1 points
 * (x, y), read as if right-padded to 128 bytes; (0, 0) is the point at infinity. Fails on a
 * coordinate not below p or a point off the curve. Stateless and thread-safe.
 */
public final class Bn254Add implements PrecompiledContract {
    public static final long GAS = 150;

    @Override
    public long gasRequirement(byte[] input) {
        return GAS;
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        byte[] in = Bytes.slice(input, 0, 128);
        Optional<Bn254.G1> a = Bn254.parseG1(in, 0);
        Optional<Bn254.G1> b = Bn254.parseG1(in, 64);
        if (a.isEmpty() || b.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Bn254.encodeG1(Bn254.g1Add(finite(a.get()), finite(b.get()))));
    }

    /** The arithmetic's representation: {@code null} for infinity. */
    static Bn254.G1 finite(Bn254.G1 p) {
        return p == Bn254.INFINITY_G1 ? null : p;
    }
}
