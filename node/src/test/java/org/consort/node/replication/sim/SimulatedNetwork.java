package org.consort.node.replication.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.kv.Codec;
import org.consort.kv.MapName;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerEntry;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.LedgerVerifier;
import org.consort.ledger.MerkleFrontier;
import org.consort.node.Limits;
import org.consort.node.StartState;
import org.consort.node.replication.EntryBatch;
import org.consort.node.replication.LogReplicator;
import org.consort.node.replication.NotPrimaryException;
import org.consort.node.tx.TxEngine;
import org.consort.node.tx.TxStatus;
import org.consort.node.tx.ViewHistory;
import org.consort.replication.LogStateMachine;

/**
 * N real nodes above a {@link SimulatedLog.Group}, on one thread, every event decided by one
 * seeded {@link Random}: each node has its own {@link Store}, {@link Ledger} in its own folder
 * (real files, real encryption, real signatures), {@link ViewHistory}, {@link LogReplicator}
 * and {@link TxEngine}; they share the ledger secrets and hold node certificates endorsed by
 * one service identity. Time is a simulated clock that only {@link #step} moves.
 *
 * <p>{@link #check} runs after every step and throws {@link Failure} (naming the seed, the step
 * and the last events) when the nodes disagree; see {@link #check} and {@link #checkHealed}.
 *
 * <p>Key material and ECDSA signatures use {@link SecureRandom}: they never decide what
 * happens next. (Signature entries therefore vary by a few bytes from run to run, so the
 * batch byte bound is set where it never binds: only entry counts cut batches.)
 */
final class SimulatedNetwork implements AutoCloseable {
    /** A private application map (encrypted in the ledger): one key per client write. */
    static final MapName<String, String> RECORDS = MapName.of("sim.records", Codec.utf8(), Codec.utf8());
    /** A public map (plaintext in the ledger): counters that writes read and increment. */
    static final MapName<String, Long> COUNTERS = MapName.of("public:sim.counters", Codec.utf8(), Codec.int64());
    static final int COUNTER_KEYS = 4;
    private static final int EVENTS_KEPT = 60;
    private static final long CHUNK_BYTES = 24 * 1024;
    /**
     * Healing rounds allowed: each round runs every node's events once and moves the clock by
     * a signature interval, so a few elections and one interval per round settle well within it.
     */
    private static final int HEAL_ROUNDS_MAX = 100;
    /**
     * Steps a steady primary (the ready leader, with a quorum up) may hold uncommitted versions
     * while it applies and commits nothing: proposing, committing, applying and the signature
     * timer each take a few steps, so only a primary that waits for something that never comes
     * stays this long. (Under a backlog the commit point alone may lag far longer: a signature
     * takes its seqno behind every transaction already executed.)
     */
    private static final int STALL_STEPS_MAX = 300;

