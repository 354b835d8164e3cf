package org.consort.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run committed in each second since its start, for a chart over time: second {@code k}
 * (from 1) covers {@code [start + (k-1) s, start + k s)}; it holds the number of operations
 * committed in it and the p50/p99 commit latency of the operations committed in it (of those
 * whose latency was recorded: a load generator may sample). Operations are placed by their
 * commit time, so a stall shows as seconds with few commits followed by one with many commits of
 * high latency. Not thread-safe.
 */
final class PerSecondTimeline {
    private static final long SECOND = 1_000_000_000L;

    /** One second of the timeline; the latencies are null when no latency was recorded in it. */
    record Second(int second, long committed, Double commitLatencyMsP50, Double commitLatencyMsP99, int latencySamples) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("second", second);
            m.put("committed", committed);
            m.put("commitLatencyMsP50", commitLatencyMsP50);
            m.put("commitLatencyMsP99", commitLatencyMsP99);
            m.put("latencySamples", latencySamples);
            return m;
        }
    }

    private final long startNanos;
    private long[] counts = new long[64];
    private long[] latencyAt = new long[1024];
    private long[] latency = new long[1024];
    private int latencies;
    private int lastIndex = -1;

    /** @param startNanos the start of second 1 ({@link System#nanoTime}) */
    PerSecondTimeline(long startNanos) {
        this.startNanos = startNanos;
    }

    /** The second's index (0-based) of a time; times before the start count in the first second. */
    private int index(long atNanos) {
        long i = Math.floorDiv(atNanos - startNanos, SECOND);
        if (i > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("a time " + i + " s after the start");
        }
        return (int) Math.max(0, i);
    }

    /** An operation committed at {@code atNanos}, latency not recorded. */
    void committed(long atNanos) {
        int i = index(atNanos);
        if (i >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(2 * counts.length, i + 1));
        }
        counts[i]++;
        lastIndex = Math.max(lastIndex, i);
    }

    /** A commit latency ({@code latencyNanos}) of an operation committed at {@code atNanos}, not counted as committed. */
    void latency(long atNanos, long latencyNanos) {
        if (latencies == latency.length) {
            latency = Arrays.copyOf(latency, 2 * latencies);
            latencyAt = Arrays.copyOf(latencyAt, 2 * latencies);
        }
        latencyAt[latencies] = atNanos;
        latency[latencies++] = latencyNanos;
        lastIndex = Math.max(lastIndex, index(atNanos));
    }

    /** An operation committed at {@code atNanos}, {@code latencyNanos} after it was sent. */
    void committed(long atNanos, long latencyNanos) {
        committed(atNanos);
        latency(atNanos, latencyNanos);
    }

    /** Every second from the first to the last one with a commit or latency, empty ones included. */
    List<Second> seconds() {
        int n = lastIndex + 1;
        long[][] bySecond = new long[n][];
        int[] sizes = new int[n];
        for (int k = 0; k < latencies; k++) {
            sizes[index(latencyAt[k])]++;
        }
        for (int i = 0; i < n; i++) {
            bySecond[i] = new long[sizes[i]];
            sizes[i] = 0;
        }
        for (int k = 0; k < latencies; k++) {
            int i = index(latencyAt[k]);
            bySecond[i][sizes[i]++] = latency[k];
        }
        List<Second> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long[] l = bySecond[i];
            Arrays.sort(l);
            out.add(new Second(i + 1, i < counts.length ? counts[i] : 0, l.length == 0 ? null : percentileMs(l, 50),
                    l.length == 0 ? null : percentileMs(l, 99), l.length));
        }
        return out;
    }

    /** {@link #seconds} as JSON-ready maps (second, committed, commitLatencyMsP50, commitLatencyMsP99, latencySamples). */
    List<Map<String, Object>> toJson() {
        return seconds().stream().map(Second::toJson).toList();
    }

    /** The {@code p}th percentile of sorted nanoseconds, in milliseconds with two decimals. */
    static double percentileMs(long[] sorted, double p) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 10_000.0) / 100.0;
    }
}
