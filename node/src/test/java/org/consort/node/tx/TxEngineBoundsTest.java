package org.consort.node.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.consort.common.TxId;
import org.consort.kv.MapName;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteSet;
import org.consort.node.Limits;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.auth.Caller;
import org.consort.node.endpoints.Endpoint;
import org.consort.node.endpoints.Handlers;
import org.consort.node.endpoints.Mode;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.HttpError;
import org.consort.node.replication.Replicator;
import org.junit.jupiter.api.Test;

/** The bound on transactions waiting for the ledger (pendingEntriesMax), as a client meets it. */
class TxEngineBoundsTest {
    /** A primary whose ledger takes {@code capacity} transactions and then none until released. */
    private static final class FullPipeline implements Replicator {
        final int capacity;
        int reserved;
        final List<TxId> appended = new ArrayList<>();

        FullPipeline(int capacity) {
            this.capacity = capacity;
        }

        @Override public long view() { return 1; }
        @Override public boolean isPrimary() { return true; }
        @Override public Optional<String> primaryId() { return Optional.of("self"); }
        @Override public boolean tryReserve() {
            if (reserved >= capacity) {
                return false;
            }
            reserved++;
            return true;
        }
        @Override public void release() { reserved--; }
        @Override public void append(TxId txId, WriteSet ws) { appended.add(txId); }
        @Override public long committedSeqno() { return 0; }
        @Override public void close() { }
    }

    private static final MapName<byte[], byte[]> RECORDS = MapName.raw("records");

    private static Endpoint writer() {
        Handlers.ReadWrite h = (ctx, tx) -> {
            tx.write(RECORDS).put(ctx.body(), ctx.body());
            return Map.of("ok", true);
        };
        return new Endpoint("POST", "/app/w", AuthPolicy.NO_AUTH, Mode.READ_WRITE, "write", List.of(), true, h);
    }

    @Test
    void pastTheBoundAWriteIsRefusedAt503WithRetryAfterAndWritesNothing() {
        Store store = new Store(StoreConfig.defaults());
        FullPipeline pipeline = new FullPipeline(2);
        TxEngine engine = new TxEngine(store, pipeline, new ViewHistory(), Limits.defaults());
        Endpoint w = writer();
        engine.run(w, new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[] {1}));
        engine.run(w, new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[] {2}));
        long version = store.version();

        assertThatThrownBy(() -> engine.run(w, new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[] {3})))
                .isInstanceOfSatisfying(HttpError.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.code()).isEqualTo("Busy");
                    assertThat(e.retryAfterSeconds()).isEqualTo(1L);
                });
        assertThat(store.version()).as("the refused write wrote nothing").isEqualTo(version);
        assertThat(pipeline.appended).hasSize(2);

        pipeline.release(); // the ledger took one: a write fits again
        engine.run(w, new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[] {3}));
        assertThat(pipeline.appended).hasSize(3);
    }

    @Test
    void aWriteThatWritesNothingGivesItsReservationBack() {
        Store store = new Store(StoreConfig.defaults());
        FullPipeline pipeline = new FullPipeline(1);
        TxEngine engine = new TxEngine(store, pipeline, new ViewHistory(), Limits.defaults());
        Handlers.ReadWrite nothing = (ctx, tx) -> Map.of();
        Endpoint e = new Endpoint("POST", "/app/n", AuthPolicy.NO_AUTH, Mode.READ_WRITE, "nothing", List.of(), true, nothing);
        for (int i = 0; i < 5; i++) {
            engine.run(e, new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[0]));
        }
        assertThat(pipeline.reserved).isZero();
        assertThat(pipeline.appended).isEmpty();
    }

    /** A primary whose view ends between the engine's check and its commit (a race with a change of primary). */
    private static final class EndingView implements Replicator {
        int reserved;

        @Override public long view() { return -1; }
        @Override public boolean isPrimary() { return true; }
        @Override public Optional<String> primaryId() { return Optional.empty(); }
        @Override public boolean tryReserve() { reserved++; return true; }
        @Override public void release() { reserved--; }
        @Override public void append(TxId txId, WriteSet ws) { throw new AssertionError("appended in an ended view"); }
        @Override public long committedSeqno() { return 0; }
        @Override public void close() { }
    }

    @Test
    void aWriteThatRacesTheEndOfAViewIsForwardedNotFailed() {
        Store store = new Store(StoreConfig.defaults());
        EndingView ending = new EndingView();
        TxEngine engine = new TxEngine(store, ending, new ViewHistory(), Limits.defaults());
        // Was IllegalArgumentException ("view and seqno must be non-negative"): HTTP 500 to the client.
        assertThatThrownBy(() -> engine.run(writer(), new RequestContext(Caller.ANONYMOUS, Map.of(), new byte[] {1})))
                .isInstanceOf(org.consort.node.http.ForwardToPrimary.class);
        assertThatThrownBy(() -> engine.writeInternal(tx -> tx.write(RECORDS).put(new byte[] {2}, new byte[] {2})))
                .isInstanceOf(org.consort.node.replication.NotPrimaryException.class);
        assertThat(store.version()).as("nothing was written").isZero();
        assertThat(ending.reserved).as("every reservation was released").isZero();
    }
}
