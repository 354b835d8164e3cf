package org.consort.ethereum.rpc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.consort.ethereum.JsonSupport;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.chain.StoredTransaction;
import org.consort.evm.Word;
import org.consort.evm.fork.Eip;
import org.consort.evm.trie.MerklePatriciaTrie;
import org.consort.evm.tx.AccessListEntry;
import org.consort.evm.tx.Bloom;
import org.consort.evm.tx.RawTransactions;
import org.consort.evm.tx.SignedTransaction;
import org.consort.evm.tx.Transaction;
import org.consort.evm.tx.TransactionRejectedException;
import org.consort.evm.vm.Log;

/** The JSON shapes of blocks, transactions, receipts and logs, as Ethereum clients read them. Stateless. */
public final class Views {
    private Views() {
    }

    static ObjectNode object() {
        return JsonSupport.MAPPER.createObjectNode();
    }

    /**
     * A block as {@code eth_getBlockBy*} answers it, showing only {@code visible} transactions (hashes, or
     * full objects when {@code full}) and the bloom of {@code visibleLogs}.
     */
    public static ObjectNode block(StoredBlock b, List<StoredTransaction> visible, boolean full, List<Log> visibleLogs) {
        ObjectNode o = object();
        if (b.fork().has(Eip.EIP_1559)) {
            o.put("baseFeePerGas", Hex.quantity(b.baseFee()));
        }
        if (b.fork().has(Eip.EIP_4844)) {
            o.put("blobGasUsed", "0x0");
            o.put("excessBlobGas", "0x0");
            o.put("parentBeaconBlockRoot", Hex.data(StoredBlock.ZERO_HASH));
        }
        o.put("difficulty", "0x0");
        o.put("extraData", "0x");
        o.put("gasLimit", Hex.quantity(b.gasLimit()));
        o.put("gasUsed", Hex.quantity(b.gasUsed()));
        o.put("hash", Hex.data(b.hash()));
        o.put("logsBloom", Hex.data(Bloom.of(visibleLogs)));
        o.put("miner", Hex.address(b.coinbase()));
        o.put("mixHash", Hex.data(StoredBlock.ZERO_HASH));
        o.put("nonce", "0x0000000000000000");
        o.put("number", Hex.quantity(b.number()));
        o.put("parentHash", Hex.data(b.parentHash()));
        o.put("receiptsRoot", Hex.data(b.receiptsRoot()));
        o.put("sha3Uncles", Hex.data(StoredBlock.EMPTY_OMMERS_HASH));
        o.put("size", Hex.quantity(b.sizeBytes()));
        o.put("stateRoot", Hex.data(StoredBlock.ZERO_HASH));
        o.put("timestamp", Hex.quantity(b.timestamp()));
        o.put("totalDifficulty", "0x0");
        ArrayNode txs = o.putArray("transactions");
        for (StoredTransaction t : visible) {
            if (full) {
                txs.add(transaction(t));
            } else {
                txs.add(Hex.data(t.hash()));
            }
        }
        o.put("transactionsRoot", Hex.data(b.transactionsRoot()));
        o.putArray("uncles");
        if (b.fork().has(Eip.EIP_4895)) {
            o.putArray("withdrawals");
            o.put("withdrawalsRoot", Hex.data(MerklePatriciaTrie.EMPTY_ROOT));
        }
        return o;
    }

    /**
     * The decoded signed transaction of a stored one (valid when it was included, under its
     * block's fork: the newest fork that accepts it is tried first).
     */
    static SignedTransaction decode(StoredTransaction t) {
        org.consort.evm.fork.Fork[] forks = org.consort.evm.fork.Fork.values();
        TransactionRejectedException last = null;
        for (int i = forks.length - 1; i >= 0; i--) {
            try {
                return RawTransactions.decode(t.raw(), forks[i], t.chainId());
            } catch (TransactionRejectedException e) {
                last = e;
            }
        }
        throw new IllegalStateException("stored transaction " + Hex.data(t.hash()) + " no longer decodes: "
                + last.getMessage(), last);
    }

