package org.consort.evm.precompile;

import static org.assertj.core.api.Assertions.assertThat;

import ethereum.ckzg4844.CKZG4844JNI;
import ethereum.ckzg4844.ProofAndY;
import java.math.BigInteger;
import java.util.Random;
import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class PointEvaluationTest {
    private final PointEvaluation pointEvaluation = new PointEvaluation();

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    private static byte[] expectedOutput() {
        return concat(Bytes.leftPad(BigInteger.valueOf(4096), 32), Bytes.leftPad(PointEvaluation.BLS_MODULUS, 32));
    }

    @Test
    void zeroPolynomialOpensToZeroAnywhere() {
        // The commitment and proof of the zero polynomial are the compressed point at infinity.
        byte[] infinity = new byte[48];
        infinity[0] = (byte) 0xc0;
        byte[] z = Bytes.leftPad(BigInteger.valueOf(12345), 32);
        byte[] y = new byte[32];
        byte[] vh = PointEvaluation.kzgToVersionedHash(infinity);
        assertThat(Hex.encode(vh)).isEqualTo("010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014");
        assertThat(pointEvaluation.compute(concat(vh, z, y, infinity, infinity))).hasValue(expectedOutput());
        // Claiming a non-zero value fails.
        assertThat(pointEvaluation.compute(concat(vh, z, Bytes.leftPad(BigInteger.ONE, 32), infinity, infinity)))
                .isEmpty();
        assertThat(pointEvaluation.gasRequirement(new byte[0])).isEqualTo(50_000);
    }

    @Test
    void realBlobProofVerifiesAndTamperingFails() {
        byte[] blob = new byte[CKZG4844JNI.BYTES_PER_BLOB];
        Random rnd = new Random(11);
        for (int i = 0; i < 4096; i++) {
            byte[] fe = new byte[31];
            rnd.nextBytes(fe);
            System.arraycopy(fe, 0, blob, i * 32 + 1, 31); // top byte zero keeps it below the modulus
        }
        // Make sure the native library and setup are loaded (the precompile does it lazily).
        pointEvaluation.compute(new byte[192]);
        byte[] commitment = CKZG4844JNI.blobToKzgCommitment(blob);
        byte[] z = Bytes.leftPad(BigInteger.valueOf(987654321), 32);
        ProofAndY py = CKZG4844JNI.computeKzgProof(blob, z);
        byte[] vh = PointEvaluation.kzgToVersionedHash(commitment);
        byte[] input = concat(vh, z, py.getY(), commitment, py.getProof());
        assertThat(pointEvaluation.compute(input)).hasValue(expectedOutput());

        byte[] wrongHash = input.clone();
        wrongHash[0] = 0x02;
        assertThat(pointEvaluation.compute(wrongHash)).isEmpty();
        byte[] wrongY = input.clone();
        wrongY[95] ^= 1;
        assertThat(pointEvaluation.compute(wrongY)).isEmpty();
        byte[] badProof = input.clone();
        badProof[150] ^= 1; // no longer a valid compressed point, or a different one
        assertThat(pointEvaluation.compute(badProof)).isEmpty();
    }

    @Test
    void rejectsBadLengthAndOutOfFieldValues() {
        assertThat(pointEvaluation.compute(new byte[191])).isEmpty();
        assertThat(pointEvaluation.compute(new byte[193])).isEmpty();
        byte[] infinity = new byte[48];
        infinity[0] = (byte) 0xc0;
        byte[] vh = PointEvaluation.kzgToVersionedHash(infinity);
        byte[] zTooBig = Bytes.leftPad(PointEvaluation.BLS_MODULUS, 32);
        assertThat(pointEvaluation.compute(concat(vh, zTooBig, new byte[32], infinity, infinity))).isEmpty();
    }
}