    /** The invariant that broke, with the seed and step that replay it. */
    static final class Failure extends AssertionError {
        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * What a run looks like; every field is drawn from the seed by {@link #forSeed}.
     *
     * @param nodes      nodes in the group (3 or 5)
     * @param replicator the replicator's bounds and signature cadence
     * @param faults     whether crashes, leader changes and damaged batches happen
     * @param calm       1 in {@code calm} fault draws is a fault (1: every one); the others are ordinary events
     */
    record Plan(int nodes, LogReplicator.Settings replicator, boolean faults, int calm) {
        static Plan forSeed(Random r) {
            int batchBytesMax = 1 << 20;
            int sigEntries = 1 + r.nextInt(8);
            long sigMs = 5 + r.nextInt(40);
            int pendingMax = 4 + r.nextInt(29);
            int batchEntries = 1 + r.nextInt(6);
            int inFlight = 1 + r.nextInt(4);
            int nodes = r.nextInt(3) == 0 ? 5 : 3;
            boolean fsync = r.nextBoolean();
            LogReplicator.Settings s = new LogReplicator.Settings(sigEntries, sigMs, fsync, pendingMax, batchEntries,
                    batchBytesMax, inFlight, batchBytesMax - EntryBatch.HEADER_BYTES - EntryBatch.PER_ENTRY_BYTES);
            int[] calms = {1, 1, 2, 4, 8};
            return new Plan(nodes, s, true, calms[r.nextInt(calms.length)]);
        }
    }

    /** A client write that a primary accepted, and what the nodes have said about it since. */
    static final class Write {
        final int id;
        final TxId txId;
        final String key;
        final String value;
        final String counter;
        String committedOn;
        String invalidOn;

        Write(int id, TxId txId, String key, String value, String counter) {
            this.id = id;
            this.txId = txId;
            this.key = key;
            this.value = value;
            this.counter = counter;
        }
    }

    /** What the first node to apply a seqno saw; every other node must see the same. */
    private record Canon(TxId txId, byte[] root, byte[] digest, int node, int step) {
    }

    /** A clock that moves only when the simulation says so. */
    static final class SimClock implements InstantSource {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advanceMillis(long ms) {
            now = now.plusMillis(ms);
        }
    }

    /** One node: its files and identity survive a crash; everything else is rebuilt from its ledger. */
    final class SimNode {
        final int index;
        final Identity identity;
        final Path ledgerDir;
        final LedgerSecrets secrets;
        Store store;
        Ledger ledger;
        ViewHistory views;
        LogReplicator replicator;
        TxEngine engine;
        boolean up;
        /** Merkle frontier over the entries of this node's ledger checked so far. */
        MerkleFrontier checked;
        long lastCommitted;
        long lastApplied;
        /** Last step at which this node, if the steady primary, applied or committed something, or had nothing to. */
        int progressStep;
        /** Highest log index applied in any life of this node: at or below it, the log is replaying. */
        long freshIndex;
        int deliveredAtCrash;
        /** The ledger lost entries the log had delivered (a power loss): the log must replay them. */
        boolean mustReplayAll;
        /** A half-written entry ends the ledger's open chunk. */
        boolean tornTail;
        Throwable fatal;

        SimNode(int index, Identity identity, Path ledgerDir, LedgerSecrets secrets) {
            this.index = index;
            this.identity = identity;
            this.ledgerDir = ledgerDir;
            this.secrets = secrets;
        }

        /** As {@code Node.start}: replay the ledger into a new store, then start the replicator on it. */
        void open() {
            Store s = new Store(new StoreConfig(Limits.defaults().historyVersionsMax()));
            ViewHistory v = new ViewHistory();
            try {
                ledger = Ledger.open(ledgerDir, LedgerConfig.defaults(clock).withChunkSizeBytes(CHUNK_BYTES), secrets,
                        StartState.replayInto(s, v));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the ledger of node " + index, e);
            }
            s.globalCommit(ledger.lastSignature().map(p -> p.txId().seqno()).orElse(0L));
            store = s;
            views = v;
            replicator = new LogReplicator(s, ledger, secrets, identity, v, plan.replicator(), clock, s::globalCommit,
                    t -> fatal = fatal != null ? fatal : t);
            engine = new TxEngine(s, replicator, v, Limits.defaults());
            replicator.attach(new SimulatedLog(group, index));
            replicator.startDriven();
            checked = MerkleFrontier.empty();
            up = true;
        }

        /** The process stops: the replicator and the ledger close (the ledger is flushed after every batch). */
        void close() {
            replicator.close();
            try {
                ledger.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the ledger of node " + index, e);
            }
            up = false;
        }

        LogStateMachine target() {
            LogReplicator r = replicator;
            return new LogStateMachine() {
                @Override
                public void applyBatch(long term, long index, byte[] batch) {
                    long before = r.ignoredBatches();
                    r.applyBatch(term, index, batch);
                    recordDecision(SimNode.this, index, r.ignoredBatches() > before);
                }

                @Override
                public void onRejectedBatch(long term, long index, String reason) {
                    r.onRejectedBatch(term, index, reason);
                }

                @Override
                public void onLeaderReady(long term) {
                    r.onLeaderReady(term);
                }

                @Override
                public void onNotLeader(long term) {
                    r.onNotLeader(term);
                }

                @Override
                public SnapshotWriter prepareSnapshot(long term, long index) throws IOException {
                    return r.prepareSnapshot(term, index);
                }

                @Override
                public void installSnapshot(long term, long index, Path file) throws IOException {
                    r.installSnapshot(term, index, file);
                }
            };
        }

        @Override
        public String toString() {
            return "node " + index + (up ? "" : " (down)");
        }
    }

    final long seed;
    final Plan plan;
    final Random random;
    final SimClock clock = new SimClock();
    final SimulatedLog.Group group;
    final List<SimNode> nodes = new ArrayList<>();
    final List<Write> writes = new ArrayList<>();
    private final Path dir;
    private final X509Certificate serviceCert;
    private final List<Canon> canon = new ArrayList<>();
    private final Map<Long, Boolean> ignoredAt = new HashMap<>();
    private final Deque<String> recent = new ArrayDeque<>();
    /** Every event, in order: two runs of one seed must produce the same list. */
    private final List<String> events = new ArrayList<>();
    private boolean faults;
    private boolean busy = true;
    private boolean breakArmed;
    int step;
    /** Steps the run makes before healing, for the replay command in a failure. */
    int stepsPlanned;
    private int writeIds;
    private long rejectedWrites;
    /** What happened, for a test that checks that the faults do happen. */
    final Map<String, Integer> counts = new TreeMap<>();

    SimulatedNetwork(long seed, Path dir) {
        this(seed, dir, null);
    }

    /** A network for {@code seed}; {@code plan} null draws it from the seed. */
    SimulatedNetwork(long seed, Path dir, Plan plan) {
        this.seed = seed;
        this.random = new Random(seed);
        this.plan = plan != null ? plan : Plan.forSeed(random);
        this.faults = this.plan.faults();
        this.dir = dir;
        SecureRandom keys = new SecureRandom();
        Instant notBefore = clock.instant().minus(Duration.ofDays(1));
        KeyPair serviceKey = EcCurve.P384.generateKeyPair(keys);
        serviceCert = Certificates.selfSignedService(serviceKey, "Consort simulated service", notBefore, Duration.ofDays(3650),
                keys);
        LedgerSecrets secrets = LedgerSecrets.generate(keys);
        List<Identity> identities = new ArrayList<>();
        for (int i = 0; i < this.plan.nodes(); i++) {
            KeyPair k = EcCurve.P384.generateKeyPair(keys);
            X509Certificate c = Certificates.nodeCertificate(k.getPublic(), "Consort simulated node " + i,
                    serviceKey.getPrivate(), serviceCert, notBefore, Duration.ofDays(3650),
                    Certificates.SubjectAltNames.localhost(), keys);
            identities.add(new Identity(k.getPrivate(), c));
        }
        group = new SimulatedLog.Group(identities.stream().map(Identity::id).toList(), this::event);
        for (int i = 0; i < this.plan.nodes(); i++) {
            SimNode n = new SimNode(i, identities.get(i), dir.resolve("node" + i), LedgerSecrets.fromJson(secrets.toJson()));
            n.open();
            group.members.get(i).target = n.target();
            nodes.add(n);
        }
        event("plan: " + this.plan);
    }

    // ---- events and failures -------------------------------------------------------------

    void count(String what) {
        counts.merge(what, 1, Integer::sum);
    }

    void event(String what) {
        String e = "[" + step + "] " + what;
        events.add(e);
        recent.addLast(e);
        if (recent.size() > EVENTS_KEPT) {
            recent.removeFirst();
        }
    }

    List<String> events() {
        return List.copyOf(events);
    }

    void disableFaults() {
        faults = false;
    }

    Failure failure(String what, Throwable cause) {
        StringBuilder b = new StringBuilder();
        b.append("simulation seed ").append(seed).append(" failed at step ").append(step).append(": ").append(what);
        if (stepsPlanned > 0) {
            b.append("\n  replay: ./mvnw -B -o -pl node test -Dtest='SimulationTest#replaySeed' -Dconsort.sim.seed=")
                    .append(seed).append(" -Dconsort.sim.steps=").append(stepsPlanned);
        }
        b.append("\n  state: ").append(describe()).append("\n  last events:");
        for (String e : recent) {
            b.append("\n    ").append(e);
        }
        return new Failure(b.toString(), cause);
    }

    private void require(boolean ok, String what) {
        if (!ok) {
            throw failure(what, null);
        }
    }

    String describe() {
        StringBuilder b = new StringBuilder("term " + group.term + ", leader " + group.leader + ", committed "
                + group.committed.size() + ", tail " + group.tail.size() + ", deferred " + group.deferred.size());
        for (SimNode n : nodes) {
            SimulatedLog.Group.Member m = group.members.get(n.index);
            b.append("; node ").append(n.index);
            if (!n.up) {
                b.append(" down");
                continue;
            }
            b.append(" view ").append(n.replicator.view()).append(" applied ").append(n.replicator.appliedSeqno())
                    .append(" store ").append(n.store.version()).append(" committed ").append(n.replicator.committedSeqno())
                    .append(" delivered ").append(m.delivered).append(m.deposedUnaware ? " deposed-unaware" : "")
                    .append(m.readyTerm >= 0 ? " ready-term " + m.readyTerm : "");
        }
        return b.toString();
    }

    // ---- the random driver -----------------------------------------------------------------

    /** One step chosen by the seed, then {@link #check}. */
    void step() {
        step++;
        try {
            randomAction();
        } catch (Failure f) {
            throw f;
        } catch (RuntimeException | Error e) {
            // An exception out of applyBatch stops a Ratis server: in the simulation it is a failure.
            throw failure("a node threw " + e, e);
        }
        check();
    }

    private void randomAction() {
        if (random.nextInt(25) == 0) {
            // Load comes in bursts: quiet stretches let primaries go idle, with everything applied.
            busy = !busy;
            event(busy ? "load: clients start writing" : "load: clients pause");
        }
        if (breakArmed && faults && breakTailBatch()) {
            breakArmed = false;
            count("batches with a broken sequence");
        }
        int roll = random.nextInt(1000);
        if (roll >= ORDINARY_WEIGHT && (!faults || random.nextInt(plan.calm()) != 0)) {
            roll = random.nextInt(ORDINARY_WEIGHT); // a calm run turns most faults into ordinary events
        }
        if (group.stepDownRequested && random.nextInt(2) == 0) {
            electRandom("the leader asked to step down");
            return;
        }
        if (group.leader < 0 && group.hasQuorum() && random.nextInt(3) == 0) {
            electRandom("nobody leads");
            return;
        }
        if ((roll -= 220) < 0) {
            if (busy) {
                clientWrites(1 + random.nextInt(3));
            }
        } else if ((roll -= 200) < 0) {
            pump(primaryOrAnyNode(), 1 + random.nextInt(4));
        } else if ((roll -= 130) < 0) {
            group.commit(1 + random.nextInt(Math.max(1, group.tail.size())));
        } else if ((roll -= 200) < 0) {
            deliverToLaggingNode(1 + random.nextInt(4));
        } else if ((roll -= 50) < 0) {
            long ms = 1 + random.nextInt((int) plan.replicator().signatureIntervalMs() * 2);
            clock.advanceMillis(ms);
            event("clock +" + ms + " ms");
        } else if ((roll -= 8) < 0) {
            noticeRandom();
        } else if ((roll -= 20) < 0) {
            if (group.runDeferred()) {
                event("the log reports a deferred failure");
            }
        } else if ((roll -= 50) < 0) {
            for (SimNode n : nodes) {
                if (n.up && group.signalReadyIfPending(n.index)) {
                    break;
                }
            }
        } else if (faults) {
            randomFault(roll);
        }
    }

    /** Weight (of 1000) of the ordinary events above; the faults share the rest. */
    private static final int ORDINARY_WEIGHT = 878;

    private void randomFault(int roll) {
        // roll is in [0, 1000 - ORDINARY_WEIGHT): the faults share it; the rest of it is a quiet step.
        if ((roll -= 6) < 0) {
            electRandom("an election");
        } else if ((roll -= 3) < 0) {
            if (group.leader >= 0) {
                group.depose();
            }
        } else if ((roll -= 5) < 0) {
            crashRandom();
        } else if ((roll -= 25) < 0) {
            restartRandom();
        } else if ((roll -= 5) < 0) {
            if (group.timeOutOldestProposal()) {
                count("proposals timed out");
            }
        } else if ((roll -= 5) < 0) {
            if (group.leader >= 0 && !group.refuseNextProposal) {
                group.refuseNextProposal = true;
                group.refusalSeenAsTimeout = random.nextInt(3) == 0;
                count("proposals refused");
                event("fault: the leader will refuse its next proposal");
            }
        } else if ((roll -= 3) < 0) {
            if (logCorruptBatch()) {
                count("undecodable batches logged");
            }
        } else if ((roll -= 4) < 0) {
            if (logStaleBatch()) {
                count("old batches logged again");
            }
        } else if ((roll -= 4) < 0) {
            breakArmed = true; // the next batch of two or more entries in the leader's tail
        } else if ((roll -= 2) < 0) {
            if (plan.replicator().fsync() && group.upCount() - 1 > group.size() / 2) {
                powerLoss(randomUpNode());
            }
        } else if ((roll -= 2) < 0) {
            // The wall clock steps back (an NTP correction): the injected InstantSource is not monotonic.
            long ms = 1 + random.nextInt(60_000);
            clock.advanceMillis(-ms);
            count("clock steps back");
            event("clock -" + ms + " ms");
        }
    }

    /** Mostly a node that believes it is the primary, now and then any node that is up. */
    SimNode primaryOrAnyNode() {
        List<SimNode> primaries = nodes.stream().filter(n -> n.up && n.replicator.isPrimary()).toList();
        return !primaries.isEmpty() && random.nextInt(5) != 0 ? primaries.get(random.nextInt(primaries.size())) : randomUpNode();
    }

    /** Delivers committed entries to a node that is up and has some to get (by how many, nodes lag differently). */
    private void deliverToLaggingNode(int count) {
        List<SimNode> lagging = nodes.stream()
                .filter(n -> n.up && group.members.get(n.index).delivered < group.committed.size()).toList();
        if (lagging.isEmpty()) {
            return;
        }
        SimNode n = lagging.get(random.nextInt(lagging.size()));
        int k = group.deliver(n.index, count);
        event(n + " applies " + k + " entries");
        if (random.nextInt(4) != 0) {
            // Usually at once; otherwise the leader is ready in the log a while before it hears so.
            group.signalReadyIfPending(n.index);
        }
    }

    SimNode randomUpNode() {
        List<SimNode> up = nodes.stream().filter(n -> n.up).toList();
        return up.get(random.nextInt(up.size()));
    }

    private void electRandom(String why) {
        if (!group.hasQuorum()) {
            return;
        }
        SimNode n = randomUpNode();
        int keep = group.tail.isEmpty() ? 0 : random.nextInt(group.tail.size() + 1);
        event("election (" + why + ")");
        count("elections");
        group.elect(n.index, keep, random.nextInt(4) == 0 ? 1 : 0);
    }

    private void noticeRandom() {
        for (SimNode n : nodes) {
            if (n.up && group.members.get(n.index).deposedUnaware) {
                group.notice(n.index, random.nextBoolean());
                return;
            }
        }
    }

    private void crashRandom() {
        if (group.upCount() - 1 <= group.size() / 2) {
            return;
        }
        crash(randomUpNode());
    }

    void crash(SimNode n) {
        event("crash: " + n);
        count("crashes");
        n.deliveredAtCrash = group.members.get(n.index).delivered;
        n.close();
        group.crash(n.index);
    }

    /**
     * The machine loses power: what was not forced to disk is gone. With fsync on, the ledger
     * is forced at every batch with a signature, so it keeps at least every entry up to its
     * last signature; here it keeps exactly those, and the next entry is half written. Ratis
     * forces its own log, so the node gets the whole log again.
     */
    void powerLoss(SimNode n) {
        crash(n);
        count("power losses");
        try (Ledger l = Ledger.open(n.ledgerDir, LedgerConfig.defaults(clock).withChunkSizeBytes(CHUNK_BYTES), n.secrets, null)) {
            long keep = l.lastSignature().map(p -> p.txId().seqno()).orElse(0L);
            event("power loss: " + n + " keeps its ledger up to seqno " + keep + " of " + l.lastSeqno());
            l.truncate(keep);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Stream<Path> files = Files.list(n.ledgerDir)) {
            Optional<Path> open = files.filter(f -> f.getFileName().toString().endsWith(".open")).findFirst();
            if (open.isPresent()) {
                byte[] torn = new byte[1 + random.nextInt(40)];
                random.nextBytes(torn);
                if (torn.length >= Integer.BYTES) {
                    ByteBuffer.wrap(torn).putInt(1 << 20); // a length that promises more than what follows
                }
                Files.write(open.get(), torn, StandardOpenOption.APPEND);
                n.tornTail = true;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        n.mustReplayAll = true;
    }

    private void restartRandom() {
        List<SimNode> down = nodes.stream().filter(n -> !n.up).toList();
        if (down.isEmpty()) {
            return;
        }
        restart(down.get(random.nextInt(down.size())), random.nextBoolean());
    }

    /** Reopens {@code n} from its ledger; {@code replayAll}: the log delivers everything again, else from where its ledger ends. */
    void restart(SimNode n, boolean replayAll) {
        replayAll |= n.mustReplayAll;
        n.mustReplayAll = false;
        n.open();
        require(!n.tornTail || n.ledger.openReport().truncatedTail().isPresent(), n + " did not report the torn entry "
                + "at the end of its ledger");
        n.tornTail = false;
        count(replayAll ? "restarts replaying the whole log" : "restarts after the ledger's end");
        event("restart: " + n + " from seqno " + n.ledger.lastSeqno() + (replayAll ? ", the log replays from index 1"
                : ", the log goes on after index " + n.deliveredAtCrash));
        group.restart(n.index, n.target(), replayAll ? 0 : n.deliveredAtCrash);
    }

    /** Client writes on a node that believes it is the primary (now and then on any node). */
    void clientWrites(int count) {
        // Clients mostly follow the leader the log names; some still talk to a primary that lost the lead.
        SimNode n = group.leader >= 0 && nodes.get(group.leader).up && random.nextInt(3) != 0
                ? nodes.get(group.leader) : primaryOrAnyNode();
        for (int i = 0; i < count; i++) {
            write(n);
        }
    }

    /** One write through the node's {@link TxEngine}, as a client's would go; false when the node refused it. */
    boolean write(SimNode n) {
        int id = writeIds++;
        String key = "w" + id;
        String value = "seed " + seed + " write " + id;
        String counter = "c" + (id % COUNTER_KEYS);
        long view = n.replicator.view();
        long seqno;
        try {
            seqno = n.engine.writeInternal(tx -> {
                tx.write(RECORDS).put(key, value);
                long c = tx.read(COUNTERS).get(counter).orElse(0L);
                tx.write(COUNTERS).put(counter, c + 1);
            });
        } catch (NotPrimaryException | IllegalStateException e) {
            rejectedWrites++;
            event("write " + id + " on " + n + " refused: " + e.getMessage());
            return false;
        }
        count("writes accepted");
        Write w = new Write(id, new TxId(view, seqno), key, value, counter);
        writes.add(w);
        event("write " + id + " on " + n + " is " + w.txId);
        return true;
    }

    void pump(SimNode n, int times) {
        int proposed = 0;
        for (int i = 0; i < times; i++) {
            proposed += n.replicator.pumpBatcher() ? 1 : 0;
        }
        event("batcher of " + n + " runs " + times + "x, proposes " + proposed);
    }

    // ---- damaged and misfitting batches -------------------------------------------------------

    private boolean logCorruptBatch() {
        byte[] junk;
        String what;
        byte[] real = lastCommittedPayload();
        if (real != null && random.nextBoolean()) {
            // (Not its length in the event: signature entries vary by a few bytes from run to run.)
            int cut = 1 + random.nextInt(40);
            junk = Arrays.copyOf(real, Math.max(1, real.length - cut));
            what = "the last batch cut short by " + cut + " bytes";
        } else {
            junk = new byte[4 + random.nextInt(64)];
            random.nextBytes(junk);
            what = junk.length + " random bytes";
        }
        return group.logForeign(junk, "a batch no node can decode (" + what + ")");
    }

    private byte[] lastCommittedPayload() {
        for (int i = group.committed.size() - 1; i >= 0; i--) {
            if (group.committed.get(i).payload() != null) {
                return group.committed.get(i).payload();
            }
        }
        return null;
    }

    /** An old committed batch logged again in the current term: wrong view for the term, or a duplicate. */
    private boolean logStaleBatch() {
        List<SimulatedLog.Group.Entry> batches = group.committed.stream().filter(e -> e.payload() != null).toList();
        if (batches.isEmpty()) {
            return false;
        }
        SimulatedLog.Group.Entry e = batches.get(batches.size() - 1 - random.nextInt(Math.min(batches.size(), 8)));
        return group.logForeign(e.payload(), "again the batch of term " + e.term() + " index " + e.index());
    }

    /** A batch in the leader's tail loses an entry or has two swapped: its sequence breaks. */
    private boolean breakTailBatch() {
        for (int i = 0; i < group.tail.size(); i++) {
            byte[] p = group.tail.get(i).payload();
            if (p == null || group.tail.get(i).proposer() < 0) {
                continue; // a no-op, or a batch the simulation made up
            }
            List<LedgerEntry> entries = EntryBatch.decode(p, plan.replicator().entryBytesMax());
            if (entries.size() < 2) {
                continue;
            }
            List<byte[]> bytes = new ArrayList<>(entries.stream().map(LedgerEntry::bytes).toList());
            int k = random.nextInt(bytes.size() - 1);
            String what;
            if (random.nextBoolean() && bytes.size() > 2) {
                bytes.remove(k + 1);
                what = "drops entry " + (k + 1);
            } else {
                bytes.add(k, bytes.remove(k + 1));
                what = "swaps entries " + k + " and " + (k + 1);
            }
            group.replaceTail(i, EntryBatch.encode(bytes), "the batch at tail position " + i + " " + what);
            return true;
        }
        return false;
    }

    // ---- checks --------------------------------------------------------------------------

    private void recordDecision(SimNode n, long index, boolean ignored) {
        if (index <= n.freshIndex) {
            return; // a replay after a restart: what it changes is checked through the ledger and the store
        }
        n.freshIndex = index;
        Boolean first = ignoredAt.putIfAbsent(index, ignored);
        require(first == null || first == ignored, "node " + n.index + (ignored ? " ignored" : " applied")
                + " the batch at index " + index + ", which another node " + (first != null && first ? "ignored" : "applied"));
        if (ignored) {
            count("batches ignored");
            event("node " + n.index + " ignores the batch at index " + index);
        }
    }

    /**
     * After every step, on every node that is up: the ledger holds exactly the applied seqnos;
     * a node that is not primary holds no speculative version; the commit point never goes
     * back and is the ledger's last signature; and for every seqno applied anywhere, every node
     * that applied it has the same entry, the same Merkle root over that many entries and the
     * same store digest at that version. A write that one node calls Committed is never called
     * Invalid by another (or later), and the other way round. And a steady primary does not hold
     * uncommitted versions for more than {@link #STALL_STEPS_MAX} steps.
     */
    void check() {
        for (SimNode n : nodes) {
            if (!n.up) {
                continue;
            }
            if (n.fatal != null) {
                throw failure(n + " stopped: " + n.fatal, n.fatal);
            }
            LogReplicator r = n.replicator;
            long applied = r.appliedSeqno();
            require(n.ledger.lastSeqno() == applied, n + " applied seqno " + applied + " but its ledger ends at "
                    + n.ledger.lastSeqno());
            require(n.store.version() >= applied, n + " store at version " + n.store.version() + " below applied " + applied);
            require(r.isPrimary() || n.store.version() == applied, n + " is not primary but its store holds version "
                    + n.store.version() + " beyond the applied seqno " + applied);
            require(!r.isPrimary() || n.ledger.lastTxId().view() <= r.view(), n + " acts as the primary of view " + r.view()
                    + " but applied an entry of view " + n.ledger.lastTxId().view());
            long c = r.committedSeqno();
            require(c >= n.lastCommitted, n + " commit point went back from " + n.lastCommitted + " to " + c);
            long lastSig = n.ledger.lastSignature().map(p -> p.txId().seqno()).orElse(0L);
            require(c == lastSig, n + " commit point " + c + " is not its ledger's last signature " + lastSig);
            SimulatedLog.Group.Member m = group.members.get(n.index);
            boolean steadyPrimary = group.leader == n.index && m.readyInLog && r.isPrimary() && group.hasQuorum();
            if (!steadyPrimary || c != n.lastCommitted || applied != n.lastApplied || n.store.version() == c) {
                n.progressStep = step;
            }
            require(step - n.progressStep <= STALL_STEPS_MAX, n + " leads view " + r.view() + " and holds versions up to "
                    + n.store.version() + ", but has applied nothing after " + applied + " and committed nothing after " + c
                    + " for " + STALL_STEPS_MAX + " steps");
            n.lastCommitted = c;
            n.lastApplied = applied;
            for (long s = n.checked.size() + 1; s <= applied; s++) {
                long seqno = s;
                LedgerEntry e = n.ledger.entry(s).orElseThrow(() -> failure(n + " has no ledger entry " + seqno, null));
                n.checked.append(e.leaf());
                checkCanon(n, s, e.txId(), n.checked.root(), n.store.digest(s));
            }
            require(Arrays.equals(n.ledger.root(), n.checked.root()), n + " ledger root differs from the root of its entries");
        }
        checkWriteStatuses();
    }

    private void checkCanon(SimNode n, long seqno, TxId txId, byte[] root, byte[] digest) {
        if (canon.size() < seqno) {
            canon.add(new Canon(txId, root, digest, n.index, step));
            return;
        }
        Canon c = canon.get((int) seqno - 1);
        require(c.txId().equals(txId), n + " has entry " + txId + " at seqno " + seqno + " where node " + c.node()
                + " applied " + c.txId() + " (step " + c.step() + ")");
        require(Arrays.equals(c.root(), root), n + " Merkle root over " + seqno + " entries differs from node " + c.node()
                + "'s: " + hex(root) + " vs " + hex(c.root()));
        require(Arrays.equals(c.digest(), digest), n + " store digest at version " + seqno + " differs from node " + c.node()
                + "'s: " + hex(digest) + " vs " + hex(c.digest()));
    }

    private void checkWriteStatuses() {
        for (SimNode n : nodes) {
            if (!n.up) {
                continue;
            }
            long last = n.store.version();
            long committed = n.replicator.committedSeqno();
            for (Write w : writes) {
                TxStatus s = n.views.status(w.txId, last, committed);
                if (s == TxStatus.Committed && w.committedOn == null) {
                    w.committedOn = n + " at step " + step;
                    require(canon.size() >= w.txId.seqno() && canon.get((int) w.txId.seqno() - 1).txId().equals(w.txId),
                            "write " + w.id + " " + w.txId + " is Committed on " + n + " but is not the entry applied at its seqno");
                } else if (s == TxStatus.Invalid && w.invalidOn == null) {
                    w.invalidOn = n + " at step " + step;
                }
                require(w.committedOn == null || w.invalidOn == null, "write " + w.id + " " + w.txId + " was Committed ("
                        + w.committedOn + ") and Invalid (" + w.invalidOn + ")");
            }
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(8, b.length));
    }

    // ---- healing and the final checks -------------------------------------------------------------

    /**
     * No more faults: every node comes back, one leader stays, everything is proposed,
     * committed, delivered and signed. Throws {@link Failure} if the network does not settle.
     */
    void heal() {
        disableFaults();
        step++;
        event("heal");
        for (SimNode n : nodes) {
            if (!n.up) {
                restart(n, random.nextBoolean());
            }
        }
        try {
            for (int round = 0; round < HEAL_ROUNDS_MAX; round++) {
                if (group.leader < 0 || group.stepDownRequested) {
                    int next = group.leader >= 0 ? group.leader : 0;
                    event("election (healing)");
                    group.elect(next, group.tail.size(), 0);
                }
                for (SimNode n : nodes) {
                    group.notice(n.index, true);
                }
                while (group.runDeferred()) {
                    event("the log reports a deferred failure");
                }
                group.commit(Integer.MAX_VALUE);
                for (SimNode n : nodes) {
                    group.deliver(n.index, Integer.MAX_VALUE);
                    group.signalReadyIfPending(n.index);
                }
                for (SimNode n : nodes) {
                    n.replicator.pumpBatcher();
                }
                clock.advanceMillis(plan.replicator().signatureIntervalMs() + 1);
                check();
                if (settled()) {
                    event("settled after " + round + " healing rounds");
                    return;
                }
            }
        } catch (Failure f) {
            throw f;
        } catch (RuntimeException | Error e) {
            throw failure("a node threw while healing: " + e, e);
        }
        throw failure("the network did not settle within " + HEAL_ROUNDS_MAX + " healing rounds", null);
    }

    private boolean settled() {
        if (group.leader < 0 || !nodes.get(group.leader).replicator.isPrimary() || !group.tail.isEmpty()
                || !group.deferred.isEmpty() || !group.everythingDelivered()) {
            return false;
        }
        long last = nodes.get(group.leader).replicator.appliedSeqno();
        for (SimNode n : nodes) {
            LogReplicator r = n.replicator;
            if (r.appliedSeqno() != last || n.store.version() != last || r.committedSeqno() != last) {
                return false;
            }
        }
        return true;
    }

    /**
     * After {@link #heal}: every node has the same ledger (entry by entry), the same store, no
     * reservation held; every write is Committed or Invalid, as every node said before; each
     * committed write is in every store and each invalid one in none; each counter counts
     * exactly the committed writes that incremented it. Then every node restarts from its
     * ledger alone and must rebuild the same state, and every ledger passes the offline verifier.
     */
    void checkHealed() {
        SimNode first = nodes.get(0);
        long last = first.ledger.lastSeqno();
        byte[] digest = first.store.digest(last);
        for (SimNode n : nodes) {
            require(n.ledger.lastSeqno() == last, n + " ledger ends at " + n.ledger.lastSeqno() + ", node 0's at " + last);
            require(Arrays.equals(n.ledger.root(), first.ledger.root()), n + " ledger root differs from node 0's");
            require(Arrays.equals(n.store.digest(last), digest), n + " store differs from node 0's");
            for (long s = 1; s <= last; s++) {
                require(Arrays.equals(n.ledger.entry(s).orElseThrow().bytes(), first.ledger.entry(s).orElseThrow().bytes()),
                        n + " ledger entry " + s + " differs from node 0's");
            }
            // Items of ended views still queued are dropped (and their reservations returned) as the batcher meets them.
            for (int i = 0; i < plan.replicator().pendingEntriesMax(); i++) {
                n.replicator.pumpBatcher();
            }
            require(n.store.version() == last, n + " wrote after healing: store at " + n.store.version());
            int reserved = 0;
            while (reserved <= plan.replicator().pendingEntriesMax() && n.replicator.tryReserve()) {
                reserved++;
            }
            for (int i = 0; i < reserved; i++) {
                n.replicator.release();
            }
            require(reserved == plan.replicator().pendingEntriesMax(), n + " has " + reserved + " of "
                    + plan.replicator().pendingEntriesMax() + " reservations free after healing: some leaked");
        }
        long[] counts = new long[COUNTER_KEYS];
        for (Write w : writes) {
            TxStatus s = first.views.status(w.txId, last, first.replicator.committedSeqno());
            require(s == TxStatus.Committed || s == TxStatus.Invalid, "write " + w.id + " " + w.txId + " is " + s
                    + " after healing");
            require(w.committedOn == null || s == TxStatus.Committed, "write " + w.id + " " + w.txId + " was Committed on "
                    + w.committedOn + " but is lost");
            require(w.invalidOn == null || s == TxStatus.Invalid, "write " + w.id + " " + w.txId + " was Invalid on "
                    + w.invalidOn + " but committed");
            for (SimNode n : nodes) {
                Optional<String> v = n.store.readTx().read(RECORDS).get(w.key);
                require(s == TxStatus.Committed ? v.equals(Optional.of(w.value)) : v.isEmpty(), n + " holds " + v
                        + " for write " + w.id + " " + w.txId + ", which is " + s);
            }
            if (s == TxStatus.Committed) {
                counts[Integer.parseInt(w.counter.substring(1))]++;
            }
        }
        for (int k = 0; k < COUNTER_KEYS; k++) {
            long c = first.store.readTx().read(COUNTERS).get("c" + k).orElse(0L);
            require(c == counts[k], "counter c" + k + " is " + c + " but " + counts[k] + " committed writes incremented it");
        }
        for (SimNode n : nodes) {
            n.close();
            n.open();
            require(n.ledger.lastSeqno() == last && Arrays.equals(n.store.digest(last), digest)
                    && Arrays.equals(n.ledger.root(), first.ledger.root()), n + " rebuilt a different state from its ledger");
            n.close();
            try {
                LedgerVerifier.Report report = LedgerVerifier.verify(n.ledgerDir, serviceCert);
                require(report.ok() && report.entriesChecked() == last, n + " ledger fails the offline verifier: " + report);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        event("healed: " + last + " entries, " + writes.size() + " writes accepted (" + rejectedWrites + " refused), "
                + group.term + " terms");
    }

    /** Committed entries, writes accepted and terms: for a summary line. */
    String summary() {
        long committedWrites = writes.stream().filter(w -> w.committedOn != null).count();
        return "seed " + seed + ": " + plan.nodes() + " nodes, " + step + " steps, " + group.term + " terms, "
                + (canon.size()) + " entries, " + writes.size() + " writes (" + committedWrites + " seen committed)";
    }

    @Override
    public void close() {
        for (SimNode n : nodes) {
            if (n.up) {
                try {
                    n.close();
                } catch (RuntimeException e) {
                    // Closing after a failure: the failure is what matters.
                }
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
