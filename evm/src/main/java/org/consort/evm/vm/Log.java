package org.consort.evm.vm;

import java.util.ArrayList;
import java.util.List;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;

/** A log entry emitted by LOG0..LOG4. Immutable. */
public record Log(Address address, List<Word> topics, byte[] data) {
    public Log {
        topics = List.copyOf(topics);
    }

    /** RLP of [address, [topics...], data], as in receipts. */
    public byte[] rlp() {
        List<byte[]> t = new ArrayList<>(topics.size());
        for (Word w : topics) {
            t.add(Rlp.encodeBytes(w.toBytes()));
        }
        return Rlp.encodeList(Rlp.encodeBytes(address.toBytes()), Rlp.encodeList(t), Rlp.encodeBytes(data));
    }

    /** RLP of a list of logs. */
    public static byte[] rlp(List<Log> logs) {
        List<byte[]> items = new ArrayList<>(logs.size());
        for (Log l : logs) {
            items.add(l.rlp());
        }
        return Rlp.encodeList(items);
    }
}
