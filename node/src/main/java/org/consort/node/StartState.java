package org.consort.node;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteSet;
import org.consort.ledger.EntryKind;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerBase;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.ReplayedEntry;
import org.consort.node.replication.NodeSnapshot;
import org.consort.node.tx.ViewHistory;
import org.consort.replication.StoredSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node starts from: its store, views and ledger, built from its latest usable snapshot
 * and the ledger entries after it, or from the whole ledger when there is no usable snapshot.
 *
 * <p>The snapshots are tried newest first. One is usable if its MD5 digest (kept by the log beside
 * it), its own SHA-256 and the decryption of its store check out, if its store is not older than
 * the ledger folder's first entry (a node that joined or caught up from a snapshot holds no entry
 * before that snapshot's base), and if the ledger holds the same entry and Merkle tree at its base.
 * A snapshot that is not is logged, naming the file, and the next older one is tried. A ledger
 * that begins at a snapshot's base cannot be replayed on its own: without a usable snapshot at or
 * after that base the node refuses to start.
 *
 * <p>A snapshot whose base is past the ledger's end was sent by the primary and the node stopped
 * before it had installed it: the ledger starts again from it now, as the install would have, and
 * the log installs the entries it holds after its base.
 *
 * @param store       the store, at the ledger's last seqno
 * @param views       the views of every seqno of the store
 * @param ledger      the open ledger
 * @param snapshot    the snapshot the store was loaded from, if any
 * @param snapshotLastSeqno the last entry that snapshot holds (its base, then the entries after it); 0 without one
 * @param replayed    entries replayed from the ledger into the store
 */
