package org.consort.evm.precompile;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * 0x08 BN254 pairing check (EIP-197) at the EIP-1108 price of 45000 + 34000 per pair.
 *
 * <p>Input: k pairs of a G1 point (64 bytes) and a G2 point (128 bytes: x_im, x_re, y_im, y_re).
 * Output: the 32-byte word 1 if the product of the pairings is one, else 0; an empty input gives 1.
 * Fails if the length is not a multiple of 192, a coordinate is not below p, a point is off its
 * curve, or a G2 point is outside the order-r subgroup. Stateless and thread-safe.
 */
public final class Bn254Pairing implements PrecompiledContract {
    public static final long BASE_GAS = 45_000;
    public static final long PAIR_GAS = 34_000;
    public static final int PAIR_LENGTH = 192;

    @Override
    public long gasRequirement(byte[] input) {
        return Gas.saturatingAdd(BASE_GAS, Gas.saturatingMul(PAIR_GAS, input.length / PAIR_LENGTH));
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        if (input.length % PAIR_LENGTH != 0) {
            return Optional.empty();
        }
        int k = input.length / PAIR_LENGTH;
        List<Bn254.G1> ps = new ArrayList<>(k);
        List<Bn254.G2> qs = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int off = i * PAIR_LENGTH;
            Optional<Bn254.G1> p = Bn254.parseG1(input, off);
            Optional<Bn254.G2> q = Bn254.parseG2(input, off + 64);
            if (p.isEmpty() || q.isEmpty()) {
                return Optional.empty();
            }
            ps.add(p.get());
            qs.add(q.get());
        }
        byte[] out = new byte[32];
        if (Bn254.pairingCheck(ps, qs)) {
            out[31] = 1;
        }
        return Optional.of(out);
    }
}
