package org.consort.evm.precompile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.junit.jupiter.api.Test;

class SimplePrecompilesTest {
    private static final String HASH = "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c";
    private static final String V28 = "000000000000000000000000000000000000000000000000000000000000001c";
    private static final String R = "73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f";
    private static final String S = "eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549";
    private static final String SIGNER = "000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b";

    private final EcRecover ecrecover = new EcRecover();

    @Test
    void ecrecoverKnownVector() {
        assertThat(ecrecover.gasRequirement(new byte[0])).isEqualTo(3000);
        byte[] out = ecrecover.compute(Hex.decode(HASH + V28 + R + S)).orElseThrow();
        assertThat(Hex.encode(out)).isEqualTo(SIGNER);
    }

    @Test
    void ecrecoverRoundTripsWithOurSigner() {
        byte[] key = Hashes.keccak256("consort".getBytes(StandardCharsets.UTF_8));
        byte[] hash = Hashes.keccak256("message".getBytes(StandardCharsets.UTF_8));
        Secp256k1.Signature sig = Secp256k1.sign(hash, key);
        byte[] input = new byte[128];
        System.arraycopy(hash, 0, input, 0, 32);
        input[63] = (byte) (27 + sig.recId());
        System.arraycopy(sig.r(), 0, input, 64, 32);
        System.arraycopy(sig.s(), 0, input, 96, 32);
        byte[] out = ecrecover.compute(input).orElseThrow();
        assertThat(java.util.Arrays.copyOfRange(out, 12, 32)).isEqualTo(Secp256k1.address(key));
    }

    @Test
    void ecrecoverInvalidGivesEmptyOutputNotFailure() {
        // v with a high byte set, v = 29, v = 0
        String badV1 = "010000000000000000000000000000000000000000000000000000000000001c";
        String badV2 = "000000000000000000000000000000000000000000000000000000000000001d";
        assertThat(ecrecover.compute(Hex.decode(HASH + badV1 + R + S))).hasValue(new byte[0]);
        assertThat(ecrecover.compute(Hex.decode(HASH + badV2 + R + S))).hasValue(new byte[0]);
        assertThat(ecrecover.compute(new byte[0])).hasValue(new byte[0]);
        // r = 0, s = n
        String zero = "00".repeat(32);
        String n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
        assertThat(ecrecover.compute(Hex.decode(HASH + V28 + zero + S))).hasValue(new byte[0]);
        assertThat(ecrecover.compute(Hex.decode(HASH + V28 + R + n))).hasValue(new byte[0]);
    }

    @Test
    void ecrecoverPadsShortAndIgnoresExtraInput() {
        byte[] full = Hex.decode(HASH + V28 + R + S + "ffff");
        assertThat(Hex.encode(ecrecover.compute(full).orElseThrow())).isEqualTo(SIGNER);
        // Truncating s changes the signature (missing bytes read as zero), so a different or no signer.
        byte[] shortInput = Hex.decode(HASH + V28 + R + S.substring(0, 60));
        assertThat(ecrecover.compute(shortInput).orElseThrow()).isNotEqualTo(Hex.decode(SIGNER));
    }

    @Test
    void sha256VectorsAndGas() {
        Sha256 sha = new Sha256();
        assertThat(Hex.encode(sha.compute(new byte[0]).orElseThrow()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Hex.encode(sha.compute("abc".getBytes(StandardCharsets.US_ASCII)).orElseThrow()))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(sha.gasRequirement(new byte[0])).isEqualTo(60);
        assertThat(sha.gasRequirement(new byte[1])).isEqualTo(72);
        assertThat(sha.gasRequirement(new byte[32])).isEqualTo(72);
        assertThat(sha.gasRequirement(new byte[33])).isEqualTo(84);
    }

    @Test
    void ripemd160VectorsAndGas() {
        Ripemd160 ripemd = new Ripemd160();
        assertThat(Hex.encode(ripemd.compute(new byte[0]).orElseThrow()))
                .isEqualTo("0000000000000000000000009c1185a5c5e9fc54612808977ee8f548b2258d31");
        assertThat(Hex.encode(ripemd.compute("abc".getBytes(StandardCharsets.US_ASCII)).orElseThrow()))
                .isEqualTo("0000000000000000000000008eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
        assertThat(ripemd.gasRequirement(new byte[0])).isEqualTo(600);
        assertThat(ripemd.gasRequirement(new byte[64])).isEqualTo(840);
    }

    @Test
    void identityCopiesAndCharges() {
        Identity id = new Identity();
        byte[] in = {1, 2, 3};
        byte[] out = id.compute(in).orElseThrow();
        assertThat(out).isEqualTo(in).isNotSameAs(in);
        assertThat(id.compute(new byte[0])).hasValue(new byte[0]);
        assertThat(id.gasRequirement(new byte[0])).isEqualTo(15);
        assertThat(id.gasRequirement(new byte[65])).isEqualTo(24);
    }

    @Test
    void gasArithmeticSaturates() {
        assertThat(Gas.saturatingMul(Long.MAX_VALUE / 2, 3)).isEqualTo(Long.MAX_VALUE);
        assertThat(Gas.saturatingAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(Gas.linear(15, 3, Integer.MAX_VALUE)).isEqualTo(15 + 3 * ((Integer.MAX_VALUE + 31L) / 32));
    }

    @Test
    void registryByFork() {
        assertThat(Precompiles.count(false)).isEqualTo(9);
        assertThat(Precompiles.count(true)).isEqualTo(10);
        assertThat(Precompiles.get(0, true)).isEmpty();
        assertThat(Precompiles.get(10, false)).isEmpty();
        assertThat(Precompiles.get(11, true)).isEmpty();
        assertThat(Precompiles.get(10, true)).get().isInstanceOf(PointEvaluation.class);
        assertThat(Precompiles.get(1, false)).get().isInstanceOf(EcRecover.class);
        assertThat(Precompiles.get(5, false)).get().isInstanceOf(ModExp.class);
        assertThat(Precompiles.get(8, false)).get().isInstanceOf(Bn254Pairing.class);
        assertThat(Precompiles.get(9, false)).get().isInstanceOf(Blake2f.class);
        assertThat(Precompiles.isPrecompile(10, false)).isFalse();
        assertThat(Precompiles.isPrecompile(10, true)).isTrue();
    }
}
