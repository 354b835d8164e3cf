package org.consort.kv;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.consort.common.InvariantViolation;

/**
 * The versioned in-memory key-value store: the replicated state of a node.
 *
 * <p>Versions are ledger seqnos: version 0 is the empty store and each {@link #commit} (on the
 * primary) or {@link #apply} (on replicas and during replay) creates the next version. The
 * latest version and up to {@link StoreConfig#historyVersionsMax()} older ones are readable;
 * so is every version newer than the global commit point, since {@link #rollback} may return
 * to any of them.
 *
 * <p>Conflict rule: a write transaction records what it reads from its snapshot. It commits
 * only if, at commit time, every key it read still has the same last write version (or is
 * still absent), and every map it iterated ({@code forEach}, {@code size}) has not been written
 * since; and if no rollback has dropped its snapshot. Writes alone never conflict.
 *
 * <p>Threading: thread-safe. Reads and snapshots are lock-free; {@link #commit},
 * {@link #apply} and {@link #rollback} are serialised by one lock; {@link #globalCommit} runs
 * hooks outside that lock but serialised with other calls of globalCommit. Transactions
 * themselves are not thread-safe.
 */
public final class Store {
    /** The current state and the number of rollbacks so far, read together by new transactions. */
    private record Head(State state, int rollbacks) {
    }

    /** Versions a {@link #keepVersions} rule holds, oldest first; guarded by commitLock. */
    private record KeepRule(Predicate<WriteSet> selects, int count, ArrayDeque<Long> versions) {
    }

    private record HookBinding<K, V>(MapName<K, V> map, GlobalCommitHook<K, V> hook) {
        void run(long version, WriteSet ws) {
            hook.onCommit(version, ws.writes(map));
        }
    }

    private final StoreConfig config;
    private final ReentrantLock commitLock = new ReentrantLock();
    private final ReentrantLock globalCommitLock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, State> history = new ConcurrentSkipListMap<>();
    private final Map<String, List<HookBinding<?, ?>>> hooks = new ConcurrentHashMap<>();
    /** The version each rollback returned to, in order; guarded by commitLock. */
    private final List<Long> rollbackTargets = new ArrayList<>();
    private volatile Head head;
    private volatile long globalCommitVersion;
    /** Sum of {@link WriteSet#bytes()} over the versions in the history; guarded by commitLock. */
    private long historyBytes;
    private final List<KeepRule> keepRules = new CopyOnWriteArrayList<>();
    /** Per version held by keep rules, how many hold it; guarded by commitLock. */
    private final Map<Long, Integer> kept = new HashMap<>();
    /**
     * Versions below this one have left the recent history: those still in {@link #history} are
     * there because a keep rule holds them. Guarded by commitLock.
     */
    private long recentFrom;

    /** An empty store at version 0. */
    public Store(StoreConfig config) {
        this(config, State.empty());
    }

    private Store(StoreConfig config, State initial) {
        this.config = Objects.requireNonNull(config, "config");
        this.head = new Head(initial, 0);
        this.history.put(initial.version(), initial);
        this.globalCommitVersion = initial.version();
        this.recentFrom = initial.version();
    }

    /**
     * A store holding the state of {@code snapshot} (from {@link #snapshot(long)}), whose
     * version is taken as globally committed. Throws IllegalArgumentException if the snapshot is
     * malformed.
     */
    public static Store fromSnapshot(StoreConfig config, byte[] snapshot) {
        return new Store(config, SnapshotFormat.read(Objects.requireNonNull(snapshot, "snapshot")));
    }

    /** The latest version (committed locally, not necessarily globally). */
    public long version() {
        return head.state().version();
    }

    /**
     * Keeps readable, besides the recent history ({@link StoreConfig}), the last {@code count}
     * versions whose write set {@code selects} picks, as long as they are not rolled back: an
     * application that answers for a few older states names them, instead of every version back to
     * the oldest of them being kept (the Ethereum application keeps its last 128 blocks this way).
     * Applies to versions made from now on; register before the store is used.
     */
    public void keepVersions(Predicate<WriteSet> selects, int count) {
        Objects.requireNonNull(selects, "selects");
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        keepRules.add(new KeepRule(selects, count, new ArrayDeque<>()));
    }

    /** The oldest version still readable (versions after it may have left, unless recent or kept by a rule). */
    public long oldestVersion() {
        return history.firstKey();
    }

    /** The highest version known to be globally committed. */
    public long globalCommitVersion() {
        return globalCommitVersion;
    }

    public StoreConfig config() {
        return config;
    }

