package org.consort.ethereum.chain;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.consort.ethereum.EthereumMaps;
import org.consort.ethereum.NetworkSettings;
import org.consort.ethereum.state.KvWorldWriter;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.trie.MerklePatriciaTrie;
import org.consort.evm.tx.Bloom;
import org.consort.evm.tx.InvalidTransactionException;
import org.consort.evm.tx.Transaction;
import org.consort.evm.tx.TransactionProcessor;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.BlockEnv;
import org.consort.evm.vm.Log;
import org.consort.kv.WriteTx;

/**
 * Executes candidate transactions as the next block inside one Consort write transaction and
 * writes the block, its transactions, receipts and log indexes into it. A pure function of the
 * store snapshot, the candidates and the timestamp: the write path may run it again after a
 * conflict and gets the same block. Stateless and thread-safe; each call on its own transaction.
 */
public final class BlockBuilder {

    /** The outcome: the block (empty when no candidate was included) and a decision per candidate, in order. */
    public record Built(Optional<StoredBlock> block, List<Decision> decisions) {
    }

    private BlockBuilder() {
    }

    /**
     * Builds the block after the current head. Candidates run in the order given, except that one
     * whose nonce is ahead of its sender's is retried after the others (so a sender's transactions
     * that arrive out of order within a batch still go in).
     *
     * @param timestampSeconds the clock's time; the block gets at least its parent's timestamp
     */
    public static Built build(WriteTx tx, List<Candidate> candidates, long timestampSeconds) {
        ChainReader chain = new ChainReader(tx);
        NetworkSettings settings = chain.settings();
        StoredBlock parent = chain.head().orElseThrow(() -> new IllegalStateException("no genesis block in the store"));
        long number = parent.number() + 1;
        long timestamp = Math.max(timestampSeconds, parent.timestamp());
        Word baseFee = Word.fromBigInteger(settings.baseFee());
        BlockEnv env = new BlockEnv(settings.coinbase(), settings.blockGasLimit(), number, timestamp, Word.ZERO, Word.ZERO,
                baseFee, 0, Word.of(settings.chainId()),
                n -> chain.block(n).map(b -> Word.fromBytes(b.hash())).orElse(Word.ZERO));
        TransactionProcessor processor = new TransactionProcessor(settings.fork());
        KvWorldWriter world = new KvWorldWriter(tx);

        Decision[] decisions = new Decision[candidates.size()];
        List<Integer> included = new ArrayList<>();
        List<TransactionResult> results = new ArrayList<>();
        long gasUsed = 0;
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < candidates.size(); i++) {
                if (decisions[i] != null && !(decisions[i] instanceof Decision.NonceAhead)) {
                    continue;
                }
                Candidate c = candidates.get(i);
                Transaction t = c.signed().transaction();
                if (c.signed().chainId().isEmpty() || c.signed().chainId().getAsLong() != settings.chainId()) {
                    decisions[i] = new Decision.Rejected("invalid chain id for signer: have "
                            + c.signed().chainId().orElse(0) + " want " + settings.chainId());
                    continue;
                }
                long accountNonce = world.nonce(t.sender());
                long txNonce = t.nonce().l0();
                if (Long.compareUnsigned(txNonce, accountNonce) < 0) {
                    decisions[i] = new Decision.Rejected("nonce too low: next nonce " + Long.toUnsignedString(accountNonce)
                            + ", tx nonce " + Long.toUnsignedString(txNonce));
                    continue;
                }
                if (txNonce != accountNonce) {
                    decisions[i] = new Decision.NonceAhead(accountNonce);
                    continue;
                }
                long gasLimit = t.gasLimit().clampedLong();
                if (gasLimit > settings.blockGasLimit()) {
                    decisions[i] = new Decision.Rejected("exceeds block gas limit: transaction gas " + gasLimit
                            + ", block gas limit " + settings.blockGasLimit());
                    continue;
                }
                if (gasUsed + gasLimit > settings.blockGasLimit()) {
                    decisions[i] = new Decision.BlockFull();
                    continue;
                }
                try {
                    TransactionResult r = processor.process(world, world, env, t);
                    gasUsed += r.gasUsed();
                    decisions[i] = new Decision.Included(number, included.size());
                    included.add(i);
                    results.add(r);
                    progress = true;
                } catch (InvalidTransactionException e) {
                    decisions[i] = new Decision.Rejected(clientMessage(e.getMessage()));
                }
            }
        }
        List<Decision> out = List.of(decisions);
        if (included.isEmpty()) {
            return new Built(Optional.empty(), out);
        }

        // Receipts, tries and bloom, then the block, then the records that name its hash.
        List<StoredTransaction> stored = new ArrayList<>();
        MerklePatriciaTrie txTrie = new MerklePatriciaTrie();
        MerklePatriciaTrie receiptTrie = new MerklePatriciaTrie();
        List<Log> allLogs = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        long cumulative = 0;
        long txBytes = 0;
        for (int k = 0; k < included.size(); k++) {
            Candidate c = candidates.get(included.get(k));
            TransactionResult r = results.get(k);
            cumulative += r.gasUsed();
            Transaction t = c.signed().transaction();
            StoredTransaction s = new StoredTransaction(c.raw(), settings.chainId(), t.type(), number, StoredBlock.ZERO_HASH,
                    k, c.hash(), t.sender(), t.to(), r.success(), r.gasUsed(), cumulative,
                    Word.fromBigInteger(effectiveGasPrice(t, settings.baseFee())), r.contractAddress(), r.logs(),
                    allLogs.size());
            byte[] key = Rlp.encodeLong(k);
            txTrie.put(key, c.raw());
            receiptTrie.put(key, s.receiptEnvelope());
            allLogs.addAll(r.logs());
            hashes.add(c.hash());
            txBytes += c.raw().length;
            stored.add(s);
        }
        StoredBlock block = StoredBlock.create(number, parent.hash(), timestamp, settings.blockGasLimit(), cumulative,
                baseFee, txTrie.rootHash(), receiptTrie.rootHash(), Bloom.of(allLogs), settings.coinbase(),
                settings.fork(), hashes, txBytes);
        var transactions = tx.write(EthereumMaps.TRANSACTIONS);
        for (StoredTransaction s0 : stored) {
            StoredTransaction s = new StoredTransaction(s0.raw(), s0.chainId(), s0.type(), number, block.hash(),
                    s0.index(), s0.hash(), s0.sender(), s0.to(), s0.success(), s0.gasUsed(), s0.cumulativeGasUsed(),
                    s0.effectiveGasPrice(), s0.contractAddress(), s0.logs(), s0.firstLogIndex());
            transactions.put(s.hash(), s.encode());
            for (int i = 0; i < s.logs().size(); i++) {
                Log l = s.logs().get(i);
                LogIndex.add(tx, l.address(), l.topics(), new LogPointer(number, s.firstLogIndex() + i, s.hash(), i));
            }
        }
        writeBlock(tx, block);
        return new Built(Optional.of(block), out);
    }

    static void writeBlock(WriteTx tx, StoredBlock block) {
        tx.write(EthereumMaps.BLOCKS).put(block.number(), block.encode());
        tx.write(EthereumMaps.BLOCK_NUMBERS).put(block.hash(), block.number());
        tx.write(EthereumMaps.HEAD).put(EthereumMaps.HEAD_KEY, block.number());
    }

    /** What the sender pays per gas: the legacy price, or base fee plus the capped tip (EIP-1559). */
    public static BigInteger effectiveGasPrice(Transaction t, BigInteger baseFee) {
        if (t.type() >= 2) {
            BigInteger maxFee = t.maxFeePerGas().toBigInteger();
            BigInteger tip = t.maxPriorityFeePerGas().toBigInteger().min(maxFee.subtract(baseFee).max(BigInteger.ZERO));
            return baseFee.add(tip);
        }
        return t.gasPrice().toBigInteger();
    }

    /** The processor's reasons in the words Ethereum clients match on (geth's). */
    static String clientMessage(String reason) {
        if (reason.startsWith("insufficient funds")) {
            return "insufficient funds for gas * price + value";
        }
        if (reason.startsWith("intrinsic gas too low")) {
            return reason;
        }
        if (reason.contains("above block gas limit")) {
            return "exceeds block gas limit: " + reason;
        }
        if (reason.contains("below the block base fee")) {
            return "max fee per gas less than block base fee: " + reason;
        }
        if (reason.startsWith("sender has code")) {
            return "sender not an eoa: " + reason;
        }
        if (reason.startsWith("max priority fee per gas above")) {
            return "max priority fee per gas higher than max fee per gas";
        }
        return reason;
    }

    /** The genesis block: number 0, no transactions. */
    public static StoredBlock genesisBlock(NetworkSettings settings, long timestampSeconds) {
        return StoredBlock.create(0, StoredBlock.ZERO_HASH, timestampSeconds, settings.blockGasLimit(), 0,
                Word.fromBigInteger(settings.baseFee()), MerklePatriciaTrie.EMPTY_ROOT, MerklePatriciaTrie.EMPTY_ROOT,
                StoredBlock.EMPTY_BLOOM, settings.coinbase(), settings.fork(), List.of(), 0);
    }

    /** Writes genesis: the genesis block as head. */
    public static void writeGenesisBlock(WriteTx tx, StoredBlock genesis) {
        writeBlock(tx, genesis);
    }
}
