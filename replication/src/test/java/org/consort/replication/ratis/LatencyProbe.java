package org.consort.replication.ratis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Latency of one replicated batch at a time, from propose to commit on the leader, three
 * in-process replicas over gRPC with mutual TLS: the replication round a write's commit waits for
 * on an idle network. A probe, not a timed test: it prints, and asserts only that batches
 * committed. Run with {@code ./mvnw -B -o -pl replication test -Psoak -Dtest=LatencyProbe}.
 */
@Tag("soak")
class LatencyProbe {
    @TempDir
    Path dir;

    @Test
    void probe() throws Exception {
        run(dir, 1024, 300);
    }

    public static void main(String[] args) throws Exception {
        run(Files.createTempDirectory("consort-latency"), 1024, 300);
    }

    static void run(Path root, int batchBytes, int batches) throws Exception {
        try (Cluster c = new Cluster(root.resolve("latency"), 3, 99, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            byte[] batch = new byte[batchBytes];
            for (int i = 0; i < 50; i++) {
                leader.log.propose(batch).get();
            }
            long[] micros = new long[batches];
            for (int i = 0; i < batches; i++) {
                Thread.sleep(7);
                long t0 = System.nanoTime();
                leader.log.propose(batch).get();
                micros[i] = (System.nanoTime() - t0) / 1000;
            }
            Arrays.sort(micros);
            System.out.printf("one %d-byte batch at a time, 3 replicas, mutual TLS: propose to commit p50 %.1f ms, p90 %.1f ms,"
                    + " p99 %.1f ms%n", batchBytes, micros[batches / 2] / 1e3, micros[batches * 9 / 10] / 1e3,
                    micros[batches * 99 / 100] / 1e3);
        }
    }
}
