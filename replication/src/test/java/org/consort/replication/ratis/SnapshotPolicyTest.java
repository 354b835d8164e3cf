package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SnapshotPolicyTest {
    /** Draws {@code value} every time (nextDouble(bound) of the default method scales nextDouble()). */
    private static java.util.random.RandomGenerator fixed(double value) {
        return new java.util.random.RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble(double bound) {
                return value;
            }
        };
    }

    @Test
    void theFirstSnapshotIsDueAfterTheStaggeredNumberOfBatches() {
        SnapshotPolicy p = new SnapshotPolicy(100, fixed(0.25));
        assertThat(p.due(124)).isFalse();
        assertThat(p.due(125)).isTrue();
    }

    @Test
    void aLargeStoreWaitsForAsMuchLogAsItsLastSnapshotHeld() {
        SnapshotPolicy p = new SnapshotPolicy(10, fixed(0));
        p.started();
        p.written(1_000_000);
        for (int i = 0; i < 99; i++) {
            p.applied(10_000);
        }
        assertThat(p.due(1_000)).as("990,000 bytes of log after a snapshot of 1,000,000").isFalse();
        p.applied(10_000);
        assertThat(p.due(1_000)).isTrue();
    }

    @Test
    void batchesAppliedWhileASnapshotIsWrittenCountTowardsTheNext() {
        SnapshotPolicy p = new SnapshotPolicy(1, fixed(0));
        p.applied(500);
        p.started();
        p.applied(300);
        p.written(200);
        assertThat(p.bytesSinceSnapshot()).isEqualTo(300);
        assertThat(p.due(1)).isTrue();
    }

    @Test
    void zeroTurnsSnapshotsOff() {
        SnapshotPolicy p = new SnapshotPolicy(0, fixed(0));
        p.applied(Long.MAX_VALUE / 2);
        assertThat(p.due(Long.MAX_VALUE / 2)).isFalse();
        assertThatThrownBy(() -> new SnapshotPolicy(-1, fixed(0))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRequestedSnapshotIsDueAtOnceEvenWhenSnapshotsAreOffUntilOneStarts() {
        for (long everyEntries : new long[] {0, 1_000}) {
            SnapshotPolicy p = new SnapshotPolicy(everyEntries, fixed(0));
            p.written(1_000_000);
            assertThat(p.due(1)).isFalse();
            p.request();
            assertThat(p.requested()).isTrue();
            assertThat(p.due(1)).as("below both thresholds").isTrue();
            p.started();
            assertThat(p.requested()).isFalse();
            assertThat(p.due(1)).isFalse();
        }
    }

    @Property
    void everyStaggerIsInRangeAndANodeDrawsTheSameOnesAtEveryStart(@ForAll @AlphaChars @StringLength(min = 1, max = 80) String id) {
        SnapshotPolicy a = new SnapshotPolicy(10, SnapshotPolicy.randomFor(id));
        SnapshotPolicy b = new SnapshotPolicy(10, SnapshotPolicy.randomFor(id));
        for (int i = 0; i < 20; i++) {
            assertThat(a.stagger()).isGreaterThanOrEqualTo(1.0).isLessThan(1.5).isEqualTo(b.stagger());
            a.started();
            b.started();
        }
    }

    @Property
    void snapshotBytesWrittenNeverExceedLogBytesAppliedPlusTheFirst(@ForAll @LongRange(min = 1, max = 10_000) long batchBytes,
            @ForAll @LongRange(min = 1, max = 1_000) long storeGrowthPerBatch) {
        // A store that grows with every batch: each snapshot is as large as the store then.
        SnapshotPolicy p = new SnapshotPolicy(1, fixed(0));
        long store = 0; // grows
        long logBytes = 0;
        long snapshotBytes = 0;
        long since = 0;
        long first = -1;
        for (int i = 0; i < 5_000; i++) {
            p.applied(batchBytes);
            logBytes += batchBytes;
            store += storeGrowthPerBatch;
            since++;
            if (p.due(since)) {
                p.started();
                p.written(store);
                snapshotBytes += store;
                first = first < 0 ? store : first;
                since = 0;
            }
        }
        assertThat(snapshotBytes).isLessThanOrEqualTo(logBytes + Math.max(first, 0) + store);
    }
}
