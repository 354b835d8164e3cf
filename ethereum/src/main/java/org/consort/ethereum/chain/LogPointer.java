package org.consort.ethereum.chain;

import org.consort.evm.rlp.Rlp;

/**
 * Where one log is: block, block-wide log index, transaction and position within the
 * transaction's logs. What the log indexes store. Immutable.
 */
public record LogPointer(long blockNumber, int logIndex, byte[] transactionHash, int logIndexInTransaction)
        implements Comparable<LogPointer> {

    public byte[] encode() {
        return Rlp.encodeList(Fields.uint(blockNumber), Fields.uint(logIndex), Fields.bytes(transactionHash),
                Fields.uint(logIndexInTransaction));
    }

    public static LogPointer decode(byte[] rlp) {
        Fields f = new Fields(rlp);
        return new LogPointer(f.uint64(0), (int) f.uint64(1), f.bytes(2), (int) f.uint64(3));
    }

    @Override
    public int compareTo(LogPointer o) {
        int c = Long.compare(blockNumber, o.blockNumber);
        return c != 0 ? c : Integer.compare(logIndex, o.logIndex);
    }
}
