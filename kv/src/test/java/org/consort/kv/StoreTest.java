package org.consort.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.consort.common.InvariantViolation;
import org.junit.jupiter.api.Test;

class StoreTest {
    static final MapName<String, String> RECORDS = MapName.of("records", Codec.utf8(), Codec.utf8());
    static final MapName<Long, String> LOG = MapName.of("public:log", Codec.int64(), Codec.utf8());

    private final Store store = new Store(new StoreConfig(10));

    private long put(MapName<String, String> map, String key, String value) {
        WriteTx tx = store.writeTx();
        tx.write(map).put(key, value);
        return committed(store.commit(tx)).version();
    }

    private static CommitResult.Committed committed(CommitResult r) {
        assertThat(r).isInstanceOf(CommitResult.Committed.class);
        return (CommitResult.Committed) r;
    }

    private static CommitResult.Conflict conflict(CommitResult r) {
        assertThat(r).isInstanceOf(CommitResult.Conflict.class);
        return (CommitResult.Conflict) r;
    }

    @Test
    void anEmptyStoreIsAtVersionZeroAndReadsEmpty() {
        assertThat(store.version()).isZero();
        assertThat(store.globalCommitVersion()).isZero();
        MapReader<String, String> r = store.readTx().read(RECORDS);
        assertThat(r.get("a")).isEmpty();
        assertThat(r.size()).isZero();
        assertThat(r.lastWriteVersion("a")).isEmpty();
    }

    @Test
    void eachCommitCreatesTheNextVersion() {
        WriteTx tx = store.writeTx();
        tx.write(RECORDS).put("a", "1");
        tx.write(LOG).put(7L, "seven");
        assertThat(tx.hasWrites()).isTrue();
        CommitResult.Committed c = committed(store.commit(tx));
        assertThat(c.version()).isEqualTo(1);
        assertThat(c.writeSet().version()).isEqualTo(1);
        assertThat(c.writeSet().snapshotVersion()).isZero();
        assertThat(c.writeSet().mapNames()).containsExactly("public:log", "records");
        assertThat(store.version()).isEqualTo(1);
        assertThat(store.readTx().read(RECORDS).get("a")).contains("1");
        assertThat(store.readTx().read(RECORDS).lastWriteVersion("a")).hasValue(1);
        assertThat(put(RECORDS, "b", "2")).isEqualTo(2);
        assertThat(store.readTx().read(RECORDS).lastWriteVersion("a")).hasValue(1);
    }

    @Test
    void anEmptyTransactionStillCreatesAVersion() {
        WriteTx tx = store.writeTx();
        assertThat(tx.hasWrites()).isFalse();
        CommitResult.Committed c = committed(store.commit(tx));
        assertThat(c.version()).isEqualTo(1);
        assertThat(c.writeSet().isEmpty()).isTrue();
        assertThat(c.writeSet().serialize(Visibility.PUBLIC)).isEmpty();
    }

    @Test
    void aTransactionSeesItsOwnWrites() {
        put(RECORDS, "b", "old-b");
        put(RECORDS, "d", "old-d");
        WriteTx tx = store.writeTx();
        MapWriter<String, String> w = tx.write(RECORDS);
        w.put("a", "new-a");
        w.put("b", "new-b");
        w.remove("d");
        w.remove("zz");
        MapReader<String, String> r = tx.read(RECORDS);
        assertThat(r.get("a")).contains("new-a");
        assertThat(r.get("b")).contains("new-b");
        assertThat(r.containsKey("d")).isFalse();
        assertThat(r.size()).isEqualTo(2);
        List<String> seen = new ArrayList<>();
        r.forEach((k, v) -> seen.add(k + "=" + v));
        assertThat(seen).containsExactly("a=new-a", "b=new-b");
        // lastWriteVersion is about the snapshot, not own writes
        assertThat(r.lastWriteVersion("b")).hasValue(1);
        assertThat(r.lastWriteVersion("a")).isEmpty();
        // others do not see uncommitted writes
        assertThat(store.readTx().read(RECORDS).get("a")).isEmpty();
    }

