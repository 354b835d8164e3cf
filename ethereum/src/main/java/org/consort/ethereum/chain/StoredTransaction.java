package org.consort.ethereum.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.rlp.RlpItem;
import org.consort.evm.tx.Bloom;
import org.consort.evm.vm.Log;

/**
 * An included transaction as the application stores it: the raw signed bytes, where it is, and
 * its receipt. Immutable.
 *
 * @param raw               the signed transaction as sent (typed envelope for types 1 and 2)
 * @param chainId           the chain id its signature commits to
 * @param type              0 legacy, 1 EIP-2930, 2 EIP-1559
 * @param blockNumber       the block that holds it
 * @param blockHash         that block's hash
 * @param index             its position in the block
 * @param hash              keccak256 of {@code raw}
 * @param sender            the recovered signer
 * @param to                the recipient, empty for a contract creation
 * @param success           receipt status 1 (else 0: reverted or halted)
 * @param gasUsed           gas this transaction used
 * @param cumulativeGasUsed gas used in the block up to and including it
 * @param effectiveGasPrice wei paid per gas
 * @param contractAddress   the contract a successful creation made
 * @param logs              its logs (none when it failed)
 * @param firstLogIndex     block-wide index of its first log
 */
public record StoredTransaction(byte[] raw, long chainId, int type, long blockNumber, byte[] blockHash, int index,
        byte[] hash, Address sender, Optional<Address> to, boolean success, long gasUsed, long cumulativeGasUsed,
        Word effectiveGasPrice, Optional<Address> contractAddress, List<Log> logs, int firstLogIndex) {

    public StoredTransaction {
        logs = List.copyOf(logs);
    }

    /** The receipt as the receipts trie holds it: type byte (typed transactions) || rlp([status, cumulative gas, bloom, logs]). */
    public byte[] receiptEnvelope() {
        byte[] body = Rlp.encodeList(Rlp.encodeLong(success ? 1 : 0), Rlp.encodeLong(cumulativeGasUsed),
                Rlp.encodeBytes(Bloom.of(logs)), Log.rlp(logs));
        if (type == 0) {
            return body;
        }
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) type;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    public byte[] encode() {
        List<byte[]> ls = new ArrayList<>(logs.size());
        for (Log l : logs) {
            ls.add(l.rlp());
        }
        return Rlp.encodeList(Fields.bytes(raw), Fields.uint(chainId), Fields.uint(type), Fields.uint(blockNumber),
                Fields.bytes(blockHash), Fields.uint(index), Fields.bytes(hash), Fields.bytes(sender.toBytes()),
                Fields.bytes(to.map(Address::toBytes).orElse(new byte[0])), Fields.uint(success ? 1 : 0),
                Fields.uint(gasUsed), Fields.uint(cumulativeGasUsed), Fields.word(effectiveGasPrice),
                Fields.bytes(contractAddress.map(Address::toBytes).orElse(new byte[0])), Rlp.encodeList(ls),
                Fields.uint(firstLogIndex));
    }

    public static StoredTransaction decode(byte[] rlp) {
        Fields f = new Fields(rlp);
        List<Log> logs = new ArrayList<>();
        for (RlpItem item : f.list(14)) {
            Fields l = new Fields(item);
            List<Word> topics = new ArrayList<>();
            for (RlpItem t : l.list(1)) {
                topics.add(Word.fromBytes(t.bytes()));
            }
            logs.add(new Log(l.address(0), topics, l.bytes(2)));
        }
        return new StoredTransaction(f.bytes(0), f.uint64(1), (int) f.uint64(2), f.uint64(3), f.bytes(4),
                (int) f.uint64(5), f.bytes(6), f.address(7), optionalAddress(f.bytes(8)), f.uint64(9) == 1,
                f.uint64(10), f.uint64(11), f.word(12), optionalAddress(f.bytes(13)), logs, (int) f.uint64(15));
    }

    private static Optional<Address> optionalAddress(byte[] b) {
        return b.length == 0 ? Optional.empty() : Optional.of(Address.wrap(b));
    }

    /** The contract whose rules decide who may see this transaction: its recipient or the contract it created. */
    public Optional<Address> target() {
        return to.isPresent() ? to : contractAddress;
    }
}
