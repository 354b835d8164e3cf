package org.consort.replication.ratis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of three in-process replicas over gRPC with mutual TLS: batches/s and MB/s for
 * 1 KB and 64 KB batches. A probe, not a timed test: it prints, and asserts only that batches
 * committed. Run with {@code ./mvnw -B -o -pl replication test -Psoak}, or as a main method.
 */
@Tag("soak")
class ThroughputProbe {
    @TempDir
    Path dir;

    @Test
    void probe() throws Exception {
        run(dir, 1024, 256, Duration.ofSeconds(10));
        run(dir, 64 * 1024, 32, Duration.ofSeconds(10));
    }

    public static void main(String[] args) throws Exception {
        Path d = Files.createTempDirectory("consort-probe");
        run(d, 1024, 256, Duration.ofSeconds(10));
        run(d, 64 * 1024, 32, Duration.ofSeconds(10));
    }

    static void run(Path root, int batchBytes, int window, Duration length) throws Exception {
        try (Cluster c = new Cluster(root.resolve("probe-" + batchBytes), 3, 99, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            byte[] batch = new byte[batchBytes];
            Semaphore permits = new Semaphore(window);
            AtomicLong done = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long start = 0;
            long startCount = 0;
            long end = warmupEnd + length.toNanos();
            while (System.nanoTime() < end) {
                if (start == 0 && System.nanoTime() >= warmupEnd) {
                    start = System.nanoTime();
                    startCount = done.get();
                }
                permits.acquire();
                leader.log.propose(batch).whenComplete((r, t) -> {
                    if (t == null) {
                        done.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    permits.release();
                });
            }
            long count = done.get() - startCount;
            double seconds = (System.nanoTime() - start) / 1e9;
            permits.acquire(window);
            double perSecond = count / seconds;
            System.out.printf("3 replicas, mutual TLS, %d-byte batches, %d in flight: %.0f batches/s, %.2f MB/s (%d failed)%n",
                    batchBytes, window, perSecond, perSecond * batchBytes / 1e6, failed.get());
            if (count == 0) {
                throw new AssertionError("no batch committed during the probe");
            }
        }
    }
}