    public static ObjectNode transaction(StoredTransaction t) {
        SignedTransaction s = decode(t);
        Transaction tx = s.transaction();
        ObjectNode o = object();
        o.put("blockHash", Hex.data(t.blockHash()));
        o.put("blockNumber", Hex.quantity(t.blockNumber()));
        o.put("from", Hex.address(t.sender()));
        o.put("gas", Hex.quantity(tx.gasLimit()));
        if (tx.type() >= 2) {
            o.put("gasPrice", Hex.quantity(t.effectiveGasPrice()));
            o.put("maxFeePerGas", Hex.quantity(tx.maxFeePerGas()));
            o.put("maxPriorityFeePerGas", Hex.quantity(tx.maxPriorityFeePerGas()));
        } else {
            o.put("gasPrice", Hex.quantity(tx.gasPrice()));
        }
        o.put("hash", Hex.data(t.hash()));
        o.put("input", Hex.data(tx.data()));
        o.put("nonce", Hex.quantity(tx.nonce()));
        if (tx.to().isPresent()) {
            o.put("to", Hex.address(tx.to().get()));
        } else {
            o.putNull("to");
        }
        o.put("transactionIndex", Hex.quantity(t.index()));
        o.put("value", Hex.quantity(tx.value()));
        o.put("type", Hex.quantity(tx.type()));
        if (tx.type() >= 1) {
            ArrayNode al = o.putArray("accessList");
            for (AccessListEntry e : tx.accessList()) {
                ObjectNode eo = al.addObject();
                eo.put("address", Hex.address(e.address()));
                ArrayNode keys = eo.putArray("storageKeys");
                e.storageKeys().forEach(k -> keys.add(Hex.data(k.toBytes())));
            }
        }
        if (s.chainId().isPresent()) {
            o.put("chainId", Hex.quantity(s.chainId().getAsLong()));
        }
        o.put("v", Hex.quantity(s.v()));
        o.put("r", Hex.quantity(s.r()));
        o.put("s", Hex.quantity(s.s()));
        if (tx.type() >= 1) {
            o.put("yParity", Hex.quantity(s.v()));
        }
        return o;
    }

    /** A receipt showing {@code visibleLogs} (all of them for the sender). */
    public static ObjectNode receipt(StoredTransaction t, List<IndexedLog> visibleLogs) {
        ObjectNode o = object();
        o.put("blockHash", Hex.data(t.blockHash()));
        o.put("blockNumber", Hex.quantity(t.blockNumber()));
        if (t.contractAddress().isPresent()) {
            o.put("contractAddress", Hex.address(t.contractAddress().get()));
        } else {
            o.putNull("contractAddress");
        }
        o.put("cumulativeGasUsed", Hex.quantity(t.cumulativeGasUsed()));
        o.put("effectiveGasPrice", Hex.quantity(t.effectiveGasPrice()));
        o.put("from", Hex.address(t.sender()));
        o.put("gasUsed", Hex.quantity(t.gasUsed()));
        ArrayNode logs = o.putArray("logs");
        List<Log> plain = new ArrayList<>();
        for (IndexedLog l : visibleLogs) {
            logs.add(log(l));
            plain.add(l.log());
        }
        o.put("logsBloom", Hex.data(Bloom.of(plain)));
        o.put("status", t.success() ? "0x1" : "0x0");
        if (t.to().isPresent()) {
            o.put("to", Hex.address(t.to().get()));
        } else {
            o.putNull("to");
        }
        o.put("transactionHash", Hex.data(t.hash()));
        o.put("transactionIndex", Hex.quantity(t.index()));
        o.put("type", Hex.quantity(t.type()));
        return o;
    }

    public static ObjectNode log(IndexedLog l) {
        StoredTransaction t = l.transaction();
        Log log = l.log();
        ObjectNode o = object();
        o.put("address", Hex.address(log.address()));
        ArrayNode topics = o.putArray("topics");
        for (Word w : log.topics()) {
            topics.add(Hex.data(w.toBytes()));
        }
        o.put("data", Hex.data(log.data()));
        o.put("blockNumber", Hex.quantity(t.blockNumber()));
        o.put("blockHash", Hex.data(t.blockHash()));
        o.put("transactionHash", Hex.data(t.hash()));
        o.put("transactionIndex", Hex.quantity(t.index()));
        o.put("logIndex", Hex.quantity(l.logIndex()));
        o.put("removed", false);
        return o;
    }
}
