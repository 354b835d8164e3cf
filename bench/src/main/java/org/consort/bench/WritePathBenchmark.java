package org.consort.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.kv.Codec;
import org.consort.kv.MapName;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.Visibility;
import org.consort.kv.WriteSet;
import org.consort.kv.WriteTx;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerSecrets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The node's write path without HTTP, one thread: commit a 100-byte private record in the store,
 * and append its write set to the ledger (AES-GCM, digests, Merkle tree; no fsync) with a
 * signature entry every 1,000 entries. Run:
 * {@code java -jar bench/target/consort-bench.jar WritePathBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WritePathBenchmark {
    private static final MapName<Long, String> RECORDS = MapName.of("records", Codec.int64(), Codec.utf8());
    private static final String MSG = "x".repeat(100);

    private Store store;
    private Ledger ledger;
    private Identity node;
    private Path dir;
    private long id;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SecureRandom random = new SecureRandom();
        KeyPair serviceKey = EcCurve.P384.generateKeyPair(random);
        Instant now = Instant.now();
        var serviceCert = Certificates.selfSignedService(serviceKey, "bench service", now, Duration.ofDays(1), random);
        KeyPair nodeKey = EcCurve.P384.generateKeyPair(random);
        node = new Identity(nodeKey.getPrivate(), Certificates.nodeCertificate(nodeKey.getPublic(), "bench node",
                serviceKey.getPrivate(), serviceCert, now, Duration.ofDays(1), Certificates.SubjectAltNames.localhost(), random));
        dir = Files.createTempDirectory("consort-bench-ledger");
        ledger = Ledger.open(dir, LedgerConfig.defaults(InstantSource.system()), LedgerSecrets.generate(random), null);
        store = new Store(new StoreConfig(1000));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ledger.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One committed write: store commit plus ledger append (and a signature every 1,000). */
    @Benchmark
    public long commitAndAppend() {
        WriteTx tx = store.writeTx();
        tx.write(RECORDS).put(id++ % 1_000_000, MSG);
        WriteSet[] ws = new WriteSet[1];
        store.commit(tx, w -> ws[0] = w);
        long seqno = ws[0].version();
        ledger.append(new TxId(1, seqno), ws[0].serialize(Visibility.PUBLIC), ws[0].serialize(Visibility.PRIVATE));
        if (seqno % 1000 == 0) {
            store.commit(store.writeTx());
            ledger.appendSignature(new TxId(1, seqno + 1), node);
            ledger.flush(false);
            store.globalCommit(seqno + 1);
        }
        return seqno;
    }
}