    /** A read-only transaction on the latest version. */
    public ReadTx readTx() {
        return new ReadOnly(new StoreTx(this, head.state(), false, 0));
    }

    /** A read-only transaction on {@code version}; throws {@link VersionUnavailable} outside the readable window. */
    public ReadTx readTxAt(long version) {
        return new ReadOnly(new StoreTx(this, stateAt(version), false, 0));
    }

    /** A write transaction on the latest version. */
    public WriteTx writeTx() {
        Head h = head;
        return new StoreTx(this, h.state(), true, h.rollbacks());
    }

    private State stateAt(long version) {
        State s = history.get(version);
        if (s == null) {
            long latest = version();
            Long oldest = history.isEmpty() ? latest : history.firstKey();
            throw new VersionUnavailable(version, oldest, latest);
        }
        return s;
    }

    /** Same as {@link #commit(WriteTx, Consumer)} with nothing to do in order. */
    public CommitResult commit(WriteTx tx) {
        return commit(tx, ws -> {
        });
    }

    /**
     * Commits {@code tx}: checks it for conflicts, builds its write set as version
     * {@code version() + 1}, calls {@code inOrder} with it, and then makes the version visible.
     * {@code inOrder} runs under the commit lock, so successive calls see versions in order (the
     * node uses it to enqueue ledger entries). If {@code inOrder} throws, nothing is committed
     * and the exception propagates. A transaction without writes also commits and creates a
     * version. A transaction can be committed once; after a conflict, start a new one.
     */
    public CommitResult commit(WriteTx tx, Consumer<WriteSet> inOrder) {
        Objects.requireNonNull(tx, "tx");
        Objects.requireNonNull(inOrder, "inOrder");
        if (!(tx instanceof StoreTx t) || t.store != this) {
            throw new IllegalArgumentException("the transaction was not created by this store");
        }
        commitLock.lock();
        try {
            if (t.finished()) {
                throw new IllegalStateException("the transaction has already been committed or has conflicted");
            }
            t.finish();
            Head h = head;
            long snapshotVersion = t.snapshotVersion();
            for (int i = t.rollbacksSeen; i < rollbackTargets.size(); i++) {
                long target = rollbackTargets.get(i);
                if (target < snapshotVersion) {
                    return new CommitResult.Conflict("", "snapshot version " + snapshotVersion
                            + " was rolled back (to version " + target + ")");
                }
            }
            if (h.state() != t.snapshot) {
                for (TxMap m : t.maps()) {
                    String why = m.staleRead(h.state().map(m.name));
                    if (why != null) {
                        return new CommitResult.Conflict(m.name, why);
                    }
                }
            }
            WriteSet ws = t.toWriteSet(h.state().version() + 1);
            State next = h.state().apply(ws);
            inOrder.accept(ws);
            publish(next);
            return new CommitResult.Committed(ws.version(), ws);
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Runs {@code body} in a write transaction and commits it, retrying on a fresh snapshot after
     * each conflict, up to {@code attemptsMax} attempts in all. The body may run several times,
     * so it must have no effects outside the transaction. Exceptions from the body propagate and
     * nothing is committed. Throws {@link TransactionConflictException} when every attempt
     * conflicted.
     */
    public <T> Executed<T> execute(Function<WriteTx, T> body, int attemptsMax, Consumer<WriteSet> inOrder) {
        Objects.requireNonNull(body, "body");
        if (attemptsMax < 1) {
            throw new IllegalArgumentException("attemptsMax must be >= 1: " + attemptsMax);
        }
        CommitResult.Conflict last = null;
        for (int attempt = 1; attempt <= attemptsMax; attempt++) {
            WriteTx tx = writeTx();
            T result = body.apply(tx);
            switch (commit(tx, inOrder)) {
                case CommitResult.Committed c -> {
                    return new Executed<>(result, c.version(), c.writeSet());
                }
                case CommitResult.Conflict c -> last = c;
            }
        }
        throw new TransactionConflictException(attemptsMax, last);
    }

    /**
     * Applies a write set made elsewhere (by the primary, or read back from the ledger), without
     * conflict checks. It must be the next version: {@code ws.version() == version() + 1}, else
     * {@link InvariantViolation} (a gap or a replay means this node would diverge).
     */
    public void apply(WriteSet ws) {
        Objects.requireNonNull(ws, "ws");
        commitLock.lock();
        try {
            long latest = version();
            InvariantViolation.check(ws.version() == latest + 1, "write set of version " + ws.version()
                    + " cannot be applied to a store at version " + latest + ": versions must be consecutive");
            publish(head.state().apply(ws));
        } finally {
            commitLock.unlock();
        }
    }

    /** Caller holds commitLock. */
    private void publish(State next) {
        history.put(next.version(), next);
        historyBytes += writtenBytes(next);
        head = new Head(next, head.rollbacks());
        WriteSet ws = next.producedBy();
        if (ws != null) {
            for (KeepRule rule : keepRules) {
                if (rule.selects().test(ws)) {
                    rule.versions().addLast(next.version());
                    kept.merge(next.version(), 1, Integer::sum);
                    if (rule.versions().size() > rule.count()) {
                        release(rule.versions().pollFirst());
                    }
                }
            }
        }
        trimHistory();
    }

    /** Caller holds commitLock. A rule lets go of {@code version}: it leaves if no longer recent nor held. */
    private void release(long version) {
        Integer n = kept.get(version);
        if (n == null) {
            return;
        }
        if (n > 1) {
            kept.put(version, n - 1);
            return;
        }
        kept.remove(version);
        if (version < recentFrom && history.size() > 1) {
            State s = history.remove(version);
            if (s != null) {
                historyBytes -= writtenBytes(s);
            }
        }
    }

    private static long writtenBytes(State s) {
        return s.producedBy() == null ? 0 : s.producedBy().bytes();
    }

    /**
     * Caller holds commitLock. A version leaves the recent history while more than
     * historyVersionsMax are newer, or while the history holds more than historyBytesMax and more
     * than historyVersionsMin versions are newer; never one at or above the global commit point.
     * A version that leaves the recent history stays readable while a keep rule holds it.
     */
    private void trimHistory() {
        long latest = version();
        long keepFrom = Math.min(latest - config.historyVersionsMax(), globalCommitVersion);
        long bytesFrom = Math.min(latest - config.historyVersionsMin(), globalCommitVersion);
        while (true) {
            var oldest = history.ceilingEntry(recentFrom);
            if (oldest == null || oldest.getKey() >= latest) {
                return;
            }
            long v = oldest.getKey();
            boolean overCount = v < keepFrom;
            boolean overBytes = historyBytes > config.historyBytesMax() && v < bytesFrom;
            if (!overCount && !overBytes) {
                return;
            }
            recentFrom = v + 1;
            if (!kept.containsKey(v)) {
                history.remove(v);
                historyBytes -= writtenBytes(oldest.getValue());
            }
        }
    }

    /**
     * Drops every version after {@code version}, which becomes the latest: the speculative tail
     * is lost. Open write transactions whose snapshot was dropped will conflict. Rolling back
     * below the global commit point is an {@link InvariantViolation}; rolling "forward" beyond
     * the latest version is an IllegalArgumentException.
     */
    public void rollback(long version) {
        commitLock.lock();
        try {
            InvariantViolation.check(version >= globalCommitVersion, "cannot roll back to version " + version
                    + ": versions up to " + globalCommitVersion + " are globally committed");
            long latest = version();
            if (version > latest) {
                throw new IllegalArgumentException("cannot roll back to version " + version
                        + ", beyond the latest version " + latest);
            }
            if (version == latest) {
                return;
            }
            State target = history.get(version);
            InvariantViolation.check(target != null, "version " + version + " is above the global commit point"
                    + " but is not in the history");
            for (KeepRule rule : keepRules) {
                while (!rule.versions().isEmpty() && rule.versions().peekLast() > version) {
                    release(rule.versions().pollLast());
                }
            }
            var dropped = history.tailMap(version, false);
            for (State d : dropped.values()) {
                historyBytes -= writtenBytes(d);
            }
            dropped.clear();
            rollbackTargets.add(version);
            head = new Head(target, head.rollbacks() + 1);
        } finally {
            commitLock.unlock();
        }
    }

    /**
     * Replaces the whole state with {@code snapshot} (from {@link #snapshot(long)} on another
     * node), whose version becomes the latest and the globally committed one: a node that was too
     * far behind, or joins from a snapshot. Open write transactions will conflict; hooks do not
     * run for the versions the snapshot skips. Throws IllegalArgumentException if it is malformed.
     */
    public void install(byte[] snapshot) {
        State state = SnapshotFormat.read(Objects.requireNonNull(snapshot, "snapshot"));
        globalCommitLock.lock();
        try {
            commitLock.lock();
            try {
                history.clear();
                history.put(state.version(), state);
                historyBytes = writtenBytes(state);
                keepRules.forEach(rule -> rule.versions().clear());
                kept.clear();
                recentFrom = state.version();
                // A rollback to "before everything" makes every open write transaction conflict.
                rollbackTargets.add(-1L);
                head = new Head(state, head.rollbacks() + 1);
                globalCommitVersion = state.version();
            } finally {
                commitLock.unlock();
            }
        } finally {
            globalCommitLock.unlock();
        }
    }

    /**
     * Marks versions up to {@code version} as globally committed and runs the hooks of each newly
     * committed version, in version order (then by map name, then in order of registration),
     * each exactly once, on this thread. A version at or below the current global commit point
     * is a no-op; one above the latest version is an IllegalArgumentException. If hooks throw,
     * all the others still run and {@link GlobalCommitHookFailure} is thrown afterwards.
     */
    public void globalCommit(long version) {
        globalCommitLock.lock();
        try {
            List<State> committed;
            commitLock.lock();
            try {
                long from = globalCommitVersion;
                if (version <= from) {
                    return;
                }
                long latest = version();
                if (version > latest) {
                    throw new IllegalArgumentException("cannot globally commit version " + version
                            + ", beyond the latest version " + latest);
                }
                committed = new ArrayList<>(history.subMap(from, false, version, true).values());
                InvariantViolation.check(committed.size() == version - from, "versions " + (from + 1)
                        + " to " + version + " should all be in the history");
                globalCommitVersion = version;
                trimHistory();
            } finally {
                commitLock.unlock();
            }
            runHooks(committed);
        } finally {
            globalCommitLock.unlock();
        }
    }

    private void runHooks(List<State> committed) {
        if (hooks.isEmpty()) {
            return;
        }
        GlobalCommitHookFailure failure = null;
        for (State s : committed) {
            WriteSet ws = s.producedBy();
            InvariantViolation.check(ws != null, "globally committed version " + s.version() + " has no write set");
            for (String name : ws.mapNames()) {
                for (HookBinding<?, ?> binding : hooks.getOrDefault(name, List.of())) {
                    try {
                        binding.run(s.version(), ws);
                    } catch (RuntimeException e) {
                        if (failure == null) {
                            failure = new GlobalCommitHookFailure("a global commit hook of map '" + name
                                    + "' failed at version " + s.version(), e);
                        } else {
                            failure.addSuppressed(e);
                        }
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Registers {@code hook} for every version that writes {@code map} and becomes globally
     * committed from now on.
     */
    public <K, V> void addGlobalCommitHook(MapName<K, V> map, GlobalCommitHook<K, V> hook) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(hook, "hook");
        hooks.computeIfAbsent(map.name(), n -> new CopyOnWriteArrayList<>()).add(new HookBinding<>(map, hook));
    }

    /**
     * Every map at {@code version} in the deterministic layout of {@link SnapshotFormat} (both
     * public and private maps, in plaintext). Throws {@link VersionUnavailable} outside the
     * readable window.
     */
    public byte[] snapshot(long version) {
        return SnapshotFormat.write(stateAt(version));
    }

    /**
     * The state at {@code version}, held so that it can be written out later whatever the store
     * does meanwhile: taking it is cheap (versions are immutable), writing it is the long part and
     * needs no lock. Throws {@link VersionUnavailable} outside the readable window.
     */
    public Frozen freeze(long version) {
        return new Frozen(stateAt(version));
    }

    /** One version's state, kept readable by holding it; see {@link #freeze(long)}. Immutable. */
    public static final class Frozen {
        private final State state;

        private Frozen(State state) {
            this.state = state;
        }

        public long version() {
            return state.version();
        }

        /** The same bytes as {@link Store#snapshot(long)} at this version. */
        public byte[] snapshot() {
            return SnapshotFormat.write(state);
        }

        /** The length of {@link #snapshot()}, counted without making it. */
        public long snapshotBytes() {
            return SnapshotFormat.size(state);
        }

        /** Writes {@link #snapshot()}'s bytes to {@code out} as they are made, without holding them all. */
        public void writeSnapshot(java.io.OutputStream out) throws java.io.IOException {
            SnapshotFormat.write(state, out);
        }
    }

    /** SHA-256 of {@link #snapshot(long)}: equal digests mean equal states. */
    public byte[] digest(long version) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(snapshot(version));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** Restricts a store transaction to the {@link ReadTx} interface, so it cannot be cast to a writer. */
    private record ReadOnly(StoreTx tx) implements ReadTx {
        @Override
        public <K, V> MapReader<K, V> read(MapName<K, V> map) {
            return tx.read(map);
        }

        @Override
        public long snapshotVersion() {
            return tx.snapshotVersion();
        }
    }
}
