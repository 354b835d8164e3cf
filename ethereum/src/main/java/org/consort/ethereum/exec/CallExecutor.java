package org.consort.ethereum.exec;

import java.util.List;
import java.util.Optional;
import org.consort.ethereum.NetworkSettings;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.state.KvWorldState;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.state.Account;
import org.consort.evm.state.WorldState;
import org.consort.evm.state.WorldUpdater;
import org.consort.evm.tx.AccessListEntry;
import org.consort.evm.tx.InvalidTransactionException;
import org.consort.evm.tx.Transaction;
import org.consort.evm.tx.TransactionProcessor;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.BlockEnv;

/**
 * Executes calls against a snapshot without keeping their effects: {@code eth_call},
 * {@code eth_estimateGas} and the node's {@code canRead} access checks. Stateless and thread-safe.
 */
public final class CallExecutor {
    private static final WorldUpdater DISCARD = new WorldUpdater() {
        @Override
        public void putAccount(Address address, Account account) {
        }

        @Override
        public void putStorage(Address address, Word key, Word value) {
        }

        @Override
        public void deleteAccount(Address address) {
        }
    };

    /**
     * A call as JSON-RPC describes it. {@code gasPrice}/{@code maxFeePerGas} empty means "free":
     * the call then runs with base fee 0, as geth does.
     */
    public record Call(Address from, Optional<Address> to, long gas, Optional<Word> gasPrice, Optional<Word> maxFeePerGas,
            Optional<Word> maxPriorityFeePerGas, Word value, byte[] data, List<AccessListEntry> accessList) {
    }

    private CallExecutor() {
    }

    /** Runs {@code call} on {@code world} in the context of {@code block}; throws when it cannot even start. */
    public static TransactionResult run(WorldState world, StoredBlock block, NetworkSettings settings, Call call)
            throws InvalidTransactionException {
        long nonce = world.account(call.from()).map(Account::nonce).orElse(0L);
        boolean priced = call.gasPrice().isPresent() || call.maxFeePerGas().isPresent();
        Word baseFee = priced ? Word.fromBigInteger(settings.baseFee()) : Word.ZERO;
        int type = call.maxFeePerGas().isPresent() && settings.fork().has(org.consort.evm.fork.Eip.EIP_1559) ? 2
                : call.accessList().isEmpty() ? 0 : 1;
        Word maxFee = call.maxFeePerGas().orElse(Word.ZERO);
        Word tip = call.maxPriorityFeePerGas().orElse(Word.ZERO);
        if (tip.compareTo(maxFee) > 0 && type == 2) {
            throw new InvalidTransactionException("max priority fee per gas higher than max fee per gas");
        }
        Transaction tx = new Transaction(type, call.from(), Word.of(nonce), call.gasPrice().orElse(Word.ZERO), tip, maxFee,
                Word.of(call.gas()), call.to(), call.value(), call.data(), call.accessList(), Word.ZERO, List.of());
        BlockEnv env = new BlockEnv(block.coinbase(), Math.max(block.gasLimit(), call.gas()), block.number(),
                block.timestamp(), Word.ZERO, Word.ZERO, baseFee, 0, Word.of(settings.chainId()), n -> Word.ZERO);
        return new TransactionProcessor(settings.fork()).process(world, DISCARD, env, tx);
    }

    /** The answer of {@code canRead(address)} of a contract. */
    public enum CanRead { ALLOWED, DENIED, ABSENT }

    /** keccak256("canRead(address)")[0..4]. */
    public static final byte[] CAN_READ_SELECTOR = java.util.Arrays.copyOf(
            org.consort.crypto.Hashes.keccak256("canRead(address)".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 4);

    /**
     * Calls {@code contract.canRead(reader)} from the zero address with at most {@code gas}. A
     * contract without that function (empty success, or a revert without data as Solidity's
     * dispatcher does) is ABSENT; a 32-byte answer decides; anything else (a revert with a reason,
     * out of gas) is DENIED, so a failing check never opens access.
     */
    public static CanRead canRead(KvWorldState world, StoredBlock block, NetworkSettings settings, Address contract,
            Address reader, long gas) {
        byte[] data = new byte[36];
        System.arraycopy(CAN_READ_SELECTOR, 0, data, 0, 4);
        System.arraycopy(reader.toBytes(), 0, data, 16, 20);
        Call call = new Call(Address.wrap(new byte[20]), Optional.of(contract), gas, Optional.empty(), Optional.empty(),
                Optional.empty(), Word.ZERO, data, List.of());
        TransactionResult r;
        try {
            r = run(world, block, settings, call);
        } catch (InvalidTransactionException e) {
            return CanRead.DENIED;
        }
        byte[] out = r.output();
        if (r.success()) {
            if (out.length == 0) {
                return CanRead.ABSENT;
            }
            if (out.length >= 32) {
                return Word.fromBytes(out, 0, 32).isZero() ? CanRead.DENIED : CanRead.ALLOWED;
            }
            return CanRead.DENIED;
        }
        return out.length == 0 && "revert".equals(r.error()) ? CanRead.ABSENT : CanRead.DENIED;
    }
}