    @Test
    void forEachIteratesInEncodedKeyOrderAndMayWriteTheSameMap() {
        WriteTx tx = store.writeTx();
        MapWriter<Long, String> w = tx.write(LOG);
        for (long k : new long[] {300, -5, 0, 2, 1_000_000}) {
            w.put(k, "v" + k);
        }
        committed(store.commit(tx));
        WriteTx tx2 = store.writeTx();
        MapWriter<Long, String> w2 = tx2.write(LOG);
        w2.put(1L, "v1");
        List<Long> order = new ArrayList<>();
        w2.forEach((k, v) -> {
            order.add(k);
            w2.put(k + 1_000_000_000L, v);
        });
        assertThat(order).containsExactly(-5L, 0L, 1L, 2L, 300L, 1_000_000L);
        assertThat(w2.size()).isEqualTo(12);
    }

    @Test
    void snapshotsAreIsolatedFromLaterCommits() {
        put(RECORDS, "a", "1");
        ReadTx before = store.readTx();
        MapReader<String, String> reader = before.read(RECORDS);
        put(RECORDS, "a", "2");
        put(RECORDS, "b", "3");
        assertThat(reader.get("a")).contains("1");
        assertThat(before.read(RECORDS).get("b")).isEmpty();
        assertThat(before.snapshotVersion()).isEqualTo(1);
        assertThat(store.readTxAt(1).read(RECORDS).get("a")).contains("1");
        assertThat(store.readTxAt(2).read(RECORDS).get("a")).contains("2");
        assertThat(store.readTxAt(0).read(RECORDS).size()).isZero();
        assertThatThrownBy(() -> store.readTxAt(4)).isInstanceOf(VersionUnavailable.class)
                .hasMessageContaining("version 4 is not available");
    }

