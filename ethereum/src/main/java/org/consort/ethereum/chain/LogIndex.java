package org.consort.ethereum.chain;

import java.util.List;
import java.util.PriorityQueue;
import org.consort.ethereum.EthereumMaps;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.kv.MapName;
import org.consort.kv.MapReader;
import org.consort.kv.MapWriter;
import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;

/**
 * Indexes of logs by emitting address and by topic at each position, kept on the store in the
 * same transaction as the block that holds the logs (so they are replicated, encrypted and
 * restored with everything else, and never disagree with the blocks).
 *
 * <p>Each indexed value (an address, or a topic at a position) has a dense sequence of entries
 * {@code key || n → LogPointer}, n = 0, 1, ..., in block order, and a count. The store has only
 * point reads, so a block range is found by binary search on n: a query costs
 * O(log(count) + matches) reads, whatever the chain's length.
 */
public final class LogIndex {
    private LogIndex() {
    }

    /** Adds {@code pointer} for the log's address and each of its topics. Runs inside the block's transaction. */
    public static void add(WriteTx tx, Address address, List<Word> topics, LogPointer pointer) {
        append(tx, EthereumMaps.LOGS_BY_ADDRESS, EthereumMaps.LOGS_BY_ADDRESS_COUNT, address.toBytes(), pointer);
        for (int i = 0; i < topics.size(); i++) {
            append(tx, EthereumMaps.LOGS_BY_TOPIC, EthereumMaps.LOGS_BY_TOPIC_COUNT, topicKey(i, topics.get(i)), pointer);
        }
    }

    private static void append(WriteTx tx, MapName<byte[], byte[]> entries, MapName<byte[], Long> counts, byte[] key,
            LogPointer pointer) {
        MapWriter<byte[], Long> c = tx.write(counts);
        long n = c.get(key).orElse(0L);
        tx.write(entries).put(entryKey(key, n), pointer.encode());
        c.put(key, n + 1);
    }

    static byte[] topicKey(int position, Word topic) {
        byte[] k = new byte[33];
        k[0] = (byte) position;
        System.arraycopy(topic.toBytes(), 0, k, 1, 32);
        return k;
    }

    private static byte[] entryKey(byte[] key, long n) {
        byte[] k = java.util.Arrays.copyOf(key, key.length + 8);
        for (int i = 0; i < 8; i++) {
            k[key.length + i] = (byte) (n >>> (56 - 8 * i));
        }
        return k;
    }

    /** One indexed value's entries within a block range: a cursor over {@code [from, end)}. */
    public static final class Sequence {
        private final MapReader<byte[], byte[]> entries;
        private final byte[] key;
        private long next;
        private final long end;
        private final long toBlock;
        private LogPointer current;

        private Sequence(MapReader<byte[], byte[]> entries, byte[] key, long from, long end, long toBlock) {
            this.entries = entries;
            this.key = key;
            this.next = from;
            this.end = end;
            this.toBlock = toBlock;
            advance();
        }

        private void advance() {
            current = null;
            if (next < end) {
                LogPointer p = read(entries, key, next++);
                if (p.blockNumber() <= toBlock) {
                    current = p;
                }
            }
        }

        /** An upper bound of the entries left (those after toBlock are cut off lazily). */
        public long sizeBound() {
            return current == null ? 0 : end - next + 1;
        }
    }

    private static LogPointer read(MapReader<byte[], byte[]> entries, byte[] key, long n) {
        return LogPointer.decode(entries.get(entryKey(key, n)).orElseThrow(() ->
                new IllegalStateException("log index entry " + n + " is missing")));
    }

    /** The entries of {@code address} in blocks {@code fromBlock..toBlock}. */
    public static Sequence byAddress(ReadTx tx, Address address, long fromBlock, long toBlock) {
        return sequence(tx, EthereumMaps.LOGS_BY_ADDRESS, EthereumMaps.LOGS_BY_ADDRESS_COUNT, address.toBytes(),
                fromBlock, toBlock);
    }

    /** The entries of {@code topic} at {@code position} in blocks {@code fromBlock..toBlock}. */
    public static Sequence byTopic(ReadTx tx, int position, Word topic, long fromBlock, long toBlock) {
        return sequence(tx, EthereumMaps.LOGS_BY_TOPIC, EthereumMaps.LOGS_BY_TOPIC_COUNT, topicKey(position, topic),
                fromBlock, toBlock);
    }

    private static Sequence sequence(ReadTx tx, MapName<byte[], byte[]> entriesMap, MapName<byte[], Long> counts,
            byte[] key, long fromBlock, long toBlock) {
        MapReader<byte[], byte[]> entries = tx.read(entriesMap);
        long count = tx.read(counts).get(key).orElse(0L);
        // Binary search: the first n whose block is >= fromBlock.
        long lo = 0;
        long hi = count;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (read(entries, key, mid).blockNumber() < fromBlock) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return new Sequence(entries, key, lo, count, toBlock);
    }

    /**
     * The pointers of several sequences merged in (block, log index) order without duplicates: the
     * union of an OR list. Pulls lazily, so a caller that stops early reads no more.
     */
    public static final class Union {
        private final PriorityQueue<Sequence> heads = new PriorityQueue<>((a, b) -> a.current.compareTo(b.current));
        private LogPointer last;

        public Union(List<Sequence> sequences) {
            for (Sequence s : sequences) {
                if (s.current != null) {
                    heads.add(s);
                }
            }
        }

        public long sizeBound() {
            long n = 0;
            for (Sequence s : heads) {
                n += s.sizeBound();
            }
            return n;
        }

        /** The next pointer, or null at the end. */
        public LogPointer next() {
            while (!heads.isEmpty()) {
                Sequence s = heads.poll();
                LogPointer p = s.current;
                s.advance();
                if (s.current != null) {
                    heads.add(s);
                }
                if (last == null || p.compareTo(last) != 0) {
                    last = p;
                    return p;
                }
            }
            return null;
        }
    }
}
