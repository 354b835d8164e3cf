package org.consort.bench.evm;

import java.util.List;
import java.util.Optional;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Fork;
import org.consort.evm.state.Account;
import org.consort.evm.state.InMemoryWorldState;
import org.consort.evm.tx.InvalidTransactionException;
import org.consort.evm.tx.Transaction;
import org.consort.evm.tx.TransactionProcessor;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.BlockEnv;
import org.consort.evm.vm.Interpreter;

/**
 * An in-memory Cancun chain for the EVM benchmarks: one funded sender, an
 * {@link InMemoryWorldState} that is both the read state and the updater (no state root is ever
 * computed), and a fixed block. Transactions are EIP-1559 with the sender given, as the
 * state-test runner executes them. Not thread-safe: one benchmark thread owns one chain.
 */
public final class BenchChain {
    /** Block gas limit, also the largest transaction gas limit. */
    public static final long BLOCK_GAS_LIMIT = 30_000_000;

    private static final Word BASE_FEE = Word.of(7);

    private final InMemoryWorldState world = new InMemoryWorldState();
    private final TransactionProcessor processor = new TransactionProcessor(Fork.CANCUN);
    private final BlockEnv block;
    private final Address sender;
    private long nonce;

    /** A chain whose only account is {@code sender}, holding 10^30 wei. */
    public BenchChain(Address sender) {
        this.sender = sender;
        world.putAccount(sender, Account.of(0, Word.fromBigInteger(java.math.BigInteger.TEN.pow(30)), new byte[0]));
        block = new BlockEnv(Address.fromHex("0x00000000000000000000000000000000c0ffee00"), BLOCK_GAS_LIMIT, 1,
                1_700_000_000L, Word.ZERO, Word.of(0x5eed), BASE_FEE, 0, Word.ONE,
                n -> Word.fromBytes(Hashes.keccak256(Long.toString(n).getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    }

    public Address sender() {
        return sender;
    }

    public InMemoryWorldState world() {
        return world;
    }

    /**
     * Deploys {@code initCode} (creation bytecode followed by constructor arguments) from the
     * sender and checks that the account now holds {@code expectedRuntime}.
     *
     * @throws IllegalStateException when the creation fails or leaves other code
     */
    public Address deploy(byte[] initCode, byte[] expectedRuntime) {
        Address address = Interpreter.createAddress(sender, nonce);
        TransactionResult r = execute(Optional.empty(), initCode, BLOCK_GAS_LIMIT);
        if (!r.success()) {
            throw new IllegalStateException("deployment failed: " + r);
        }
        byte[] code = world.account(address).map(Account::code).orElse(new byte[0]);
        if (!java.util.Arrays.equals(code, expectedRuntime)) {
            throw new IllegalStateException("deployed code at " + address + " differs from the compiled runtime code ("
                    + code.length + " bytes, expected " + expectedRuntime.length + ")");
        }
        return address;
    }

    /**
     * Executes one transaction from the sender with the next nonce, writing its effects to the
     * world state. Call it from an {@link org.consort.evm.vm.EvmThreads} thread to avoid a
     * hand-off per transaction.
     *
     * @throws IllegalStateException when the transaction is invalid (a bug in the benchmark)
     */
    public TransactionResult execute(Optional<Address> to, byte[] data, long gasLimit) {
        Transaction tx = new Transaction(2, sender, Word.of(nonce), Word.ZERO, Word.ZERO, BASE_FEE, Word.of(gasLimit),
                to, Word.ZERO, data, List.of(), Word.ZERO, List.of());
        try {
            TransactionResult r = processor.process(world, world, block, tx);
            nonce++;
            return r;
        } catch (InvalidTransactionException e) {
            throw new IllegalStateException("benchmark transaction rejected: " + e.getMessage(), e);
        }
    }

    /** ABI call data: the 4-byte selector of {@code signature} followed by 32-byte words. */
    public static byte[] callData(String signature, Word... args) {
        byte[] out = new byte[4 + 32 * args.length];
        System.arraycopy(Hashes.keccak256(signature.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0, out, 0, 4);
        for (int i = 0; i < args.length; i++) {
            System.arraycopy(args[i].toBytes(), 0, out, 4 + 32 * i, 32);
        }
        return out;
    }

    /** {@code a} followed by {@code b}. */
    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
