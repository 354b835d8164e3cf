package org.consort.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
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
import org.consort.ledger.EntryKind;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerEntry;
import org.consort.ledger.LedgerSecrets;
import org.consort.node.tx.ViewHistory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever kills the log's apply thread stops the replicator loudly: a ledger write that fails,
 * any other throwable. It is reported once to onFatal (which stops the node), thrown on to the
 * log, and every later call of the apply thread is refused without a second report.
 */
class ApplyFailureTest {
    private static final MapName<String, String> RECORDS = MapName.of("records", Codec.utf8(), Codec.utf8());
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));

    @TempDir
    Path dir;
    private final SecureRandom random = new SecureRandom();
    private final LedgerSecrets secrets = LedgerSecrets.generate(random);
    private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
    private Ledger ledger;

    @AfterEach
    void close() throws Exception {
        if (ledger != null) {
            ledger.close();
        }
    }

    private LogReplicator replicator() throws Exception {
        ledger = Ledger.open(dir.resolve("ledger"), LedgerConfig.defaults(CLOCK), secrets, null);
        KeyPair k = EcCurve.P256.generateKeyPair(random);
        Identity id = new Identity(k.getPrivate(), Certificates.selfSigned(k, "node", CLOCK.instant().minusSeconds(60),
                Duration.ofDays(1), random));
        int batchBytes = 1 << 20;
        LogReplicator.Settings settings = new LogReplicator.Settings(10, 100, true, 100, 10, batchBytes, 4,
                batchBytes - EntryBatch.HEADER_BYTES - EntryBatch.PER_ENTRY_BYTES);
        return new LogReplicator(new Store(new StoreConfig(128)), ledger, secrets, id, new ViewHistory(), settings, CLOCK,
                seqno -> { }, fatal::add);
    }

    /** A batch of one write set at {@code txId}, as a primary in view {@code txId.view()} makes it. */
    private byte[] batch(TxId txId) {
        Store source = new Store(new StoreConfig(128));
        for (long v = 1; v < txId.seqno(); v++) {
            WriteTx tx = source.writeTx();
            tx.write(RECORDS).put("k" + v, "v" + v);
            source.commit(tx);
        }
        WriteTx tx = source.writeTx();
        tx.write(RECORDS).put("k", "v" + txId.seqno());
        AtomicReference<WriteSet> ws = new AtomicReference<>();
        source.commit(tx, ws::set);
        LedgerEntry e = LedgerEntry.create(txId, EntryKind.WRITE_SET, ws.get().serialize(Visibility.PUBLIC),
                ws.get().serialize(Visibility.PRIVATE), new byte[32], secrets);
        return EntryBatch.encode(List.of(e.bytes()));
    }

    @Test
    void aLedgerWriteThatFailsIsReportedOnceAndRefusesEveryLaterApply() throws Exception {
        LogReplicator r = replicator();
        // The chunk file the first entry needs cannot be created (a directory holds its name): an I/O error in the ledger.
        Files.createDirectories(dir.resolve("ledger").resolve("ledger_1.open"));

        assertThatThrownBy(() -> r.applyBatch(1, 1, batch(new TxId(1, 1))))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot append seqno 1");
        assertThat(fatal).hasSize(1);
        assertThat(fatal.get(0)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot append seqno 1");
        assertThat(ledger.failure()).isPresent();
        assertThat(r.isPrimary()).isFalse();

        // Ratis would go on calling: each call is refused at once, and not reported again.
        assertThatThrownBy(() -> r.applyBatch(1, 2, batch(new TxId(1, 1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("stopped after a fatal error")
                .hasMessageContaining("cannot append seqno 1");
        assertThatThrownBy(() -> r.onLeaderReady(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> r.prepareSnapshot(1, 2)).isInstanceOf(IllegalStateException.class);
        assertThat(fatal).hasSize(1);
    }

    @Test
    void anyThrowableOnTheApplyThreadIsFatal() throws Exception {
        LogReplicator r = replicator();
        Error boom = new Error("simulated failure after an entry was applied");
        r.afterApply(seqno -> {
            throw boom;
        });
        assertThatThrownBy(() -> r.applyBatch(1, 1, batch(new TxId(1, 1)))).isSameAs(boom);
        assertThat(fatal).containsExactly(boom);
        assertThatThrownBy(() -> r.applyBatch(1, 2, batch(new TxId(1, 2)))).isInstanceOf(IllegalStateException.class);
        assertThat(fatal).containsExactly(boom);
    }

    @Test
    void aFailureWhenThisNodeBecomesPrimaryIsFatal() throws Exception {
        LogReplicator r = replicator();
        IllegalStateException boom = new IllegalStateException("simulated failure of a primary duty");
        r.onPrimary(() -> {
            throw boom;
        });
        assertThatThrownBy(() -> r.onLeaderReady(1)).isSameAs(boom);
        assertThat(fatal).containsExactly(boom);
        assertThat(r.isPrimary()).isFalse();
    }

    @Test
    void aClosedReplicatorReportsNothing() throws Exception {
        LogReplicator r = replicator();
        r.close();
        ledger.close();
        assertThatThrownBy(() -> r.applyBatch(1, 1, batch(new TxId(1, 1)))).isInstanceOf(IllegalStateException.class);
        assertThat(fatal).isEmpty();
    }
}
