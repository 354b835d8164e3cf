package org.consort.bench;

import java.util.List;
import java.util.OptionalLong;

/** A poller's record of commit progress: points {time, committed position}, both non-decreasing. */
final class CommitTimeline {
    private CommitTimeline() {
    }

    /** The time of the first point whose position is at least {@code position}, if one is. */
    static OptionalLong firstTimeReaching(List<long[]> points, long position) {
        int lo = 0;
        int hi = points.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (points.get(mid)[1] >= position) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo < points.size() ? OptionalLong.of(points.get(lo)[0]) : OptionalLong.empty();
    }
}
