package org.consort.bench.evm;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ERC-20 transfers executed in-process on one thread: our {@code Token.sol} (compiled by
 * {@code bench/evm-bench.sh}) is deployed with a creation transaction into an in-memory Cancun
 * world state, then the holder sends 1 token at a time to 1,000 recipients in turn, each
 * transfer a full EIP-1559 transaction through {@code TransactionProcessor} (validation, gas
 * purchase, warming, execution, refund, fee payment, writing the changes; no state root).
 * The primary score is transfers/s; the {@code gas} counter is gas/s (gas used by the
 * transactions, intrinsic gas included).
 *
 * <p>A benchmark invocation runs {@value #BATCH} transfers inside one task on an EVM thread, so
 * the hand-off from the JMH thread to the EVM thread (deep recursion needs a big stack) is not
 * measured. Each trial checks afterwards that every token is accounted for. Run:
 * {@code bench/evm-bench.sh} or
 * {@code java -jar bench/target/consort-bench.jar Erc20TransferBenchmark -p artifactDir=bench/target}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Erc20TransferBenchmark {
    static final int BATCH = 100;
    private static final int RECIPIENTS = 1000;
    private static final Word SUPPLY = Word.fromBigInteger(java.math.BigInteger.TEN.pow(27));
    /** Storage slot of {@code balanceOf} in Token.sol (after {@code totalSupply}). */
    private static final Word BALANCES_SLOT = Word.ONE;

    /** Directory holding Token.json. */
    @Param({"bench/target"})
    public String artifactDir;

    private BenchChain chain;
    private Address token;
    private Address[] recipients;
    private byte[][] transferCalls;
    private long transfers;
    private int next;

    /** Gas used by the measured transactions; JMH reports it per second. */
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
        SolcArtifact artifact = SolcArtifact.load(Path.of(artifactDir), "Token");
        chain = new BenchChain(address("holder"));
        byte[] init = BenchChain.concat(artifact.creationBytecode(), SUPPLY.toBytes());
        token = EvmThreads.call(() -> chain.deploy(init, artifact.runtimeBytecode()), RuntimeException.class);
        recipients = new Address[RECIPIENTS];
        transferCalls = new byte[RECIPIENTS][];
        for (int i = 0; i < RECIPIENTS; i++) {
            recipients[i] = address("recipient-" + i);
            transferCalls[i] = BenchChain.callData("transfer(address,uint256)", recipients[i].toWord(), Word.ONE);
        }
        // One round first so that every measured transfer updates two non-zero balances.
        long gas = EvmThreads.call(() -> {
            for (int i = 0; i < RECIPIENTS; i++) {
                transfer(transferCalls[i]);
            }
            return transfer(transferCalls[0]);
        }, RuntimeException.class);
        transfers = RECIPIENTS + 1;
        next = 1;
        System.out.println("\n" + artifact.compiler() + "; gas per steady-state transfer: " + gas);
    }

    @TearDown(Level.Trial)
    public void check() {
        Word held = balance(chain.sender());
        long received = 0;
        for (Address r : recipients) {
            received += balance(r).clampedLong();
        }
        if (received != transfers || !held.add(Word.of(received)).equals(SUPPLY)) {
            throw new IllegalStateException("token balances do not add up: " + transfers + " transfers, recipients hold "
                    + received + ", holder " + held);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long transfers(GasCounter counter) {
        long gas = EvmThreads.call(() -> {
            long g = 0;
            for (int i = 0; i < BATCH; i++) {
                g += transfer(transferCalls[next]);
                next = next + 1 == RECIPIENTS ? 0 : next + 1;
            }
            return g;
        }, RuntimeException.class);
        transfers += BATCH;
        counter.gas += gas;
        return gas;
    }

    private long transfer(byte[] call) {
        TransactionResult r = chain.execute(Optional.of(token), call, 100_000);
        if (!r.success() || r.logs().size() != 1 || r.output().length != 32 || r.output()[31] != 1) {
            throw new IllegalStateException("transfer failed: " + r);
        }
        return r.gasUsed();
    }

    private Word balance(Address holder) {
        byte[] key = BenchChain.concat(holder.toWord().toBytes(), BALANCES_SLOT.toBytes());
        return chain.world().storage(token, Word.fromBytes(Hashes.keccak256(key)));
    }

    private static Address address(String label) {
        byte[] h = Hashes.keccak256(("consort-bench/" + label).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return Address.wrap(Arrays.copyOfRange(h, 12, 32));
    }
}
