package org.consort.bench.evm;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.EvmThreads;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A compute-heavy contract call through the interpreter: {@code Compute.run(rounds, seed)} from
 * {@code Compute.sol} (a keccak-256 hash chain mixed with MUL, ADD, SHR, XOR, MOD and a memory
 * array; no storage), one transaction per invocation on an in-memory Cancun chain. The
 * {@code gas} counter is gas/s; the primary score is calls/s. Every call's result is compared
 * with the same computation done in Java, so a wrong interpreter cannot post a good score. Run:
 * {@code bench/evm-bench.sh} or
 * {@code java -jar bench/target/consort-bench.jar ComputeLoopBenchmark -p artifactDir=bench/target}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ComputeLoopBenchmark {
    private static final BigInteger MOD_256 = BigInteger.ONE.shiftLeft(256);
    private static final Word SEED = Word.fromBytes(Hashes.keccak256("consort".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

    /** Directory holding Compute.json. */
    @Param({"bench/target"})
    public String artifactDir;

    /** Loop rounds per call (about 150 gas each). */
    @Param({"20000"})
    public int rounds;

    private BenchChain chain;
    private Address contract;
    private byte[] call;
    private byte[] expected;

    /** Gas used by the measured calls; JMH reports it per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class GasCounter {
        public long gas;

        @Setup(Level.Iteration)
        public void reset() {
            gas = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        if (rounds <= 0) {
            throw new IllegalArgumentException("rounds must be positive: " + rounds);
        }
        SolcArtifact artifact = SolcArtifact.load(Path.of(artifactDir), "Compute");
        chain = new BenchChain(Address.fromHex("0x00000000000000000000000000000000000c0de5"));
        contract = EvmThreads.call(() -> chain.deploy(artifact.creationBytecode(), artifact.runtimeBytecode()),
                RuntimeException.class);
        call = BenchChain.callData("run(uint256,bytes32)", Word.of(rounds), SEED);
        expected = expected(rounds, SEED);
        TransactionResult first = runOnce();
        System.out.println("\n" + artifact.compiler() + "; gas per call of " + rounds + " rounds: " + first.gasUsed());
    }

    @Benchmark
    public long call(GasCounter counter) {
        long gas = runOnce().gasUsed();
        counter.gas += gas;
        return gas;
    }

    private TransactionResult runOnce() {
        TransactionResult r = chain.execute(Optional.of(contract), call, BenchChain.BLOCK_GAS_LIMIT);
        if (!r.success() || !Arrays.equals(r.output(), expected)) {
            throw new IllegalStateException("Compute.run returned " + Hex.encode(r.output()) + ", expected "
                    + Hex.encode(expected) + " (" + r + ")");
        }
        return r;
    }

    /** {@code Compute.run} in Java: the ABI-encoded {@code (bytes32 acc, uint256 mix)}. */
    static byte[] expected(int rounds, Word seed) {
        byte[] acc = seed.toBytes();
        BigInteger mix = seed.toBigInteger().or(BigInteger.ONE);
        BigInteger multiplier = BigInteger.valueOf(6364136223846793005L);
        BigInteger prime = BigInteger.valueOf(1000003);
        BigInteger[] lanes = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
        for (int i = 0; i < rounds; i++) {
            acc = Hashes.keccak256(BenchChain.concat(acc, Word.of(i).toBytes()));
            mix = mix.multiply(multiplier).add(new BigInteger(1, acc)).mod(MOD_256);
            mix = mix.xor(mix.shiftRight(29));
            lanes[i & 3] = lanes[i & 3].add(mix.mod(prime)).mod(MOD_256);
        }
        mix = mix.xor(lanes[0]).xor(lanes[1]).xor(lanes[2]).xor(lanes[3]);
        return BenchChain.concat(acc, Word.fromBigInteger(mix).toBytes());
    }
}
