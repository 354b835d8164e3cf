package org.consort.evm.precompile;

import java.math.BigInteger;
import java.util.Optional;

/**
 * 0x05 modular exponentiation (EIP-198) with the EIP-2565 gas formula.
 *
 * <p>Input: three 32-byte lengths (base, exponent, modulus), then the three numbers, all read as if
 * the input were right-padded with zeros. The lengths may be up to 2^256 - 1: gas is computed from
 * them alone, saturating, before anything of that size is allocated. Stateless and thread-safe.
 */
public final class ModExp implements PrecompiledContract {
    public static final long MIN_GAS = 200;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    /** Largest length this JVM can hold in one array; a call that needs more cannot have been paid for. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    @Override
    public long gasRequirement(byte[] input) {
        BigInteger baseLen = Bytes.unsigned(input, 0, 32);
        BigInteger expLen = Bytes.unsigned(input, 32, 32);
        BigInteger modLen = Bytes.unsigned(input, 64, 32);

        BigInteger words = baseLen.max(modLen).add(BigInteger.valueOf(7)).shiftRight(3);
        BigInteger complexity = words.multiply(words);

        BigInteger iterations = iterationCount(input, baseLen, expLen);
        BigInteger gas = complexity.multiply(iterations.max(BigInteger.ONE)).divide(BigInteger.valueOf(3));
        return gas.max(BigInteger.valueOf(MIN_GAS)).min(LONG_MAX).longValueExact();
    }

    /** EIP-2565's adjusted exponent length, from the exponent's first 32 bytes and its length. */
    private static BigInteger iterationCount(byte[] input, BigInteger baseLen, BigInteger expLen) {
        // Where the exponent starts; past the input (or past any array) it reads as zeros.
        BigInteger expStart = BigInteger.valueOf(96).add(baseLen);
        int headLen = expLen.min(BigInteger.valueOf(32)).intValueExact();
        BigInteger head = expStart.compareTo(BigInteger.valueOf(input.length)) >= 0
                ? BigInteger.ZERO
                : Bytes.unsigned(input, expStart.longValueExact(), headLen);
        int headBits = head.bitLength();
        BigInteger headPart = BigInteger.valueOf(headBits == 0 ? 0 : headBits - 1);
        if (expLen.compareTo(BigInteger.valueOf(32)) <= 0) {
            return headPart;
        }
        return expLen.subtract(BigInteger.valueOf(32)).shiftLeft(3).add(headPart);
    }

    @Override
    public Optional<byte[]> compute(byte[] input) {
        BigInteger baseLenBig = Bytes.unsigned(input, 0, 32);
        BigInteger expLenBig = Bytes.unsigned(input, 32, 32);
        BigInteger modLenBig = Bytes.unsigned(input, 64, 32);
        if (modLenBig.signum() == 0) {
            // Nothing to return, whatever the base and exponent (EIP-198): skip reading them.
            return Optional.of(new byte[0]);
        }
        if (baseLenBig.bitLength() > 62 || expLenBig.bitLength() > 62 || modLenBig.bitLength() > 62) {
            return Optional.empty();
        }
        long baseLen = baseLenBig.longValueExact();
        long expLen = expLenBig.longValueExact();
        long modLen = modLenBig.longValueExact();
        if (baseLen > MAX_ARRAY || expLen > MAX_ARRAY || modLen > MAX_ARRAY) {
            return Optional.empty();
        }
        BigInteger base = Bytes.unsigned(input, 96, (int) baseLen);
        BigInteger exp = Bytes.unsigned(input, 96 + baseLen, (int) expLen);
        BigInteger mod = Bytes.unsigned(input, 96 + baseLen + expLen, (int) modLen);
        if (mod.signum() == 0) {
            return Optional.of(new byte[(int) modLen]);
        }
        return Optional.of(Bytes.leftPad(base.modPow(exp, mod), (int) modLen));
    }
}