public record StartState(Store store, ViewHistory views, Ledger ledger, Optional<Loaded> snapshot, long snapshotLastSeqno,
                  long replayed) {
    private static final Logger LOG = LoggerFactory.getLogger(StartState.class);

    /** A snapshot a node loaded at start: where it is kept, and the seqno of its store. */
    record Loaded(StoredSnapshot stored, long seqno) {
    }

    /** Checks a stored snapshot's digest, as the replicated log keeps it; IOException saying what is wrong. */
    interface DigestCheck {
        void verify(StoredSnapshot s) throws IOException;
    }

    /**
     * Loads the node's state; {@code snapshots} newest first. A recovering node replays its whole
     * ledger ({@code withholding} the private parts of entries whose secret it does not hold yet).
     */
    static StartState load(Path ledgerDir, LedgerConfig ledgerConfig, LedgerSecrets secrets, StoreConfig storeConfig,
            List<StoredSnapshot> snapshots, DigestCheck digest, int entryBytesMax, boolean withholding)
            throws IOException, Node.StartFailure {
        long started = System.nanoTime();
        long ledgerBase = LedgerBase.read(ledgerDir).map(b -> b.last().seqno()).orElse(0L);
        List<String> refused = new ArrayList<>();
        if (!withholding) {
            for (StoredSnapshot s : snapshots) {
                NodeSnapshot snap;
                try {
                    digest.verify(s);
                    snap = NodeSnapshot.read(s.file(), secrets, entryBytesMax);
                } catch (IOException | RuntimeException e) {
                    String why = e.getMessage() != null && e.getMessage().startsWith("snapshot ") ? e.getMessage()
                            : "snapshot " + s.file().getFileName() + ": " + e.getMessage();
                    LOG.warn("{}: not used; trying an older snapshot or the ledger (file {})", why, s.file());
                    refused.add(why);
                    continue;
                }
                long seqno = snap.base().last().seqno();
                if (seqno < ledgerBase) {
                    String why = "snapshot " + s.file().getFileName() + " holds the store at seqno " + seqno
                            + ", before the ledger's first entry " + (ledgerBase + 1);
                    LOG.info("{}: not used", why);
                    refused.add(why);
                    continue;
                }
                Optional<StartState> state = fromSnapshot(ledgerDir, ledgerConfig, secrets, storeConfig, s, snap);
                if (state.isPresent()) {
                    log(state.get(), started);
                    return state.get();
                }
                refused.add("snapshot " + s.file().getFileName() + " does not match the ledger at seqno " + seqno);
            }
            if (ledgerBase > 0) {
                throw new Node.StartFailure("the ledger in " + ledgerDir + " begins after seqno " + ledgerBase
                        + " (this node started from a snapshot), but no usable snapshot at or after that seqno was found"
                        + (snapshots.isEmpty() ? " (there is none)" : ": " + String.join("; ", refused))
                        + ". Start the node again in an empty node and ledger folder so that it joins and gets a snapshot"
                        + " from the service, or restore the snapshot files", null);
            }
        }
        Store store = new Store(storeConfig);
        ViewHistory views = new ViewHistory();
        long[] replayed = {0};
        Consumer<ReplayedEntry> replay = replayInto(store, views, replayed);
        Ledger ledger = withholding ? Ledger.openWithholding(ledgerDir, ledgerConfig, secrets, replay)
                : Ledger.open(ledgerDir, ledgerConfig, secrets, replay);
        StartState state = new StartState(store, views, ledger, Optional.empty(), 0, replayed[0]);
        log(state, started);
        return state;
    }

    /** The state from {@code snap} and the ledger after it; empty (the ledger closed) if they do not match. */
    private static Optional<StartState> fromSnapshot(Path ledgerDir, LedgerConfig ledgerConfig, LedgerSecrets secrets,
            StoreConfig storeConfig, StoredSnapshot stored, NodeSnapshot snap) throws IOException {
        long seqno = snap.base().last().seqno();
        Store store = Store.fromSnapshot(storeConfig, snap.store());
        if (store.version() != seqno) {
            throw new IOException("snapshot " + stored.file().getFileName() + " holds a store at version " + store.version()
                    + " for seqno " + seqno);
        }
        ViewHistory views = new ViewHistory();
        Map<Long, Long> known = new LinkedHashMap<>();
        snap.views().forEach((v, start) -> {
            if (start <= seqno) {
                known.put(v, start);
            }
        });
        views.reset(known);
        long[] replayed = {0};
        Ledger ledger = Ledger.open(ledgerDir, ledgerConfig, secrets, seqno, replayInto(store, views, replayed));
        try {
            if (ledger.lastSeqno() >= seqno) {
                if (!ledger.txId(seqno).equals(Optional.of(snap.base().last()))
                        || !ledger.frontier(seqno).equals(snap.base().frontier())) {
                    LOG.warn("snapshot {} holds the store at {}, but the ledger holds {} there, or another Merkle tree: not"
                            + " used; trying an older snapshot or the ledger", stored.file(), snap.base().last(),
                            ledger.txId(seqno).map(Object::toString).orElse("nothing"));
                    ledger.close();
                    return Optional.empty();
                }
            } else {
                LOG.info("snapshot {} holds the store at seqno {}, past the ledger's last entry {}: the node stopped while"
                        + " installing it; the ledger starts again from it", stored.file(), seqno, ledger.lastSeqno());
                ledger.rebase(snap.base());
            }
        } catch (IOException | RuntimeException e) {
            ledger.close();
            throw e;
        }
        return Optional.of(new StartState(store, views, ledger, Optional.of(new Loaded(stored, seqno)), snap.lastSeqno(),
                replayed[0]));
    }

    /**
     * Applies each replayed ledger entry's write set to {@code store} and records the views it
     * sees: how a starting node (and the simulated network's) rebuilds its state from its ledger.
     */
    public static Consumer<ReplayedEntry> replayInto(Store store, ViewHistory views) {
        return replayInto(store, views, new long[1]);
    }

    /** The same, counting the entries applied in {@code count[0]}. */
    private static Consumer<ReplayedEntry> replayInto(Store store, ViewHistory views, long[] count) {
        long[] lastView = {views.currentView()};
        return e -> {
            long seqno = e.txId().seqno();
            if (e.txId().view() != lastView[0]) {
                views.startView(e.txId().view(), seqno);
                lastView[0] = e.txId().view();
            }
            WriteSet ws = e.kind() == EntryKind.WRITE_SET
                    ? WriteSet.deserialize(seqno, seqno - 1, e.publicPart(), e.privatePart())
                    : WriteSet.deserialize(seqno, seqno - 1, new byte[0], new byte[0]);
            store.apply(ws);
            count[0]++;
        };
    }

    private static void log(StartState s, long startedNanos) {
        long ms = (System.nanoTime() - startedNanos) / 1_000_000;
        if (s.snapshot().isPresent()) {
            LOG.info("started from snapshot {} (store at seqno {}), then replayed {} ledger entries up to seqno {}, in {} ms",
                    s.snapshot().get().stored().file(), s.snapshot().get().seqno(), s.replayed(), s.ledger().lastSeqno(), ms);
        } else {
            LOG.info("replayed the whole ledger ({} entries up to seqno {}) without a snapshot, in {} ms", s.replayed(),
                    s.ledger().lastSeqno(), ms);
        }
    }
}
