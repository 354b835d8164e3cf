package org.consort.bench;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.consort.common.TxId;

/**
 * The writes that one load client had acknowledged (each with its TxID and response latency,
 * and for every {@value #SAMPLE_EVERY}th its send time, to measure its commit latency), and
 * {@link #classify how they all ended}. Thread-safe.
 */
final class AckedWrites {
    /** Every this many acknowledged writes of a client, one is sampled for its commit latency. */
    static final int SAMPLE_EVERY = 8;
    /** Orders TxIDs from the earliest to the latest: by view, then by seqno. */
    static final Comparator<TxId> LATEST = Comparator.comparingLong(TxId::view).thenComparingLong(TxId::seqno);

    private long[] views = new long[4096];
    private long[] seqnos = new long[4096];
    private long[] latencies = new long[4096];
    private long[] sampleSentAt = new long[4096 / SAMPLE_EVERY];
    private int count;
    private TxId latest;

    /** Records an acknowledged write sent at {@code sentAt} (nanoTime) and answered {@code latency} ns later. */
    synchronized void add(TxId id, long sentAt, long latency) {
        if (count == views.length) {
            views = Arrays.copyOf(views, 2 * count);
            seqnos = Arrays.copyOf(seqnos, 2 * count);
            latencies = Arrays.copyOf(latencies, 2 * count);
            sampleSentAt = Arrays.copyOf(sampleSentAt, 2 * count / SAMPLE_EVERY);
        }
        views[count] = id.view();
        seqnos[count] = id.seqno();
        latencies[count] = latency;
        if (count % SAMPLE_EVERY == SAMPLE_EVERY - 1) {
            sampleSentAt[count / SAMPLE_EVERY] = sentAt;
        }
        count++;
        if (latest == null || LATEST.compare(id, latest) > 0) {
            latest = id;
        }
    }

    synchronized int count() {
        return count;
    }

    /** The last write acknowledged, if any. */
    synchronized Optional<TxId> last() {
        return count == 0 ? Optional.empty() : Optional.of(new TxId(views[count - 1], seqnos[count - 1]));
    }

    /** The latest write acknowledged (highest view, then seqno), if any. */
    synchronized Optional<TxId> latest() {
        return Optional.ofNullable(latest);
    }

    /** Receives acknowledged writes. */
    @FunctionalInterface
    interface WriteVisitor {
        void write(long view, long seqno);
    }

    /** Every acknowledged write, in the order acknowledged. */
    synchronized void forEachWrite(WriteVisitor visitor) {
        for (int i = 0; i < count; i++) {
            visitor.write(views[i], seqnos[i]);
        }
    }

    /** A sampled write: its TxID and when it was sent (nanoTime). */
    record Sample(long view, long seqno, long sentAt) {
    }

    synchronized List<Sample> samples() {
        Sample[] out = new Sample[count / SAMPLE_EVERY];
        for (int k = 0; k < out.length; k++) {
            int i = k * SAMPLE_EVERY + SAMPLE_EVERY - 1;
            out[k] = new Sample(views[i], seqnos[i], sampleSentAt[k]);
        }
        return List.of(out);
    }

    /** The response latencies (ns) of all clients' acknowledged writes, sorted. */
    static long[] sortedLatencies(List<AckedWrites> clients) {
        long[] all = new long[clients.stream().mapToInt(AckedWrites::count).sum()];
        int k = 0;
        for (AckedWrites c : clients) {
            synchronized (c) {
                int n = Math.min(c.count, all.length - k);
                System.arraycopy(c.latencies, 0, all, k, n);
                k += n;
            }
        }
        Arrays.sort(all, 0, k);
        return k == all.length ? all : Arrays.copyOf(all, k);
    }

    /** The status of a transaction as a node reports it: Unknown, Pending, Committed or Invalid. */
    interface StatusSource {
        String status(TxId id) throws Exception;
    }

    /**
     * How the acknowledged writes ended.
     *
     * @param committedThrough per view, the highest seqno of a committed acknowledged write of that view
     * @param unverified       writes of views whose statuses could not be asked
     */
    record Outcome(long committed, long pending, long invalid, long unknown, long unverified,
                   NavigableMap<Long, Long> committedThrough) {
        boolean isCommitted(long view, long seqno) {
            Long through = committedThrough.get(view);
            return through != null && seqno <= through;
        }

        /** The highest seqno of a committed acknowledged write, or -1 when none is. */
        long lastCommittedSeqno() {
            return committedThrough.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        }
    }

    /**
     * Classifies every acknowledged write by its status with a few questions per view: a node
     * reports the writes of one view, by increasing seqno, as Committed, then Pending, then
     * Invalid (from the seqno where a later view took over) or Unknown (past its last seqno),
     * so two binary searches over each view's acknowledged seqnos find the boundaries. A view
     * whose statuses cannot be asked counts as unverified.
     */
    static Outcome classify(List<AckedWrites> clients, StatusSource source) throws InterruptedException {
        Map<Long, long[]> byView = seqnosByView(clients);
        long committed = 0;
        long pending = 0;
        long invalid = 0;
        long unknown = 0;
        long unverified = 0;
        NavigableMap<Long, Long> committedThrough = new TreeMap<>();
        for (var e : byView.entrySet()) {
            long view = e.getKey();
            long[] s = e.getValue();
            Map<Integer, String> asked = new HashMap<>();
            StatusAt status = i -> {
                String known = asked.get(i);
                if (known == null) {
                    known = source.status(new TxId(view, s[i]));
                    asked.put(i, known);
                }
                return known;
            };
            try {
                int pendingFrom = firstIndex(0, s.length, i -> !status.at(i).equals("Committed"));
                int settledFrom = firstIndex(pendingFrom, s.length,
                        i -> !status.at(i).equals("Committed") && !status.at(i).equals("Pending"));
                committed += pendingFrom;
                pending += settledFrom - pendingFrom;
                if (settledFrom < s.length) {
                    if (status.at(settledFrom).equals("Invalid")) {
                        invalid += s.length - settledFrom;
                    } else {
                        unknown += s.length - settledFrom;
                    }
                }
                if (pendingFrom > 0) {
                    committedThrough.put(view, s[pendingFrom - 1]);
                }
            } catch (InterruptedException ie) {
                throw ie;
            } catch (Exception ex) {
                unverified += s.length;
            }
        }
        return new Outcome(committed, pending, invalid, unknown, unverified,
                Collections.unmodifiableNavigableMap(committedThrough));
    }

    /** Each view's acknowledged seqnos, sorted. */
    private static Map<Long, long[]> seqnosByView(List<AckedWrites> clients) {
        Map<Long, LongStream.Builder> byView = new TreeMap<>();
        for (AckedWrites c : clients) {
            synchronized (c) {
                for (int i = 0; i < c.count; i++) {
                    byView.computeIfAbsent(c.views[i], v -> LongStream.builder()).add(c.seqnos[i]);
                }
            }
        }
        Map<Long, long[]> sorted = new TreeMap<>();
        byView.forEach((view, seqnos) -> sorted.put(view, seqnos.build().sorted().toArray()));
        return sorted;
    }

    private interface StatusAt {
        String at(int i) throws Exception;
    }

    private interface IndexTest {
        boolean test(int i) throws Exception;
    }

    /** The first index in [lo, hi) that passes {@code test} (which holds from some index on), or hi. */
    private static int firstIndex(int lo, int hi, IndexTest test) throws Exception {
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (test.test(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
