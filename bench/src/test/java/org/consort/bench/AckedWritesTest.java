package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;

class AckedWritesTest {
    /** The node's rule (ViewHistory.status) for a history of views starting at given seqnos. */
    private static String status(TxId id, TreeMap<Long, Long> viewByStart, long currentView, long lastSeqno, long committed) {
        if (id.seqno() == 0 || id.view() == 0) {
            return "Invalid";
        }
        if (id.view() > currentView) {
            return "Unknown";
        }
        if (id.seqno() > lastSeqno) {
            return id.view() < currentView ? "Invalid" : "Unknown";
        }
        if (viewByStart.floorEntry(id.seqno()).getValue() != id.view()) {
            return "Invalid";
        }
        return id.seqno() <= committed ? "Committed" : "Pending";
    }

    @Test
    void classifiesEveryAcknowledgedWriteWithFewQuestions() throws Exception {
        // View 1 acknowledged 1..100 but only 1..60 were committed when view 2 took over at 61;
        // view 2 acknowledged 61..150, committed up to 140; one write of a view 3 nobody knows yet.
        TreeMap<Long, Long> history = new TreeMap<>(Map.of(1L, 1L, 61L, 2L));
        AckedWrites a = new AckedWrites();
        AckedWrites b = new AckedWrites();
        for (long s = 1; s <= 100; s++) {
            (s % 2 == 0 ? a : b).add(new TxId(1, s), 0, 1);
        }
        for (long s = 61; s <= 150; s++) {
            (s % 3 == 0 ? a : b).add(new TxId(2, s), 0, 1);
        }
        b.add(new TxId(3, 200), 0, 1);
        AtomicInteger questions = new AtomicInteger();
        AckedWrites.Outcome o = AckedWrites.classify(List.of(a, b), id -> {
            questions.incrementAndGet();
            return status(id, history, 2, 150, 140);
        });
        assertEquals(60 + 80, o.committed());
        assertEquals(40, o.invalid());
        assertEquals(10, o.pending());
        assertEquals(1, o.unknown());
        assertEquals(0, o.unverified());
        assertTrue(o.isCommitted(1, 60));
        assertFalse(o.isCommitted(1, 61));
        assertTrue(o.isCommitted(2, 140));
        assertFalse(o.isCommitted(2, 141));
        assertEquals(140, o.lastCommittedSeqno());
        assertTrue(questions.get() <= 3 * 20, "asked " + questions.get() + " questions");
        assertEquals(new TxId(3, 200), b.latest().orElseThrow());
        assertEquals(new TxId(3, 200), b.last().orElseThrow());
    }

    @Test
    void aViewThatCannotBeAskedIsUnverified() throws Exception {
        AckedWrites a = new AckedWrites();
        for (long s = 1; s <= 20; s++) {
            a.add(new TxId(4, s), 0, 1);
        }
        AckedWrites.Outcome o = AckedWrites.classify(List.of(a), id -> {
            throw new java.io.IOException("no primary");
        });
        assertEquals(20, o.unverified());
        assertEquals(0, o.committed());
        assertEquals(-1, o.lastCommittedSeqno());
    }

    @Test
    void samplesEveryEighthWriteAndSortsLatencies() {
        AckedWrites a = new AckedWrites();
        for (int i = 1; i <= 10_000; i++) {
            a.add(new TxId(1, i), 1000L * i, 10_001 - i);
        }
        List<AckedWrites.Sample> samples = a.samples();
        assertEquals(10_000 / AckedWrites.SAMPLE_EVERY, samples.size());
        assertEquals(new AckedWrites.Sample(1, 8, 8000), samples.get(0));
        long[] latencies = AckedWrites.sortedLatencies(List.of(a, new AckedWrites()));
        assertEquals(10_000, latencies.length);
        assertEquals(1, latencies[0]);
        assertEquals(10_000, latencies[9_999]);
    }

    @Test
    void visitsEveryWriteInTheOrderAcknowledged() {
        AckedWrites a = new AckedWrites();
        for (long s = 1; s <= 5000; s++) {
            a.add(new TxId(s <= 4000 ? 1 : 2, s), s, 1);
        }
        List<long[]> seen = new java.util.ArrayList<>();
        a.forEachWrite((view, seqno) -> seen.add(new long[] {view, seqno}));
        assertEquals(5000, seen.size());
        assertEquals(1, seen.get(0)[1]);
        assertEquals(2, seen.get(4999)[0]);
        assertEquals(5000, seen.get(4999)[1]);
    }
}
