package org.consort.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.consort.kv.Codec;
import org.consort.kv.MapName;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteSet;
import org.consort.kv.WriteTx;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store alone once it holds many records, as after minutes of the logging load: commit a
 * transaction that writes one 100-byte record at a random id (the primary's part), and apply
 * that write set to a second store (a backup's part). A lookup or an update of a tree of a
 * million keys is bound by memory loads, not by arithmetic. Run:
 * {@code java -jar bench/target/consort-bench.jar LargeStoreBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "-XX:+UseZGC"})
public class LargeStoreBenchmark {
    private static final MapName<Long, String> RECORDS = MapName.of("records", Codec.int64(), Codec.utf8());
    private static final String MSG = "x".repeat(100);
    /** Records written before measuring, and so the ids that writes pick from. */
    @Param({"1000000"})
    public int records;

    private Store primary;
    private Store backup;
    private final SplittableRandom random = new SplittableRandom(42);

    @Setup(Level.Trial)
    public void setUp() {
        primary = new Store(new StoreConfig(1000));
        backup = new Store(new StoreConfig(1000));
        for (long from = 0; from < records; from += 1000) {
            WriteTx tx = primary.writeTx();
            for (long id = from; id < Math.min(records, from + 1000); id++) {
                tx.write(RECORDS).put(id, MSG);
            }
            commitAndApply(tx);
        }
    }

    private long commitAndApply(WriteTx tx) {
        WriteSet[] ws = new WriteSet[1];
        primary.commit(tx, w -> ws[0] = w);
        backup.apply(ws[0]);
        // Replicated at once: the history keeps the last versions only, as on a node.
        primary.globalCommit(ws[0].version());
        backup.globalCommit(ws[0].version());
        return ws[0].version();
    }

    /** One write of a random existing record, committed on one store and applied to the other. */
    @Benchmark
    public long commitAndApplyOneWrite() {
        WriteTx tx = primary.writeTx();
        tx.write(RECORDS).put(random.nextLong(records), MSG);
        return commitAndApply(tx);
    }
}
