package org.consort.evm.tx;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Eip;
import org.consort.evm.fork.Fork;
import org.consort.evm.state.WorldState;
import org.consort.evm.state.WorldUpdater;
import org.consort.evm.vm.BlockEnv;
import org.consort.evm.vm.EvmThreads;
import org.consort.evm.vm.ExecResult;
import org.consort.evm.vm.Interpreter;
import org.consort.evm.vm.Message;
import org.consort.evm.vm.PrecompileRegistry;
import org.consort.evm.vm.TxState;

/**
 * Applies one transaction to a world state under a fork's rules: validation, intrinsic gas,
 * up-front fee payment, access-list warming, execution, refunds, fee payment to the coinbase,
 * self-destructs and EIP-161 clean-up. Stateless apart from its fork; thread-safe as long as
 * each call gets its own world state.
 */
public final class TransactionProcessor {
    public static final long BLOB_GAS_PER_BLOB = 131072;
    public static final long MAX_BLOB_GAS_PER_BLOCK = 786432;
    private static final BigInteger BLOB_BASE_FEE_UPDATE_FRACTION = BigInteger.valueOf(3338477);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private final Fork fork;

    public TransactionProcessor(Fork fork) {
        this.fork = fork;
    }

    public Fork fork() {
        return fork;
    }

    /** EIP-4844 blob base fee: fake_exponential(1, excessBlobGas, 3338477). */
    public static BigInteger blobBaseFee(long excessBlobGas) {
        BigInteger numerator = BigInteger.valueOf(excessBlobGas);
        BigInteger i = BigInteger.ONE;
        BigInteger output = BigInteger.ZERO;
        BigInteger accum = BLOB_BASE_FEE_UPDATE_FRACTION; // factor 1 * denominator
        while (accum.signum() > 0) {
            output = output.add(accum);
            accum = accum.multiply(numerator).divide(BLOB_BASE_FEE_UPDATE_FRACTION.multiply(i));
            i = i.add(BigInteger.ONE);
        }
        return output.divide(BLOB_BASE_FEE_UPDATE_FRACTION);
    }

    /** Gas charged before execution: base, calldata, creation, access list, init code words. */
    public long intrinsicGas(Transaction tx) {
        long gas = 21000;
        for (byte b : tx.data()) {
            gas += b == 0 ? 4 : 16;
        }
        if (tx.isCreate()) {
            gas += 32000;
            if (fork.has(Eip.EIP_3860)) {
                gas += 2L * ((tx.data().length + 31L) / 32);
            }
        }
        for (AccessListEntry e : tx.accessList()) {
            gas += 2400 + 1900L * e.storageKeys().size();
        }
        return gas;
    }

    /**
     * Validates and executes {@code tx}; on success writes its effects to {@code out}. Runs on the
     * calling thread when it is an {@link EvmThreads} thread, otherwise hands the work to one
     * (nested calls need a deep stack).
     *
     * @throws InvalidTransactionException when the transaction cannot be included (nothing written)
     */
    public TransactionResult process(WorldState world, WorldUpdater out, BlockEnv block, Transaction tx)
            throws InvalidTransactionException {
        return EvmThreads.call(() -> processHere(world, out, block, tx), InvalidTransactionException.class);
    }