    @Test
    void readingAKeyThatIsWrittenConcurrentlyConflicts() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        assertThat(tx.read(RECORDS).get("a")).contains("1");
        tx.write(RECORDS).put("b", "from-tx");
        put(RECORDS, "a", "2");
        CommitResult.Conflict c = conflict(store.commit(tx));
        assertThat(c.mapName()).isEqualTo("records");
        assertThat(c.reason()).contains("read at version 1").contains("now at version 2");
        assertThat(store.version()).isEqualTo(2);
        assertThat(store.readTx().read(RECORDS).get("b")).isEmpty();
    }

    @Test
    void readingAnAbsentKeyThatIsInsertedConcurrentlyConflicts() {
        WriteTx tx = store.writeTx();
        assertThat(tx.read(RECORDS).containsKey("a")).isFalse();
        tx.write(RECORDS).put("a", "tx");
        put(RECORDS, "a", "other");
        assertThat(conflict(store.commit(tx)).reason()).contains("read absent");
    }

    @Test
    void readingAKeyThatIsRemovedConcurrentlyConflicts() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).get("a");
        tx.write(LOG).put(1L, "x");
        WriteTx remover = store.writeTx();
        remover.write(RECORDS).remove("a");
        committed(store.commit(remover));
        assertThat(conflict(store.commit(tx)).reason()).contains("now absent");
    }

    @Test
    void lastWriteVersionIsARead() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).lastWriteVersion("a");
        put(RECORDS, "a", "1");
        conflict(store.commit(tx));
    }

    @Test
    void blindWritesDoNotConflict() {
        put(RECORDS, "a", "0");
        WriteTx first = store.writeTx();
        WriteTx second = store.writeTx();
        first.write(RECORDS).put("a", "first");
        second.write(RECORDS).put("a", "second");
        second.write(RECORDS).remove("b");
        committed(store.commit(first));
        committed(store.commit(second));
        assertThat(store.readTx().read(RECORDS).get("a")).contains("second");
    }

    @Test
    void readsOfUnchangedKeysAndOwnWritesDoNotConflict() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).get("a");
        tx.write(RECORDS).put("c", "mine");
        tx.read(RECORDS).get("c");
        put(RECORDS, "b", "other key");
        put(RECORDS, "c", "written after my write, but I never read the snapshot's c");
        CommitResult.Committed c = committed(store.commit(tx));
        assertThat(c.writeSet().snapshotVersion()).isEqualTo(1);
        assertThat(c.version()).isEqualTo(4);
        assertThat(store.readTx().read(RECORDS).get("c")).contains("mine");
    }

    @Test
    void iterationConflictsWithInsertsUpdatesAndRemoves() {
        put(RECORDS, "a", "1");
        for (Runnable concurrent : List.<Runnable>of(
                () -> put(RECORDS, "new", "x"),
                () -> put(RECORDS, "a", "changed"),
                () -> {
                    WriteTx r = store.writeTx();
                    r.write(RECORDS).remove("new");
                    committed(store.commit(r));
                })) {
            WriteTx tx = store.writeTx();
            tx.read(RECORDS).forEach((k, v) -> { });
            tx.write(LOG).put(1L, "summary");
            concurrent.run();
            assertThat(conflict(store.commit(tx)).reason()).contains("iterated");
        }
        WriteTx sizer = store.writeTx();
        sizer.read(RECORDS).size();
        put(RECORDS, "another", "x");
        conflict(store.commit(sizer));
    }

    @Test
    void iterationDoesNotConflictWithWritesToOtherMaps() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).forEach((k, v) -> { });
        WriteTx other = store.writeTx();
        other.write(LOG).put(5L, "elsewhere");
        committed(store.commit(other));
        committed(store.commit(tx));
    }

    @Test
    void aTransactionIsCommittedOnceAndOnlyByItsStore() {
        WriteTx tx = store.writeTx();
        MapWriter<String, String> w = tx.write(RECORDS);
        committed(store.commit(tx));
        assertThatThrownBy(() -> store.commit(tx)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.put("a", "late")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already been committed");
        assertThatThrownBy(() -> tx.read(RECORDS)).isInstanceOf(IllegalStateException.class);
        Store other = new Store(StoreConfig.defaults());
        assertThatThrownBy(() -> other.commit(store.writeTx())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not created by this store");
        assertThat(store.readTx()).isNotInstanceOf(WriteTx.class);
    }

    @Test
    void nullKeysAndValuesAreRejected() {
        WriteTx tx = store.writeTx();
        assertThatThrownBy(() -> tx.write(RECORDS).put(null, "v")).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("key");
        assertThatThrownBy(() -> tx.write(RECORDS).put("k", null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("value");
    }

    @Test
    void inOrderRunsWithTheWriteSetBeforeTheVersionIsVisible() {
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WriteTx tx = store.writeTx();
            tx.write(RECORDS).put("k" + i, "v");
            store.commit(tx, ws -> {
                seen.add(ws.version());
                assertThat(store.version()).isEqualTo(ws.version() - 1);
            });
        }
        assertThat(seen).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aFailingInOrderCommitsNothing() {
        WriteTx tx = store.writeTx();
        tx.write(RECORDS).put("a", "1");
        assertThatThrownBy(() -> store.commit(tx, ws -> {
            throw new IllegalStateException("ledger full");
        })).hasMessage("ledger full");
        assertThat(store.version()).isZero();
        assertThat(store.readTx().read(RECORDS).get("a")).isEmpty();
        assertThat(put(RECORDS, "b", "2")).isEqualTo(1);
    }

    @Test
    void applyRequiresTheNextVersion() {
        Store primary = new Store(StoreConfig.defaults());
        List<WriteSet> sets = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            WriteTx tx = primary.writeTx();
            tx.write(RECORDS).put("k" + i, "v" + i);
            sets.add(committed(primary.commit(tx)).writeSet());
        }
        assertThatThrownBy(() -> store.apply(sets.get(1))).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("version 2 cannot be applied to a store at version 0");
        store.apply(sets.get(0));
        assertThatThrownBy(() -> store.apply(sets.get(0))).isInstanceOf(InvariantViolation.class);
        store.apply(sets.get(1));
        store.apply(sets.get(2));
        assertThat(store.version()).isEqualTo(3);
        assertThat(store.digest(3)).isEqualTo(primary.digest(3));
        assertThat(store.readTx().read(RECORDS).lastWriteVersion("k1")).hasValue(2);
    }

    @Test
    void rollbackDropsTheSpeculativeTail() {
        put(RECORDS, "a", "1");
        put(RECORDS, "a", "2");
        WriteTx onDropped = store.writeTx();
        onDropped.write(RECORDS).put("x", "blind");
        WriteTx onKept = store.writeTx();
        put(RECORDS, "a", "3");
        store.rollback(1);
        assertThat(store.version()).isEqualTo(1);
        assertThat(store.readTx().read(RECORDS).get("a")).contains("1");
        assertThatThrownBy(() -> store.readTxAt(2)).isInstanceOf(VersionUnavailable.class);
        // a snapshot that was rolled back conflicts even with blind writes only
        assertThat(conflict(store.commit(onDropped)).reason()).contains("rolled back");
        assertThat(put(RECORDS, "b", "new history")).isEqualTo(2);
        // onKept read snapshot 2 which was also dropped, although version 2 exists again
        conflict(store.commit(onKept));
        WriteTx fresh = store.writeTx();
        fresh.read(RECORDS).get("a");
        committed(store.commit(fresh));
    }

    @Test
    void rollbackKeepsOlderSnapshotsValid() {
        put(RECORDS, "a", "1");
        WriteTx tx = store.writeTx();
        tx.read(RECORDS).get("a");
        tx.write(RECORDS).put("b", "2");
        put(RECORDS, "c", "speculative");
        store.rollback(1);
        assertThat(committed(store.commit(tx)).version()).isEqualTo(2);
    }

    @Test
    void rollbackIsBoundedByTheGlobalCommitAndTheLatestVersion() {
        put(RECORDS, "a", "1");
        put(RECORDS, "a", "2");
        store.globalCommit(1);
        assertThatThrownBy(() -> store.rollback(0)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("globally committed");
        assertThatThrownBy(() -> store.rollback(3)).isInstanceOf(IllegalArgumentException.class);
        store.rollback(2);
        store.rollback(1);
        assertThat(store.version()).isEqualTo(1);
    }

    @Test
    void oldVersionsStayReadableForTheConfiguredWindow() {
        Store small = new Store(new StoreConfig(3));
        for (int i = 1; i <= 10; i++) {
            WriteTx tx = small.writeTx();
            tx.write(RECORDS).put("k", "v" + i);
            committed(small.commit(tx));
        }
        // nothing is globally committed yet, so everything is kept for rollback
        assertThat(small.readTxAt(1).read(RECORDS).get("k")).contains("v1");
        small.globalCommit(10);
        assertThat(small.oldestVersion()).isEqualTo(7);
        assertThat(small.readTxAt(7).read(RECORDS).get("k")).contains("v7");
        assertThatThrownBy(() -> small.readTxAt(6)).isInstanceOf(VersionUnavailable.class)
                .satisfies(e -> {
                    VersionUnavailable v = (VersionUnavailable) e;
                    assertThat(v.oldestAvailable()).isEqualTo(7);
                    assertThat(v.latest()).isEqualTo(10);
                });
        assertThatThrownBy(() -> small.snapshot(2)).isInstanceOf(VersionUnavailable.class);
    }

    @Test
    void hooksRunOncePerCommittedVersionInOrder() {
        List<String> calls = new ArrayList<>();
        store.addGlobalCommitHook(RECORDS, (v, writes) -> calls.add(v + ":" + writes));
        store.addGlobalCommitHook(LOG, (v, writes) -> calls.add(v + ":log" + writes));
        put(RECORDS, "a", "1");                         // 1
        WriteTx tx = store.writeTx();                   // 2: both maps, a remove
        tx.write(RECORDS).remove("a");
        tx.write(RECORDS).put("b", "2");
        tx.write(LOG).put(9L, "nine");
        committed(store.commit(tx));
        committed(store.commit(store.writeTx()));     // 3: empty
        put(RECORDS, "c", "3");                         // 4
        store.globalCommit(2);
        store.globalCommit(2);
        store.globalCommit(1);
        assertThat(calls).containsExactly("1:{a=Optional[1]}", "2:log{9=Optional[nine]}",
                "2:{a=Optional.empty, b=Optional[2]}");
        store.globalCommit(4);
        assertThat(calls).hasSize(4).last().isEqualTo("4:{c=Optional[3]}");
        assertThat(store.globalCommitVersion()).isEqualTo(4);
        assertThatThrownBy(() -> store.globalCommit(5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailingHookDoesNotStopTheOthers() {
        AtomicInteger good = new AtomicInteger();
        store.addGlobalCommitHook(RECORDS, (v, w) -> {
            throw new IllegalStateException("bad hook at " + v);
        });
        store.addGlobalCommitHook(RECORDS, (v, w) -> good.incrementAndGet());
        put(RECORDS, "a", "1");
        put(RECORDS, "a", "2");
        assertThatThrownBy(() -> store.globalCommit(2)).isInstanceOf(GlobalCommitHookFailure.class)
                .hasMessageContaining("version 1")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(good.get()).isEqualTo(2);
        assertThat(store.globalCommitVersion()).isEqualTo(2);
    }

    @Test
    void hooksSeeTypedWritesWithRemovesAsEmpty() {
        List<Map<Long, Optional<String>>> seen = new ArrayList<>();
        store.addGlobalCommitHook(LOG, (v, writes) -> seen.add(writes));
        WriteTx tx = store.writeTx();
        tx.write(LOG).put(2L, "two");
        tx.write(LOG).remove(-1L);
        committed(store.commit(tx));
        store.globalCommit(1);
        assertThat(seen).containsExactly(Map.of(-1L, Optional.empty(), 2L, Optional.of("two")));
        assertThat(seen.get(0).keySet()).containsExactly(-1L, 2L);
    }

    @Test
    void executeRetriesAfterConflicts() {
        put(RECORDS, "counter", "0");
        AtomicInteger attempts = new AtomicInteger();
        Executed<String> done = store.execute(tx -> {
            String n = tx.read(RECORDS).get("counter").orElseThrow();
            if (attempts.incrementAndGet() < 3) {
                put(RECORDS, "counter", n + "+other");
            }
            tx.write(RECORDS).put("counter", n + "+mine");
            return n;
        }, 5, ws -> { });
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(done.result()).isEqualTo("0+other+other");
        assertThat(done.version()).isEqualTo(4);
        assertThat(done.writeSet().version()).isEqualTo(4);
        assertThat(store.readTx().read(RECORDS).get("counter")).contains("0+other+other+mine");
    }

    @Test
    void executeGivesUpAfterAttemptsMax() {
        put(RECORDS, "k", "0");
        assertThatThrownBy(() -> store.execute(tx -> {
            tx.read(RECORDS).get("k");
            put(RECORDS, "k", "changed");
            return null;
        }, 3, ws -> { })).isInstanceOf(TransactionConflictException.class)
                .hasMessageContaining("conflicted 3 time(s)").hasMessageContaining("records");
        assertThatThrownBy(() -> store.execute(tx -> null, 0, ws -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentIncrementsAreSerialisable() throws InterruptedException {
        MapName<String, Long> counters = MapName.of("counters", Codec.utf8(), Codec.int64());
        int threads = 4;
        int perThread = 200;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    store.execute(tx -> {
                        MapWriter<String, Long> w = tx.write(counters);
                        w.put("n", w.get("n").orElse(0L) + 1);
                        return null;
                    }, 1_000, ws -> { });
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(store.readTx().read(counters).get("n")).contains((long) threads * perThread);
        assertThat(store.version()).isEqualTo(threads * perThread);
    }

    @Test
    void readersAlwaysSeeAConsistentSnapshotDuringConcurrentCommits() throws InterruptedException {
        MapName<String, Long> accounts = MapName.of("accounts", Codec.utf8(), Codec.int64());
        store.execute(tx -> {
            tx.write(accounts).put("a", 100L);
            tx.write(accounts).put("b", 0L);
            return null;
        }, 1, ws -> { });
        AtomicInteger inconsistent = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 300; i++) {
                    store.execute(tx -> {
                        MapWriter<String, Long> w = tx.write(accounts);
                        long a = w.get("a").orElseThrow();
                        long b = w.get("b").orElseThrow();
                        long amount = a > 0 ? 1 : -b;
                        w.put("a", a - amount);
                        w.put("b", b + amount);
                        return null;
                    }, 10_000, ws -> { });
                }
            }));
        }
        threads.add(Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 2_000; i++) {
                ReadTx r = store.readTx();
                long sum = r.read(accounts).get("a").orElseThrow() + r.read(accounts).get("b").orElseThrow();
                long[] iterated = {0};
                r.read(accounts).forEach((k, v) -> iterated[0] += v);
                if (sum != 100 || iterated[0] != 100) {
                    inconsistent.incrementAndGet();
                }
            }
        }));
        for (Thread t : threads) {
            t.join();
        }
        assertThat(inconsistent.get()).isZero();
        assertThat(store.version()).isEqualTo(601);
    }
}
