package org.consort.ethereum.rpc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.consort.ethereum.access.Visibility;
import org.consort.ethereum.chain.ChainReader;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.LogIndex;
import org.consort.ethereum.chain.LogPointer;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.evm.Address;
import org.consort.evm.Word;

/**
 * Finds the logs of a block range that match criteria and that the caller may see. Uses the most
 * selective index (the address list or one topic position's alternatives, whichever has fewer
 * entries in range); without addresses or topics it reads the blocks themselves. Stateless.
 */
public final class LogFinder {
    private LogFinder() {
    }

    /**
     * @throws RpcError -32005 when more than {@code resultsMax} logs match
     */
    public static List<IndexedLog> find(ChainReader chain, long fromBlock, long toBlock, LogCriteria criteria,
            Visibility visibility, int resultsMax) {
        List<IndexedLog> out = new ArrayList<>();
        if (fromBlock > toBlock) {
            return out;
        }
        LogIndex.Union best = null;
        long bestSize = Long.MAX_VALUE;
        if (!criteria.addresses().isEmpty()) {
            List<LogIndex.Sequence> seqs = new ArrayList<>();
            for (Address a : criteria.addresses()) {
                seqs.add(LogIndex.byAddress(chain.tx(), a, fromBlock, toBlock));
            }
            best = new LogIndex.Union(seqs);
            bestSize = best.sizeBound();
        }
        for (int i = 0; i < criteria.topics().size(); i++) {
            Set<Word> values = criteria.topics().get(i);
            if (values == null) {
                continue;
            }
            List<LogIndex.Sequence> seqs = new ArrayList<>();
            for (Word w : values) {
                seqs.add(LogIndex.byTopic(chain.tx(), i, w, fromBlock, toBlock));
            }
            LogIndex.Union u = new LogIndex.Union(seqs);
            if (u.sizeBound() < bestSize) {
                best = u;
                bestSize = u.sizeBound();
            }
        }
        if (best != null) {
            for (LogPointer p = best.next(); p != null; p = best.next()) {
                IndexedLog l = chain.log(p).orElseThrow(() -> new IllegalStateException("indexed log is missing"));
                offer(l, criteria, visibility, out, resultsMax);
            }
            return out;
        }
        for (long n = fromBlock; n <= toBlock; n++) {
            StoredBlock b = chain.block(n).orElse(null);
            if (b == null) {
                break;
            }
            for (IndexedLog l : chain.logsOf(b)) {
                offer(l, criteria, visibility, out, resultsMax);
            }
        }
        return out;
    }

    private static void offer(IndexedLog l, LogCriteria criteria, Visibility visibility, List<IndexedLog> out, int max) {
        if (criteria.matches(l.log()) && visibility.canSee(l)) {
            if (out.size() >= max) {
                throw new RpcError(RpcError.LIMIT_EXCEEDED, "query returned more than " + max
                        + " results (logsResultsMax); narrow the block range or the criteria");
            }
            out.add(l);
        }
    }
}