    private TransactionResult processHere(WorldState world, WorldUpdater out, BlockEnv block, Transaction tx)
            throws InvalidTransactionException {
        TxState state = new TxState(world);
        Address sender = tx.sender();
        boolean london = fork.has(Eip.EIP_1559);

        if (tx.type() == 1 && !fork.has(Eip.EIP_2930) || tx.type() == 2 && !london
                || tx.type() == 3 && !fork.has(Eip.EIP_4844)) {
            throw new InvalidTransactionException("transaction type " + tx.type() + " not supported in " + fork.testName());
        }
        BigInteger gasLimitBig = tx.gasLimit().toBigInteger();
        if (gasLimitBig.compareTo(BigInteger.valueOf(block.gasLimit())) > 0) {
            throw new InvalidTransactionException("gas limit " + gasLimitBig + " above block gas limit " + block.gasLimit());
        }
        long gasLimit = gasLimitBig.longValueExact();
        long intrinsic = intrinsicGas(tx);
        if (gasLimit < intrinsic) {
            throw new InvalidTransactionException("intrinsic gas too low: have " + gasLimit + ", need " + intrinsic);
        }
        if (tx.nonce().toBigInteger().compareTo(TWO_64.subtract(BigInteger.ONE)) >= 0) {
            throw new InvalidTransactionException("nonce at or above 2^64-1 (EIP-2681)");
        }
        long nonce = tx.nonce().l0();
        if (fork.has(Eip.EIP_3860) && tx.isCreate() && tx.data().length > Interpreter.MAX_INITCODE_SIZE) {
            throw new InvalidTransactionException("init code larger than " + Interpreter.MAX_INITCODE_SIZE + " bytes (EIP-3860)");
        }
        BigInteger baseFee = london ? block.baseFee().toBigInteger() : BigInteger.ZERO;
        BigInteger effectiveGasPrice;
        BigInteger maxGasFee;
        if (tx.type() >= 2) {
            BigInteger maxFee = tx.maxFeePerGas().toBigInteger();
            BigInteger maxPriority = tx.maxPriorityFeePerGas().toBigInteger();
            if (maxFee.compareTo(maxPriority) < 0) {
                throw new InvalidTransactionException("max priority fee per gas above max fee per gas");
            }
            if (maxFee.compareTo(baseFee) < 0) {
                throw new InvalidTransactionException("max fee per gas below the block base fee");
            }
            effectiveGasPrice = baseFee.add(maxPriority.min(maxFee.subtract(baseFee)));
            maxGasFee = gasLimitBig.multiply(maxFee);
        } else {
            BigInteger price = tx.gasPrice().toBigInteger();
            if (price.compareTo(baseFee) < 0) {
                throw new InvalidTransactionException("gas price below the block base fee");
            }
            effectiveGasPrice = price;
            maxGasFee = gasLimitBig.multiply(price);
        }
        BigInteger blobFee = BigInteger.ZERO;
        BigInteger blobBaseFee = fork.has(Eip.EIP_4844) ? blobBaseFee(block.excessBlobGas()) : BigInteger.ZERO;
        if (tx.type() == 3) {
            if (tx.isCreate()) {
                throw new InvalidTransactionException("blob transaction cannot create a contract");
            }
            if (tx.blobVersionedHashes().isEmpty()) {
                throw new InvalidTransactionException("blob transaction without blobs");
            }
            for (Word h : tx.blobVersionedHashes()) {
                if ((h.l3() >>> 56) != 0x01) {
                    throw new InvalidTransactionException("blob versioned hash without the KZG version byte 0x01");
                }
            }
            long blobGas = BLOB_GAS_PER_BLOB * tx.blobVersionedHashes().size();
            if (blobGas > MAX_BLOB_GAS_PER_BLOCK) {
                throw new InvalidTransactionException("too many blobs: " + tx.blobVersionedHashes().size());
            }
            BigInteger maxBlobFee = tx.maxFeePerBlobGas().toBigInteger();
            if (maxBlobFee.compareTo(blobBaseFee) < 0) {
                throw new InvalidTransactionException("max fee per blob gas below the blob base fee");
            }
            maxGasFee = maxGasFee.add(BigInteger.valueOf(blobGas).multiply(maxBlobFee));
            blobFee = BigInteger.valueOf(blobGas).multiply(blobBaseFee);
        }
        long senderNonce = state.nonce(sender);
        if (senderNonce != nonce) {
            throw new InvalidTransactionException("nonce mismatch: account has " + Long.toUnsignedString(senderNonce)
                    + ", transaction has " + Long.toUnsignedString(nonce));
        }
        BigInteger balance = state.balance(sender).toBigInteger();
        if (balance.compareTo(maxGasFee.add(tx.value().toBigInteger())) < 0) {
            throw new InvalidTransactionException("insufficient funds for gas * price + value");
        }
        if (state.code(sender).length != 0) {
            throw new InvalidTransactionException("sender has code (EIP-3607)");
        }

        // Valid: pay for gas up front and execute.
        Word price = Word.fromBigInteger(effectiveGasPrice);
        state.incrementNonce(sender);
        BigInteger upfront = gasLimitBig.multiply(effectiveGasPrice).add(blobFee);
        state.setBalance(sender, Word.fromBigInteger(balance.subtract(upfront)));

        Interpreter vm = new Interpreter(fork, block, state, sender, price, tx.blobVersionedHashes(),
                Word.fromBigInteger(blobBaseFee));
        state.warm(sender);
        for (int i = 1; i <= PrecompileRegistry.count(fork.has(Eip.EIP_4844)); i++) {
            state.warm(Address.ofLow(i));
        }
        if (fork.has(Eip.EIP_3651)) {
            state.warm(block.coinbase());
        }
        for (AccessListEntry e : tx.accessList()) {
            state.warm(e.address());
            for (Word k : e.storageKeys()) {
                state.warmSlot(e.address(), k);
            }
        }
        long gas = gasLimit - intrinsic;
        ExecResult r;
        Optional<Address> created = Optional.empty();
        if (tx.isCreate()) {
            Address target = Interpreter.createAddress(sender, nonce);
            state.warm(target);
            if (state.hasCodeNonceOrStorage(target)) {
                r = new ExecResult(false, 0, new byte[0], "address collision");
            } else {
                r = vm.create(new Message(sender, target, target, tx.value(), new byte[0], tx.data(), gas, 0, false, true));
                if (r.success()) {
                    created = Optional.of(target);
                }
            }
        } else {
            Address to = tx.to().get();
            state.warm(to);
            r = vm.call(new Message(sender, to, to, tx.value(), tx.data(), state.code(to), gas, 0, false, true));
            state.touch(to);
        }

        long gasLeft = r.gasLeft();
        long gasUsed = gasLimit - gasLeft;
        long refund = Math.min(gasUsed / fork.maxRefundQuotient(), Math.max(0, state.refund()));
        gasLeft += refund;
        gasUsed -= refund;
        state.addBalance(sender, Word.fromBigInteger(BigInteger.valueOf(gasLeft).multiply(effectiveGasPrice)));
        BigInteger priority = london ? effectiveGasPrice.subtract(baseFee) : effectiveGasPrice;
        state.addBalance(block.coinbase(), Word.fromBigInteger(BigInteger.valueOf(gasUsed).multiply(priority)));
        state.touch(block.coinbase());
        List<org.consort.evm.vm.Log> logs = r.success() ? state.logs() : List.of();
        state.finish();
        state.commit(out);
        return new TransactionResult(r.success(), gasUsed, logs, r.output(), created, r.error());
    }
}
