package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PerSecondTimelineTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    @Test
    void placesCommitsInTheSecondOfTheirCommitTime() {
        long start = 5 * S;
        PerSecondTimeline t = new PerSecondTimeline(start);
        t.committed(start, 100 * MS);              // second 1 (its first instant)
        t.committed(start + S - 1, 300 * MS);      // second 1 (its last instant)
        t.committed(start + S, 200 * MS);          // second 2
        t.committed(start + 3 * S + 5 * MS);       // second 4, latency not sampled
        List<PerSecondTimeline.Second> s = t.seconds();
        assertEquals(4, s.size());
        assertEquals(new PerSecondTimeline.Second(1, 2, 100.0, 300.0, 2), s.get(0));
        assertEquals(new PerSecondTimeline.Second(2, 1, 200.0, 200.0, 1), s.get(1));
        // An empty second stays in the timeline, with no latency.
        assertEquals(new PerSecondTimeline.Second(3, 0, null, null, 0), s.get(2));
        assertEquals(new PerSecondTimeline.Second(4, 1, null, null, 0), s.get(3));
    }

    @Test
    void percentilesOfOneSecond() {
        PerSecondTimeline t = new PerSecondTimeline(0);
        for (int i = 1; i <= 200; i++) {
            t.committed(S / 2, i * MS);
        }
        PerSecondTimeline.Second s = t.seconds().get(0);
        assertEquals(200, s.committed());
        assertEquals(100.0, s.commitLatencyMsP50());
        assertEquals(198.0, s.commitLatencyMsP99());
    }

    @Test
    void samplesOnlyLatenciesAndEarlyTimes() {
        PerSecondTimeline t = new PerSecondTimeline(10 * S);
        t.committed(9 * S);                        // before the start: the first second
        t.latency(12 * S + 1, 42 * MS);            // a sampled latency, not a count
        List<PerSecondTimeline.Second> s = t.seconds();
        assertEquals(3, s.size());
        assertEquals(1, s.get(0).committed());
        assertEquals(0, s.get(2).committed());
        assertEquals(42.0, s.get(2).commitLatencyMsP99());
        Map<String, Object> json = t.toJson().get(1);
        assertEquals(2, json.get("second"));
        assertNull(json.get("commitLatencyMsP50"));
        assertTrue(json.containsKey("commitLatencyMsP50"));
    }

    @Test
    void growsBeyondItsFirstArrays() {
        PerSecondTimeline t = new PerSecondTimeline(0);
        for (int i = 0; i < 5_000; i++) {
            t.committed((i % 100) * S, MS);
        }
        assertEquals(100, t.seconds().size());
        assertTrue(t.seconds().stream().allMatch(x -> x.committed() == 50 && x.latencySamples() == 50));
        assertTrue(new PerSecondTimeline(0).seconds().isEmpty());
    }
}
