package org.consort.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.kv.Codec;
import org.consort.kv.MapName;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerSecrets;
import org.consort.node.replication.LogReplicator;
import org.consort.node.tx.ViewHistory;
import org.consort.replication.Peer;
import org.consort.replication.ReplicationConfig;
import org.consort.replication.ratis.RatisReplicatedLog;

/**
 * The replication pipeline without HTTP: one writer commits write sets to the store and hands
 * them to the {@link LogReplicator} on a one-node Apache Ratis log (real files, fsync, TLS
 * transport set up), and the rate of executed and committed writes is printed. Run:
 * {@code java -cp bench/target/consort-bench.jar org.consort.bench.PipelineLoad [WRITES]}.
 */
public final class PipelineLoad {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "200000");
        Path dir = Files.createTempDirectory("probe");
        SecureRandom random = new SecureRandom();
        InstantSource clock = InstantSource.system();
        KeyPair sk = EcCurve.P384.generateKeyPair(random);
        X509Certificate sc = Certificates.selfSignedService(sk, "s", Instant.now().minusSeconds(60), Duration.ofDays(1), random);
        KeyPair nk = EcCurve.P384.generateKeyPair(random);
        X509Certificate nc = Certificates.nodeCertificate(nk.getPublic(), "n", sk.getPrivate(), sc, Instant.now().minusSeconds(60),
                Duration.ofDays(1), Certificates.SubjectAltNames.localhost(), random);
        Identity id = new Identity(nk.getPrivate(), nc);
        LedgerSecrets secrets = LedgerSecrets.generate(random);
        Store store = new Store(new StoreConfig(100_000));
        Ledger ledger = Ledger.open(dir.resolve("ledger"), LedgerConfig.defaults(clock), secrets, null);
        ViewHistory views = new ViewHistory();
        long[] committed = {0};
        LogReplicator r = new LogReplicator(store, ledger, secrets, id, views,
                new LogReplicator.Settings(1000, 50, true, 20_000, 4096, 8 << 20, 8, (8 << 20) - 8), clock,
                s -> { committed[0] = s; store.globalCommit(s); }, t -> { t.printStackTrace(); System.exit(1); });
        int port;
        try (var ss = new java.net.ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        Peer self = new Peer(id.id(), "127.0.0.1", port);
        RatisReplicatedLog log = RatisReplicatedLog.start(ReplicationConfig.defaults(UUID.randomUUID(), self, List.of(self),
                dir.resolve("raft")).withElectionTimeouts(Duration.ofMillis(300), Duration.ofMillis(600)), id, sc, r, clock);
        r.attach(log);
        r.start();
        long electionDeadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (!r.isPrimary()) {
            if (System.nanoTime() > electionDeadline) {
                throw new IllegalStateException("the one-node group elected no leader within 30 s");
            }
            Thread.sleep(10);
        }
        MapName<Long, String> map = MapName.of("records", Codec.int64(), Codec.utf8());
        String msg = "x".repeat(100);
        long t0 = System.nanoTime();
        long last = 0;
        for (int i = 0; i < n; i++) {
            while (!r.tryReserve()) {
                Thread.onSpinWait();
            }
            WriteTx tx = store.writeTx();
            tx.write(map).put((long) (i % 1_000_000), msg);
            long view = r.view();
            var res = store.commit(tx, ws -> r.append(new TxId(view, ws.version()), ws));
            last = ((org.consort.kv.CommitResult.Committed) res).version();
        }
        long executed = System.nanoTime();
        while (committed[0] < last) {
            Thread.sleep(1);
        }
        long done = System.nanoTime();
        System.out.printf("%d writes: executed %.0f/s, committed %.0f/s%n", n, n / ((executed - t0) / 1e9), n / ((done - t0) / 1e9));
        log.close();
        r.close();
        ledger.close();
        System.exit(0);
    }
}
