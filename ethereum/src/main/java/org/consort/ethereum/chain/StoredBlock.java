package org.consort.ethereum.chain;

import java.util.ArrayList;
import java.util.List;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Eip;
import org.consort.evm.fork.Fork;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.rlp.RlpItem;
import org.consort.evm.trie.MerklePatriciaTrie;

/**
 * One Ethereum block as the application stores it: the header fields, the real logs bloom
 * (private, used to answer each caller with the bloom of what it may see) and the hashes of its
 * transactions in order. Immutable.
 *
 * <p>The block hash is keccak256 of the RLP header in Ethereum's layout for the block's fork,
 * with {@code stateRoot} zero (Consort's integrity is its ledger Merkle tree, not a state trie)
 * and {@code logsBloom} zero (a bloom would tell every user which contracts and topics a block
 * touched). {@code transactionsRoot} and {@code receiptsRoot} are the real tries.
 */
public record StoredBlock(long number, byte[] parentHash, long timestamp, long gasLimit, long gasUsed, Word baseFee,
        byte[] transactionsRoot, byte[] receiptsRoot, byte[] logsBloom, Address coinbase, Fork fork,
        List<byte[]> transactionHashes, long sizeBytes, byte[] hash) {

    public static final byte[] ZERO_HASH = new byte[32];
    public static final byte[] EMPTY_BLOOM = new byte[256];
    /** keccak256(rlp([])): the hash of an empty ommers list. */
    public static final byte[] EMPTY_OMMERS_HASH = Hashes.keccak256(Rlp.encodeList());

    public StoredBlock {
        transactionHashes = List.copyOf(transactionHashes);
    }

    /** A block with its hash computed from the other fields. */
    public static StoredBlock create(long number, byte[] parentHash, long timestamp, long gasLimit, long gasUsed,
            Word baseFee, byte[] transactionsRoot, byte[] receiptsRoot, byte[] logsBloom, Address coinbase, Fork fork,
            List<byte[]> transactionHashes, long transactionBytes) {
        byte[] header = headerRlp(number, parentHash, timestamp, gasLimit, gasUsed, baseFee, transactionsRoot,
                receiptsRoot, coinbase, fork);
        long size = header.length + transactionBytes + 8;
        return new StoredBlock(number, parentHash, timestamp, gasLimit, gasUsed, baseFee, transactionsRoot,
                receiptsRoot, logsBloom, coinbase, fork, transactionHashes, size, Hashes.keccak256(header));
    }

    /** The header in Ethereum's RLP layout for {@code fork} (Berlin .. Cancun fields). */
    static byte[] headerRlp(long number, byte[] parentHash, long timestamp, long gasLimit, long gasUsed, Word baseFee,
            byte[] transactionsRoot, byte[] receiptsRoot, Address coinbase, Fork fork) {
        List<byte[]> f = new ArrayList<>();
        f.add(Rlp.encodeBytes(parentHash));
        f.add(Rlp.encodeBytes(EMPTY_OMMERS_HASH));
        f.add(Rlp.encodeBytes(coinbase.toBytes()));
        f.add(Rlp.encodeBytes(ZERO_HASH));
        f.add(Rlp.encodeBytes(transactionsRoot));
        f.add(Rlp.encodeBytes(receiptsRoot));
        f.add(Rlp.encodeBytes(EMPTY_BLOOM));
        f.add(Rlp.encodeLong(0));
        f.add(Rlp.encodeLong(number));
        f.add(Rlp.encodeLong(gasLimit));
        f.add(Rlp.encodeLong(gasUsed));
        f.add(Rlp.encodeLong(timestamp));
        f.add(Rlp.encodeBytes(new byte[0]));
        f.add(Rlp.encodeBytes(ZERO_HASH));
        f.add(Rlp.encodeBytes(new byte[8]));
        if (fork.has(Eip.EIP_1559)) {
            f.add(Fields.word(baseFee));
        }
        if (fork.has(Eip.EIP_4895)) {
            f.add(Rlp.encodeBytes(MerklePatriciaTrie.EMPTY_ROOT));
        }
        if (fork.has(Eip.EIP_4844)) {
            f.add(Rlp.encodeLong(0));
            f.add(Rlp.encodeLong(0));
            f.add(Rlp.encodeBytes(ZERO_HASH));
        }
        return Rlp.encodeList(f);
    }

    public byte[] encode() {
        List<byte[]> hashes = new ArrayList<>(transactionHashes.size());
        transactionHashes.forEach(h -> hashes.add(Rlp.encodeBytes(h)));
        return Rlp.encodeList(Fields.uint(number), Fields.bytes(parentHash), Fields.uint(timestamp), Fields.uint(gasLimit),
                Fields.uint(gasUsed), Fields.word(baseFee), Fields.bytes(transactionsRoot), Fields.bytes(receiptsRoot),
                Fields.bytes(logsBloom), Fields.bytes(coinbase.toBytes()), Fields.text(fork.name()), Rlp.encodeList(hashes),
                Fields.uint(sizeBytes), Fields.bytes(hash));
    }

    public static StoredBlock decode(byte[] rlp) {
        Fields f = new Fields(rlp);
        List<byte[]> hashes = new ArrayList<>();
        for (RlpItem i : f.list(11)) {
            hashes.add(i.bytes());
        }
        return new StoredBlock(f.uint64(0), f.bytes(1), f.uint64(2), f.uint64(3), f.uint64(4), f.word(5), f.bytes(6),
                f.bytes(7), f.bytes(8), f.address(9), Fork.valueOf(f.text(10)), hashes, f.uint64(12), f.bytes(13));
    }
}
