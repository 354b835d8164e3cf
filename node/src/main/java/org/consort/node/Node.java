package org.consort.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.crypto.Pem;
import org.consort.governance.ConstitutionLimits;
import org.consort.governance.ConstitutionRuntime;
import org.consort.governance.DefaultConstitution;
import org.consort.governance.Genesis;
import org.consort.governance.GovMaps;
import org.consort.governance.GovernanceService;
import org.consort.governance.MemberStatus;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.kv.VersionUnavailable;
import org.consort.kv.WriteSet;
import org.consort.kv.WriteTx;
import org.consort.ledger.EntryKind;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerCorruptException;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.Receipt;
import org.consort.ethereum.EthereumApp;
import org.consort.node.apps.EthereumEndpoints;
import org.consort.node.apps.EthereumWebSocket;
import org.consort.node.apps.LoggingApp;
import org.consort.node.auth.StoreAuthenticator;
import org.consort.node.config.NodeConfig;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.gov.GovEndpoints;
import org.consort.node.http.ApiHandler;
import org.consort.node.http.HttpError;
import org.consort.node.http.HttpServer;
import org.consort.node.http.Json;
import org.consort.node.http.PrimaryForwarder;
import org.consort.node.metrics.NodeMetrics;
import org.consort.node.network.JoinEndpoints;
import org.consort.node.network.Joiner;
import org.consort.node.network.NetworkSecrets;
import org.consort.node.network.NodeRecord;
import org.consort.node.network.VirtualAttestation;
import org.consort.node.replication.LogReplicator;
import org.consort.node.service.ServiceMaps;
import org.consort.node.tx.TxEngine;
import org.consort.node.tx.TxStatus;
import org.consort.node.tx.ViewHistory;
import org.consort.replication.Peer;
import org.consort.replication.ReplicationConfig;
import org.consort.replication.ratis.RatisReplicatedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consort node: its identity, store, ledger, replicated log and HTTPS API, wired together.
 *
 * <p>{@link #start} takes one of three paths. On an empty node folder without {@code join} in
 * its configuration it creates a new service (the service identity, the first node, the genesis
 * transaction with the initial members). With {@code join} it asks a node of an existing
 * service to admit it, waits until members trust it, receives the network secrets sealed to its
 * key, and catches up from the replicated log. On a folder that holds a node it restarts: the
 * ledger is replayed into the store, and the replicated log delivers what the node missed.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** How far a member request's created_at may be from the node's clock. */
    public static final Duration GOV_REQUEST_WINDOW = Duration.ofMinutes(5);
    /** How long a new node waits to become the primary of its new service, or a restarted one its first commit. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Background tasks of the node (endorsing, membership changes, rekeys) waiting at most. */
    public static final int ADMIN_TASKS_MAX = 1024;
    /** Validity of the certificates the service issues to nodes. */
    public static final Duration NODE_CERT_VALIDITY = Duration.ofDays(3650);
    /** Exit status of a node that stopped because it could not go on safely (a failed ledger write, a broken invariant). */
    public static final int FATAL_EXIT_STATUS = 70;
    /** How long a node stopping on a fatal error waits for its parts to close before the process exits anyway. */
    static final Duration FATAL_STOP_WAIT = Duration.ofSeconds(10);
    /** The state of a node that stopped on a fatal error. */
    public static final String FAILED = "Failed";

    /** The node could not start; the message says why (which file, which entry). */
    public static final class StartFailure extends Exception {
        public StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Where this node sits in the replication group, kept in {@link NodeFiles#REPLICATION}. */
    record Placement(UUID groupId, int port, int raftPort, List<Peer> peers, long viewOffset) {
        byte[] toJson() {
            ObjectNode o = Json.object();
            o.put("groupId", groupId.toString());
            o.put("viewOffset", viewOffset);
            o.put("port", port);
            o.put("raftPort", raftPort);
            ArrayNode ps = o.putArray("peers");
            for (Peer p : peers) {
                ps.addObject().put("id", p.id()).put("host", p.host()).put("port", p.port());
            }
            return Json.bytes(o);
        }

        static Placement read(Path file) throws IOException {
            JsonNode o = Json.MAPPER.readTree(Files.readAllBytes(file));
            List<Peer> peers = new ArrayList<>();
            for (JsonNode p : o.path("peers")) {
                peers.add(new Peer(p.path("id").asText(), p.path("host").asText(), p.path("port").asInt()));
            }
            return new Placement(UUID.fromString(o.path("groupId").asText()), o.path("port").asInt(),
                    o.path("raftPort").asInt(), peers, o.path("viewOffset").asLong(0));
        }
    }

    private final NodeConfig config;
    private final InstantSource clock;
    private final SecureRandom random;
    private final Identity identity;
    private final X509Certificate serviceCert;
    private final PrivateKey serviceKey;
    private final Store store;
    private final Ledger ledger;
    private final ViewHistory views;
    private final LedgerSecrets secrets;
    private final Placement placement;
    private final NodeMetrics metrics = new NodeMetrics();
    private final long startupSeqno;
    /** What the node started from (the ledger stays open in the node; only the summary is read). */
    private final StartState started;
    private final AtomicLong committed = new AtomicLong();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ConstitutionRuntime constitutionRuntime = new ConstitutionRuntime(ConstitutionLimits.defaults());
    private final GovernanceService governance = new GovernanceService(constitutionRuntime, GOV_REQUEST_WINDOW);
    private final ThreadPoolExecutor admin;
    private LogReplicator replicator;
    /** Set once the log started; read by the log's own apply thread, which may run before that. */
    private volatile RatisReplicatedLog raft;
    /**
     * A committed {@code trigger_snapshot} was seen; one seen while the log was starting (before {@link #raft} was
     * set) is passed on once it is.
     */
    private volatile boolean snapshotRequested;
    private TxEngine engine;
    private EthereumApp ethereum;
    private HttpServer server;
    private volatile String state = "Starting";
    private volatile boolean retiring;
    /** Ends the process after a fatal error; tests give their own. */
    private final java.util.function.IntConsumer exit;
    private final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();

    private Node(NodeConfig config, InstantSource clock, SecureRandom random, Identity identity, X509Certificate serviceCert,
            PrivateKey serviceKey, Store store, Ledger ledger, ViewHistory views, LedgerSecrets secrets, Placement placement,
            long startupSeqno, StartState started, java.util.function.IntConsumer exit) {
        this.exit = exit;
        this.config = config;
        this.clock = clock;
        this.random = random;
        this.identity = identity;
        this.serviceCert = serviceCert;
        this.serviceKey = serviceKey;
        this.store = store;
        this.ledger = ledger;
        this.views = views;
        this.secrets = secrets;
        this.placement = placement;
        this.startupSeqno = startupSeqno;
        this.started = started;
        this.admin = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(ADMIN_TASKS_MAX), r -> {
            Thread t = new Thread(r, "node-admin");
            t.setDaemon(true);
            return t;
        }, (r, ex) -> LOG.warn("node background task dropped: more than {} waiting", ADMIN_TASKS_MAX));
    }

    /** Starts a node from its configuration; throws {@link StartFailure} with a clear reason. */
    public static Node start(NodeConfig config) throws StartFailure {
        return start(config, InstantSource.system(), new SecureRandom());
    }

    public static Node start(NodeConfig config, InstantSource clock, SecureRandom random) throws StartFailure {
        return start(config, clock, random, false, Node::halt);
    }

    /**
     * As {@link #start(NodeConfig)}, with {@code exit} called instead of ending the process when a
     * fatal error stops the node (tests that run nodes in their own JVM).
     */
    static Node start(NodeConfig config, java.util.function.IntConsumer exit) throws StartFailure {
        return start(config, InstantSource.system(), new SecureRandom(), false, exit);
    }

    private static void halt(int status) {
        Runtime.getRuntime().halt(status);
    }

    /**
     * Starts a new service from a copy of a lost service's ledger ({@code ledgerDir}, with an
     * empty {@code nodeDir}): a new service identity, the public state replayed, status
     * Recovering. Members then vote it open and submit their recovery shares; the node restores
     * the ledger secrets and the private state, and the service is Open.
     */
    public static Node recover(NodeConfig config) throws StartFailure {
        return start(config, InstantSource.system(), new SecureRandom(), true, Node::halt);
    }

    private static Node start(NodeConfig config, InstantSource clock, SecureRandom random, boolean recover,
            java.util.function.IntConsumer exit) throws StartFailure {
        Path nodeDir = Path.of(config.nodeDir());
        Path ledgerDir = Path.of(config.ledgerDir());
        try {
            Files.createDirectories(nodeDir);
            Files.createDirectories(ledgerDir);
        } catch (IOException e) {
            throw new StartFailure("cannot create " + nodeDir + " or " + ledgerDir + ": " + e.getMessage(), e);
        }
        boolean initialized = Files.exists(nodeDir.resolve(NodeFiles.SERVICE_CERT));
        if (recover) {
            if (initialized) {
                throw new StartFailure(nodeDir + " already holds a node; recover into an empty node folder, with the copy of the"
                        + " lost service's ledger as its ledger folder", null);
            }
            if (!hasLedgerFiles(ledgerDir)) {
                throw new StartFailure("no ledger files to recover from in " + ledgerDir, null);
            }
            try {
                prepareRecovery(config, clock, random);
            } catch (IOException | RuntimeException e) {
                throw new StartFailure("cannot recover from the ledger in " + ledgerDir + ": " + e.getMessage(), e);
            }
            initialized = true;
        }
        if (!initialized && hasLedgerFiles(ledgerDir)) {
            throw new StartFailure("ledger folder " + ledgerDir + " holds ledger files but " + nodeDir
                    + " has no service certificate: refusing to start a new service over an old ledger", null);
        }
        boolean newService = !initialized && config.join() == null;
        boolean recovering = Files.exists(nodeDir.resolve(NodeFiles.RECOVERING));
        if (newService && config.initialMembers().isEmpty()) {
            throw new StartFailure("a new service needs at least one initial member (initialMembers)", null);
        }
        Joiner joiner = null;
        try {
            if (newService) {
                createService(config, clock, random);
            } else if (!initialized) {
                joiner = joinService(config, clock, random);
            }
        } catch (StartFailure e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot " + (newService ? "create the service" : "join " + config.join().target())
                    + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("interrupted while joining", e);
        }

        X509Certificate serviceCert;
        Identity identity;
        PrivateKey serviceKey;
        LedgerSecrets secrets;
        Placement placement;
        try {
            serviceCert = Pem.readCertificate(read(nodeDir.resolve(NodeFiles.SERVICE_CERT)));
            identity = new Identity(Pem.readPrivateKey(read(nodeDir.resolve(NodeFiles.NODE_KEY))),
                    Pem.readCertificate(read(nodeDir.resolve(NodeFiles.NODE_CERT))));
            serviceKey = Pem.readPrivateKey(read(nodeDir.resolve(NodeFiles.SERVICE_KEY)));
            secrets = LedgerSecrets.fromJson(read(nodeDir.resolve(NodeFiles.LEDGER_SECRETS)));
            placement = Placement.read(nodeDir.resolve(NodeFiles.REPLICATION));
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot load the node identity in " + nodeDir + ": " + e.getMessage(), e);
        }

        Store store;
        ViewHistory views;
        Ledger ledger;
        StartState loaded;
        try {
            LedgerConfig ledgerConfig = LedgerConfig.defaults(clock).withChunkSizeBytes(config.ledgerChunkBytes());
            // The latest usable snapshot and the ledger after it; a recovering node holds none of the lost service's
            // secrets yet: it replays the public parts of its whole ledger.
            Path raftDir = nodeDir.resolve(NodeFiles.RAFT_DIR);
            loaded = StartState.load(ledgerDir, ledgerConfig, secrets, config.limits().storeConfig(),
                    recovering ? List.of() : RatisReplicatedLog.storedSnapshots(raftDir, placement.groupId()),
                    RatisReplicatedLog::verifyDigest, entryBytesMax(config), recovering);
            store = loaded.store();
            views = loaded.views();
            ledger = loaded.ledger();
        } catch (StartFailure e) {
            throw e;
        } catch (LedgerCorruptException e) {
            throw new StartFailure("ledger is corrupt: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot open the ledger in " + ledgerDir + ": " + e.getMessage(), e);
        }
        ledger.openReport().truncatedTail().ifPresent(t -> LOG.warn("ledger: truncated a torn last entry: {}", t));
        // A ledger that starts from a snapshot's base holds no signature of the entries up to it, which were signed.
        long lastSigned = Math.max(ledger.lastSignature().map(s -> s.txId().seqno()).orElse(0L), ledger.firstSeqno() - 1);
        Node node = new Node(config, clock, random, identity, serviceCert, serviceKey, store, ledger, views, secrets,
                placement, ledger.lastSeqno(), loaded, exit);
        node.committed.set(lastSigned);
        store.globalCommit(lastSigned);
        try {
            node.run(newService, joiner, recovering);
        } catch (Exception e) {
            node.close();
            throw new StartFailure("cannot start: " + e.getMessage(), e);
        }
        return node;
    }

    /** A new service: its identity, the first node's, the first ledger secret and the group. */
    private static void createService(NodeConfig config, InstantSource clock, SecureRandom random) throws IOException {
        writeNewService(config, clock, random, LedgerSecrets.generate(random), 0, Map.of());
    }

    /**
     * Writes a new service identity, this node's identity, {@code secrets} and a replication
     * group of this node alone (views from {@code firstView}) into the node folder, then the
     * {@code extra} files; the service certificate comes last, as its presence marks a completely
     * initialised node folder.
     */
    private static void writeNewService(NodeConfig config, InstantSource clock, SecureRandom random, LedgerSecrets secrets,
            long firstView, Map<String, byte[]> extra) throws IOException {
        Path nodeDir = Path.of(config.nodeDir());
        Instant now = clock.instant().minus(Duration.ofMinutes(5));
        KeyPair serviceKey = EcCurve.P384.generateKeyPair(random);
        X509Certificate serviceCert = Certificates.selfSignedService(serviceKey, "Consort service", now, NODE_CERT_VALIDITY,
                random);
        KeyPair nodeKey = config.nodeKeyCurveParsed().generateKeyPair(random);
        X509Certificate nodeCert = Certificates.nodeCertificate(nodeKey.getPublic(), "Consort node", serviceKey.getPrivate(),
                serviceCert, now, NODE_CERT_VALIDITY, subjectAltNames(config.host()), random);
        int port = config.port() == 0 ? freePort(config.host()) : config.port();
        int raftPort = config.raftPort() == 0 ? freePort(config.host()) : config.raftPort();
        String id = Certificates.keyId(nodeCert);
        Placement placement = new Placement(UUID.randomUUID(), port, raftPort, List.of(new Peer(id, config.host(), raftPort)),
                firstView);
        NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.SERVICE_KEY), Pem.privateKey(serviceKey.getPrivate()));
        NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.NODE_KEY), Pem.privateKey(nodeKey.getPrivate()));
        NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.LEDGER_SECRETS), secrets.toJson());
        NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.NODE_CERT), Pem.certificate(nodeCert).getBytes(StandardCharsets.US_ASCII));
        NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.REPLICATION), placement.toJson());
        for (Map.Entry<String, byte[]> e : extra.entrySet()) {
            NodeFiles.writeAtomically(nodeDir.resolve(e.getKey()), e.getValue());
        }
        NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.SERVICE_CERT), Pem.certificate(serviceCert).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Before a recovering node starts: drops the ledger's unsigned tail (never committed), and
     * makes the new service identity, node identity and replication group. Its first ledger
     * secret takes the version after every one the old ledger used; views continue after the old
     * ledger's last one. A marker file says the node is recovering until the private state is back.
     */
    private static void prepareRecovery(NodeConfig config, InstantSource clock, SecureRandom random) throws IOException {
        Path ledgerDir = Path.of(config.ledgerDir());
        long lastSigned;
        long lastView;
        int maxVersion;
        LedgerConfig lc = LedgerConfig.defaults(clock).withChunkSizeBytes(config.ledgerChunkBytes());
        try (Ledger old = Ledger.open(ledgerDir, lc, LedgerSecrets.fromJson("{\"secrets\":[]}"), null)) {
            lastSigned = old.lastSignature().map(p -> p.txId().seqno()).orElse(0L);
            if (lastSigned == 0) {
                throw new IOException("the ledger holds no signature: nothing of it was committed");
            }
            if (old.lastSeqno() > lastSigned) {
                LOG.info("recovery: dropping {} entries after the last signature at seqno {} (never committed)",
                        old.lastSeqno() - lastSigned, lastSigned);
                old.truncate(lastSigned);
            }
            lastView = old.lastTxId().view();
            maxVersion = old.maxSecretVersion();
        }
        LedgerSecrets secrets = LedgerSecrets.generate(random, Math.max(maxVersion, 1) + 1);
        ObjectNode marker = Json.object().put("recoveredFromSeqno", lastSigned).put("lastView", lastView);
        writeNewService(config, clock, random, secrets, lastView, Map.of(NodeFiles.RECOVERING, Json.bytes(marker)));
        LOG.info("recovery: a new service identity for the ledger up to seqno {} (view {}); new entries use ledger secret"
                + " version {}", lastSigned, lastView, secrets.current().version());
    }

    /**
     * Asks the service to admit this new node and waits until it is trusted; then writes the
     * endorsed certificate and the network secrets into the node folder. Returns the joiner, which
     * reports the node ready once its replication endpoint runs.
     */
    private static Joiner joinService(NodeConfig config, InstantSource clock, SecureRandom random)
            throws IOException, InterruptedException, StartFailure {
        Path nodeDir = Path.of(config.nodeDir());
        X509Certificate serviceCert;
        try {
            serviceCert = Pem.readCertificate(Files.readString(Path.of(config.join().serviceCert())));
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot read the service certificate " + config.join().serviceCert() + ": " + e.getMessage(), e);
        }
        // The key is kept across attempts, so a node that was stopped while Pending keeps its identity.
        Path keyFile = nodeDir.resolve(NodeFiles.NODE_KEY);
        Path joinCertFile = nodeDir.resolve(NodeFiles.JOIN_CERT);
        KeyPair nodeKey;
        X509Certificate joinCert;
        if (Files.exists(keyFile) && Files.exists(joinCertFile)) {
            joinCert = Pem.readCertificate(Files.readString(joinCertFile));
            nodeKey = new KeyPair(joinCert.getPublicKey(), Pem.readPrivateKey(Files.readString(keyFile)));
        } else {
            nodeKey = config.nodeKeyCurveParsed().generateKeyPair(random);
            joinCert = Certificates.selfSigned(nodeKey, "Consort node (joining)",
                    clock.instant().minus(Duration.ofMinutes(5)), Duration.ofDays(365), random);
            NodeFiles.writePrivate(keyFile, Pem.privateKey(nodeKey.getPrivate()));
            NodeFiles.writeAtomically(joinCertFile, Pem.certificate(joinCert).getBytes(StandardCharsets.US_ASCII));
        }
        Path placementFile = nodeDir.resolve(NodeFiles.REPLICATION);
        int port;
        int raftPort;
        if (Files.exists(placementFile)) {
            Placement p = Placement.read(placementFile);
            port = p.port();
            raftPort = p.raftPort();
        } else {
            port = config.port() == 0 ? freePort(config.host()) : config.port();
            raftPort = config.raftPort() == 0 ? freePort(config.host()) : config.raftPort();
            NodeFiles.writeAtomically(placementFile, new Placement(new UUID(0, 0), port, raftPort, List.of(), 0).toJson());
        }
        Joiner joiner = new Joiner(config.join().target(), serviceCert, nodeKey, joinCert);
        String url = "https://" + config.host() + ":" + port;
        String raftAddress = config.host() + ":" + raftPort;
        LOG.info("joining the service at {} as node {} (url {}, replication {})", config.join().target(), joiner.nodeId(),
                url, raftAddress);
        Joiner.Admission a;
        try {
            a = joiner.awaitAdmission(url, raftAddress, Duration.ofSeconds(config.replication().joinTimeoutSeconds()));
        } catch (Joiner.RefusedException e) {
            throw new StartFailure(e.getMessage(), e);
        }
        if (!Certificates.isIssuedBy(a.endorsedCert(), serviceCert, clock.instant())) {
            throw new StartFailure("the certificate the service answered with is not endorsed by its service certificate", null);
        }
        List<Peer> peers = new ArrayList<>(a.peers());
        if (peers.stream().noneMatch(p -> p.id().equals(a.nodeId()))) {
            peers.add(new Peer(a.nodeId(), config.host(), raftPort));
        }
        NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.SERVICE_KEY), Pem.privateKey(a.secrets().serviceKey()));
        NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.LEDGER_SECRETS), a.secrets().ledgerSecrets().toJson());
        NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.NODE_CERT),
                Pem.certificate(a.endorsedCert()).getBytes(StandardCharsets.US_ASCII));
        NodeFiles.writeAtomically(placementFile, new Placement(a.groupId(), port, raftPort, peers, a.viewOffset()).toJson());
        NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.SERVICE_CERT),
                Pem.certificate(serviceCert).getBytes(StandardCharsets.US_ASCII));
        LOG.info("node {} was trusted; joining replication group {} with {} peers", a.nodeId(), a.groupId(), peers.size());
        return joiner;
    }

    /** The largest ledger entry a replicated batch can carry. */
    private static int entryBytesMax(NodeConfig config) {
        return config.replication().batchBytesMax() - org.consort.node.replication.EntryBatch.HEADER_BYTES
                - org.consort.node.replication.EntryBatch.PER_ENTRY_BYTES;
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    /** The names a node certificate carries for {@code host}. */
    static Certificates.SubjectAltNames subjectAltNames(String host) {
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        if (host.equals("127.0.0.1") || host.equals("localhost")) {
            return Certificates.SubjectAltNames.localhost();
        }
        return ip ? new Certificates.SubjectAltNames(List.of(host), List.of())
                : new Certificates.SubjectAltNames(List.of(), List.of(host));
    }

    private static boolean hasLedgerFiles(Path dir) {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("ledger_"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("missing file " + file);
        }
        return Files.readString(file);
    }

    private Peer self() {
        return new Peer(identity.id(), config.host(), placement.raftPort());
    }

    private void run(boolean newService, Joiner joiner, boolean recovering) throws Exception {
        NodeConfig.Replication rep = config.replication();
        LogReplicator.Settings settings = new LogReplicator.Settings(config.signatureIntervalEntries(),
                config.signatureIntervalMs(), config.fsync(), config.limits().pendingEntriesMax(), rep.batchEntriesMax(),
                rep.batchBytesMax(), rep.proposalsInFlightMax(), entryBytesMax(config));
        replicator = new LogReplicator(store, ledger, secrets, identity, views, settings, clock, this::onCommit, this::onFatal);
        started.snapshot().ifPresent(s -> replicator.loadedFromSnapshot(s.stored().term(), s.stored().index(),
                started.snapshotLastSeqno()));
        replicator.onMembership(this::onMembership);
        replicator.viewOffset(placement.viewOffset());
        replicator.batchDelay(Duration.ofNanos(rep.batchDelayMicros() * 1000L));
        replicator.afterApply(this::afterApply);
        replicator.onPrimary(() -> admin.execute(this::primaryDuties));
        replicator.onInstalled(() -> {
            // Hooks did not run for what the snapshot skipped.
            learnLedgerSecrets();
            if (raft != null) {
                trustKnownNodes();
            }
        });
        store.addGlobalCommitHook(GovMaps.NODES, (version, writes) -> onNodesCommitted(writes));
        store.addGlobalCommitHook(GovMaps.SERVICE_REQUESTS, (version, writes) -> {
            if (writes.containsKey(GovMaps.REQUEST_LEDGER_REKEY) && replicator.isPrimary()) {
                admin.execute(this::rekeyIfRequested);
            }
            if (writes.containsKey(GovMaps.REQUEST_SNAPSHOT)) {
                requestSnapshot(version);
            }
        });
        // Recovery shares follow the recovery members, their keys, the threshold and the secrets.
        for (MapName<String, String> m : List.of(GovMaps.MEMBER_INFO, GovMaps.MEMBER_ENCRYPTION_KEYS, GovMaps.RECOVERY_THRESHOLD,
                GovMaps.SERVICE_INFO)) {
            store.addGlobalCommitHook(m, (version, writes) -> recoveryChanged());
        }
        store.addGlobalCommitHook(ServiceMaps.LEDGER_SECRETS, (version, writes) -> recoveryChanged());
        store.addGlobalCommitHook(ServiceMaps.RECOVERY_WRAPPING_KEY, (version, writes) -> {
            if (writes.getOrDefault(org.consort.node.recovery.Recovery.RECOVERED, Optional.empty()).isPresent()
                    && replicator.isPrimary()) {
                admin.execute(this::completeRecovery);
            }
        });
        engine = new TxEngine(store, replicator, views, config.limits());
        ethereum = new EthereumApp(store, EthereumEndpoints.writeSubmitter(engine), config.ethereum(), clock, random);

        List<Peer> initialPeers = new ArrayList<>(placement.peers());
        if (initialPeers.stream().noneMatch(p -> p.id().equals(identity.id()))) {
            initialPeers.add(self());
        }
        ReplicationConfig rc = ReplicationConfig.defaults(placement.groupId(), self(), initialPeers,
                        Path.of(config.nodeDir(), NodeFiles.RAFT_DIR))
                .withBatchBytesMax(rep.batchBytesMax())
                .withElectionTimeouts(Duration.ofMillis(rep.electionTimeoutMinMs()), Duration.ofMillis(rep.electionTimeoutMaxMs()))
                .withSnapshotEveryEntries(rep.snapshotEveryEntries());
        raft = RatisReplicatedLog.start(rc, identity, serviceCert, replicator, clock);
        if (snapshotRequested) {
            raft.requestSnapshot();
        }
        replicator.attach(raft);
        replicator.start();
        trustKnownNodes();

        if (newService) {
            awaitPrimary(START_TIMEOUT);
            long genesis = genesis();
            awaitCommitted(genesis, START_TIMEOUT);
        } else if (config.join() != null && !hasOwnEndorsedRecord()) {
            // A joined node that has not caught up to its own endorsement is not in the group yet.
            Joiner j = joiner != null ? joiner : rejoiner();
            j.reportReady(url(), config.host() + ":" + placement.raftPort(),
                    Duration.ofSeconds(rep.joinTimeoutSeconds()));
            awaitOwnRecord(Duration.ofSeconds(rep.joinTimeoutSeconds()));
        }

        if (recovering) {
            recoveryTransaction();
        }
        // While recovering, the chain's private state is not back: nothing may be written for it.
        ethereum.start(clock.instant().getEpochSecond(), Files.exists(Path.of(config.nodeDir(), NodeFiles.RECOVERING))
                ? new org.consort.ethereum.WriteSubmitter() {
                    @Override
                    public <T> Written<T> write(java.util.function.Function<WriteTx, T> body) throws Refused {
                        throw new Refused("the service is recovering");
                    }
                }
                : EthereumEndpoints.writeSubmitter(engine));
        metrics.gauge("consort.node.healthy", "1 while the node runs, 0 once a fatal error stopped it", () -> healthy() ? 1 : 0);
        metrics.gauge("consort.ledger.last.seqno", "Last seqno in this node's store", store::version);
        metrics.gauge("consort.ledger.committed.seqno", "Committed seqno", committed::get);
        metrics.gauge("consort.view", "View this node orders transactions in (-1 when not primary)", replicator::view);
        metrics.gauge("consort.replication.ignored.batches", "Replicated batches ignored by every node",
                replicator::ignoredBatches);
        metrics.gauge("consort.replication.proposed.batches", "Batches this node proposed as primary",
                replicator::proposedBatches);
        metrics.gauge("consort.replication.proposed.entries", "Entries in the batches this node proposed as primary",
                replicator::proposedEntries);
        metrics.gauge("consort.ethereum.blocks", "Ethereum blocks this node's sequencer wrote", ethereum.sequencer()::blocksWritten);
        metrics.gauge("consort.ethereum.transactions.waiting", "Ethereum transactions waiting for a block",
                ethereum.sequencer()::waiting);

        EndpointRegistry registry = new EndpointRegistry();
        new LoggingApp(config.limits(), this::historicalRead).register(registry);
        new GovEndpoints(governance, clock, ledger::root).register(registry);
        new JoinEndpoints(joinService()).register(registry);
        new EthereumEndpoints(ethereum, this::receipt, views, replicator::isPrimary).register(registry);
        new org.consort.node.recovery.RecoveryEndpoints(new org.consort.governance.RecoveryShares(GOV_REQUEST_WINDOW), clock)
                .register(registry);
        NodeEndpoints.register(registry, this);
        registry.freeze();
        PrimaryForwarder forwarder = new PrimaryForwarder(identity, serviceCert, this::primaryUrl, this::isTrustedNodeCert);
        StoreAuthenticator authenticator = new StoreAuthenticator(store, clock);
        ApiHandler handler = new ApiHandler(registry, authenticator, engine, config.limits(), metrics, forwarder);
        server = HttpServer.start(config.host(), placement.port(), identity.privateKey(),
                new X509Certificate[] {identity.certificate(), serviceCert},
                s -> EthereumWebSocket.wrap(s, handler, ethereum, authenticator), config.limits());
        HttpServer http = server;
        metrics.gauge("consort.http.connections.open", "Client connections open", http::openConnections);
        metrics.gauge("consort.http.connections.unserved", "Client connections that sent no complete request yet",
                http::unservedConnections);
        metrics.gauge("consort.http.connections.replaced", "Connections closed at connectionsMax to make room for new ones",
                http::replacedConnections);
        metrics.gauge("consort.http.connections.refused", "New connections closed at connectionsMax, none being replaceable",
                http::refusedConnections);
        metrics.gauge("consort.http.connections.expired", "Connections closed for sending no request within firstRequestTimeoutMs",
                http::expiredConnections);
        metrics.gauge("consort.http.connections.identity.refused",
                "TLS handshakes failed at connectionsPerIdentityMax connections of their client certificate",
                http::identityRefusedConnections);
        state = "PartOfNetwork";
        ObjectNode startup = Json.object();
        startup.put("nodeId", identity.id());
        startup.put("url", url());
        startup.put("pid", ProcessHandle.current().pid());
        startup.put("serviceCert", Path.of(config.nodeDir(), NodeFiles.SERVICE_CERT).toString());
        NodeFiles.writeAtomically(Path.of(config.nodeDir(), NodeFiles.STARTUP), Json.bytes(startup));
        LOG.info("node {} listening on {} (replication on {}, last seqno {}, committed {})", identity.id(), url(),
                placement.raftPort(), store.version(), committed.get());
    }

    /** A joiner for a node that was trusted but stopped before it was added to the group. */
    private Joiner rejoiner() throws IOException {
        Path nodeDir = Path.of(config.nodeDir());
        PrivateKey pk = identity.privateKey();
        KeyPair kp = new KeyPair(identity.certificate().getPublicKey(), pk);
        X509Certificate joinCert = joinCertOf(identity.id()).orElseThrow(() -> new IOException(
                "node " + identity.id() + " is not in the service's node list; remove " + nodeDir + " and join again"));
        return new Joiner(config.join().target(), serviceCert, kp, joinCert);
    }

    private Optional<X509Certificate> joinCertOf(String id) {
        return store.readTx().read(GovMaps.NODES).get(id).map(NodeRecord::fromJson)
                .flatMap(NodeRecord::joinCert).map(Pem::readCertificate);
    }

    private void awaitPrimary(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!replicator.isPrimary()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("this node did not become the primary of its new service within "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }

    private void awaitCommitted(long seqno, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committed.get() < seqno) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("seqno " + seqno + " was not committed within " + timeout.toSeconds() + " s");
            }
            Thread.sleep(5);
        }
    }

    private boolean hasOwnEndorsedRecord() {
        return store.readTx().read(GovMaps.NODES).get(identity.id()).map(NodeRecord::fromJson)
                .map(NodeRecord::isEndorsed).orElse(false);
    }

    /** A joining node waits until it has caught up to the point where the service endorsed it. */
    private void awaitOwnRecord(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<NodeRecord> r = store.readTx().read(GovMaps.NODES).get(identity.id()).map(NodeRecord::fromJson);
            if (r.isPresent() && r.get().isEndorsed()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + identity.id() + " did not catch up with the service within "
                        + timeout.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * The first transaction of a new service: governance's first state (service Opening, the
     * initial members as Accepted, users, the default constitution), this node as Trusted and
     * its code as allowed to join.
     */
    private long genesis() throws IOException {
        List<Genesis.Member> members = new ArrayList<>();
        for (String file : config.initialMembers()) {
            String pem = Pem.certificate(Pem.readCertificate(Files.readString(Path.of(file))));
            members.add(new Genesis.Member(pem, null, null, MemberStatus.Accepted));
        }
        List<String> users = new ArrayList<>();
        for (String file : config.initialUsers()) {
            users.add(Pem.certificate(Pem.readCertificate(Files.readString(Path.of(file)))));
        }
        String measurement = VirtualAttestation.measurement();
        NodeRecord self = new NodeRecord(NodeRecord.TRUSTED, Optional.of(identity.certificatePem()), Optional.empty(), url(),
                config.host() + ":" + placement.raftPort(), VirtualAttestation.PLATFORM, measurement);
        return engine.writeInternal(tx -> {
            governance.initialize(tx, new Genesis(Pem.certificate(serviceCert), members, users, DefaultConstitution.text(), 0));
            tx.write(ServiceMaps.NODES).put(identity.id(), self.toJson());
            ObjectNode code = Json.object().put("platform", VirtualAttestation.PLATFORM).put("status", "AllowedToJoin");
            tx.write(ServiceMaps.NODE_CODE_IDS).put(measurement, new String(Json.bytes(code), StandardCharsets.UTF_8));
            tx.write(GovMaps.NODE_PLATFORMS).put(VirtualAttestation.PLATFORM, "{\"status\":\"AllowedToJoin\"}");
            ethereum.genesis(tx, clock.instant().getEpochSecond());
        });
    }

    // ---- network membership -------------------------------------------------------------

    private JoinEndpoints.Service joinService() {
        return new JoinEndpoints.Service() {
            @Override
            public X509Certificate serviceCert() {
                return serviceCert;
            }

            @Override
            public UUID groupId() {
                return placement.groupId();
            }

            @Override
            public List<Peer> peers() {
                return raft.peers();
            }

            @Override
            public long viewOffset() {
                return placement.viewOffset();
            }

            @Override
            public NetworkSecrets networkSecrets() {
                return new NetworkSecrets(serviceKey, secrets);
            }

            @Override
            public void addToGroup(Peer peer) {
                admin.execute(() -> {
                    if (raft.peers().stream().anyMatch(p -> p.id().equals(peer.id()))) {
                        return;
                    }
                    try {
                        raft.trustPeer(peer.id());
                        raft.addPeer(peer);
                        LOG.info("node {} added to the replication group", peer.id());
                    } catch (RuntimeException e) {
                        LOG.warn("could not add node {} to the replication group: {}", peer.id(), e.getMessage());
                    }
                });
            }
        };
    }

    /** Every node: trusts the replication connections of endorsed nodes; the primary acts on changes. */
    private void onNodesCommitted(Map<String, Optional<String>> writes) {
        for (Map.Entry<String, Optional<String>> w : writes.entrySet()) {
            if (w.getValue().isEmpty()) {
                continue;
            }
            NodeRecord r = NodeRecord.fromJson(w.getValue().get());
            String id = w.getKey();
            if (r.isEndorsed() && !id.equals(identity.id())) {
                raft.trustPeer(id);
            }
            if (id.equals(identity.id()) && r.status().equals(NodeRecord.RETIRED)) {
                retiring = true;
                checkRetired(raft.peers().stream().map(Peer::id).toList());
            }
            if (replicator.isPrimary()) {
                admin.execute(() -> primaryDuty(id));
            }
        }
    }

    private void trustKnownNodes() {
        store.readTx().read(GovMaps.NODES).forEach((id, json) -> {
            if (!id.equals(identity.id()) && NodeRecord.fromJson(json).isEndorsed()) {
                raft.trustPeer(id);
            }
        });
    }

    /** On becoming primary: finish what the previous primary may have left undone. */
    private void primaryDuties() {
        List<String> ids = new ArrayList<>();
        store.readTx().read(GovMaps.NODES).forEach((id, json) -> ids.add(id));
        for (String id : ids) {
            primaryDuty(id);
        }
        rekeyIfRequested();
        refreshRecovery();
        if (store.readTxAt(store.globalCommitVersion()).read(ServiceMaps.RECOVERY_WRAPPING_KEY)
                .get(org.consort.node.recovery.Recovery.RECOVERED).isPresent()) {
            completeRecovery();
        }
    }

    // ---- recovery ------------------------------------------------------------------------

    private void recoveryChanged() {
        if (replicator.isPrimary()) {
            admin.execute(this::refreshRecovery);
        }
    }

    /** Primary only: issues recovery shares again when what they depend on changed and the service is Open. */
    private void refreshRecovery() {
        if (!replicator.isPrimary()) {
            return;
        }
        ReadTx committedState = store.readTxAt(store.globalCommitVersion());
        // Not while recovering: the shares in the state are the lost service's, and they are what
        // brings its secrets back. Nor before this service's own identity is in the state.
        if (Files.exists(Path.of(config.nodeDir(), NodeFiles.RECOVERING))
                || !Pem.certificate(serviceCert).equals(serviceInfo(committedState).path("cert").asText())
                || org.consort.governance.GovReads.serviceStatus(committedState).orElse(null)
                != org.consort.governance.ServiceStatus.Open) {
            return;
        }
        String fingerprint = org.consort.node.recovery.Recovery.fingerprint(committedState, secrets);
        if (org.consort.node.recovery.Recovery.issuedFingerprint(committedState).filter(fingerprint::equals).isPresent()) {
            return;
        }
        Optional<String> why = org.consort.node.recovery.Recovery.cannotIssue(committedState);
        if (why.isPresent()) {
            LOG.warn("recovery shares are not issued: {}; after a total loss this service could not be recovered", why.get());
            return;
        }
        try {
            long seqno = engine.writeInternal(tx -> org.consort.node.recovery.Recovery.issue(tx, secrets, random));
            LOG.info("recovery shares issued at seqno {} to {}", seqno,
                    org.consort.node.recovery.Recovery.shareHolders(store.readTx()));
        } catch (RuntimeException e) {
            LOG.warn("could not issue recovery shares: {}", e.getMessage());
        }
    }

    /**
     * The first transaction of a recovered service, once it leads: its new identity replaces the
     * old one (which it endorses, so old receipts keep their meaning), the lost nodes are retired,
     * this node is trusted, and the service is Recovering until members vote it open and give
     * their shares.
     */
    private void recoveryTransaction() throws InterruptedException {
        String certPem = Pem.certificate(serviceCert);
        ObjectNode info = serviceInfo(store.readTx());
        if (certPem.equals(info.path("cert").asText())) {
            return; // written before a restart
        }
        awaitPrimary(START_TIMEOUT);
        JsonNode marker;
        try {
            marker = Json.MAPPER.readTree(Files.readAllBytes(Path.of(config.nodeDir(), NodeFiles.RECOVERING)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + NodeFiles.RECOVERING, e);
        }
        long recoveredFrom = marker.path("recoveredFromSeqno").asLong();
        String measurement = VirtualAttestation.measurement();
        NodeRecord self = new NodeRecord(NodeRecord.TRUSTED, Optional.of(identity.certificatePem()), Optional.empty(), url(),
                config.host() + ":" + placement.raftPort(), VirtualAttestation.PLATFORM, measurement);
        long seqno = engine.writeInternal(tx -> {
            ObjectNode now = serviceInfo(tx);
            String oldPem = now.path("cert").asText();
            X509Certificate old = Pem.readCertificate(oldPem);
            X509Certificate endorsement = Certificates.nodeCertificate(old.getPublicKey(), "Consort service (previous identity)",
                    serviceKey, serviceCert, clock.instant().minus(Duration.ofMinutes(5)), NODE_CERT_VALIDITY,
                    new Certificates.SubjectAltNames(List.of(), List.of()), random);
            now.withArray("previousIdentities").add(oldPem);
            now.withArray("previousIdentityEndorsements").add(Pem.certificate(endorsement));
            now.put("cert", certPem);
            now.put("status", org.consort.governance.ServiceStatus.Recovering.name());
            now.put("recoveredFromSeqno", recoveredFrom);
            now.put("recoveryCount", now.path("recoveryCount").asInt(0) + 1);
            tx.write(GovMaps.SERVICE_INFO).put(GovMaps.SERVICE_KEY, new String(Json.bytes(now), StandardCharsets.UTF_8));
            List<String> lost = new ArrayList<>();
            tx.read(GovMaps.NODES).forEach((id, json) -> lost.add(id));
            for (String id : lost) {
                NodeRecord r = NodeRecord.fromJson(tx.read(GovMaps.NODES).get(id).orElseThrow());
                if (!r.status().equals(NodeRecord.RETIRED)) {
                    tx.write(GovMaps.NODES).put(id, r.withStatus(NodeRecord.RETIRED).toJson());
                }
            }
            tx.write(GovMaps.NODES).put(identity.id(), self.toJson());
            ObjectNode code = Json.object().put("platform", VirtualAttestation.PLATFORM).put("status", "AllowedToJoin");
            tx.write(ServiceMaps.NODE_CODE_IDS).put(measurement, new String(Json.bytes(code), StandardCharsets.UTF_8));
            tx.write(GovMaps.NODE_PLATFORMS).put(VirtualAttestation.PLATFORM, "{\"status\":\"AllowedToJoin\"}");
        });
        awaitCommitted(seqno, START_TIMEOUT);
        LOG.info("recovery: the service is Recovering under its new identity (seqno {}); members vote it open, then give"
                + " their shares", seqno);
    }

    private static ObjectNode serviceInfo(ReadTx tx) {
        return (ObjectNode) Json.parseObject(tx.read(GovMaps.SERVICE_INFO).get(GovMaps.SERVICE_KEY).orElse("{}")
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Most bytes of restored private state one transaction carries. */
    public static final int RESTORE_CHUNK_BYTES = 512 << 10;

    /**
     * Primary, once the members' shares gave the wrapping key back: unwraps the lost service's
     * ledger secrets, reads the private parts of its entries (learning the secrets of later
     * rekeys on the way), writes the resulting private state back in bounded transactions, and
     * opens the service. The recovery shares of the recovered service are issued after.
     */
    private synchronized void completeRecovery() {
        if (!replicator.isPrimary() || !Files.exists(Path.of(config.nodeDir(), NodeFiles.RECOVERING))) {
            return;
        }
        ReadTx committedState = store.readTxAt(store.globalCommitVersion());
        Optional<byte[]> key = committedState.read(ServiceMaps.RECOVERY_WRAPPING_KEY).get(org.consort.node.recovery.Recovery.RECOVERED);
        if (key.isEmpty()) {
            return;
        }
        long upTo = serviceInfo(committedState).path("recoveredFromSeqno").asLong();
        try {
            LedgerSecrets previous = org.consort.node.recovery.Recovery.unwrap(committedState, key.get());
            for (LedgerSecrets.Secret sec : previous.all()) {
                secrets.restore(sec.version(), sec.key());
            }
            saveSecrets();
            java.util.Map<String, java.util.LinkedHashMap<java.nio.ByteBuffer, byte[]>> privateState = new java.util.TreeMap<>();
            java.util.Set<String> skip = java.util.Set.of(ServiceMaps.RECOVERY_WRAPPING_KEY.name(),
                    GovMaps.RECOVERY_SUBMITTED_SHARES.name());
            for (long q = ledger.firstSeqno(); q <= upTo; q++) {
                org.consort.ledger.LedgerEntry e = ledger.entry(q).orElseThrow();
                if (e.kind() != EntryKind.WRITE_SET || e.privateLength() == 0) {
                    continue;
                }
                if (secrets.get(e.secretVersion()).isEmpty()) {
                    learnFrom(privateState);
                }
                WriteSet ws = WriteSet.deserialize(q, q - 1, new byte[0], e.decryptPrivate(secrets));
                for (String name : ws.mapNames()) {
                    if (skip.contains(name)) {
                        continue;
                    }
                    var m = privateState.computeIfAbsent(name, n -> new java.util.LinkedHashMap<>());
                    for (WriteSet.KeyWrite w : ws.writes(name)) {
                        m.put(java.nio.ByteBuffer.wrap(w.key()), w.value().orElse(null));
                    }
                }
            }
            learnFrom(privateState);
            saveSecrets();
            // Written back in bounded transactions, through the normal write path.
            List<Object[]> chunk = new ArrayList<>();
            long bytes = 0;
            int txs = 0;
            for (var m : privateState.entrySet()) {
                for (var kv : m.getValue().entrySet()) {
                    byte[] k = new byte[kv.getKey().remaining()];
                    kv.getKey().duplicate().get(k);
                    chunk.add(new Object[] {m.getKey(), k, kv.getValue()});
                    bytes += k.length + (kv.getValue() == null ? 0 : kv.getValue().length);
                    if (bytes >= RESTORE_CHUNK_BYTES) {
                        writeRestored(chunk);
                        txs++;
                        chunk.clear();
                        bytes = 0;
                    }
                }
            }
            writeRestored(chunk);
            long open = engine.writeInternal(tx -> {
                ObjectNode now = serviceInfo(tx);
                now.put("status", org.consort.governance.ServiceStatus.Open.name());
                tx.write(GovMaps.SERVICE_INFO).put(GovMaps.SERVICE_KEY, new String(Json.bytes(now), StandardCharsets.UTF_8));
                tx.write(ServiceMaps.RECOVERY_WRAPPING_KEY).remove(org.consort.node.recovery.Recovery.RECOVERED);
            });
            awaitCommitted(open, START_TIMEOUT);
            Files.deleteIfExists(Path.of(config.nodeDir(), NodeFiles.RECOVERING));
            LOG.info("recovery complete: {} ledger secret versions back, private state of {} maps restored in {} transactions;"
                    + " the service is Open (seqno {})", secrets.all().size(), privateState.size(), txs + 1, open);
        } catch (IOException | RuntimeException | InterruptedException e) {
            LOG.error("recovery could not complete: {}", e.getMessage(), e);
        }
    }

    private void writeRestored(List<Object[]> chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        engine.writeInternal(tx -> {
            for (Object[] w : chunk) {
                var writer = tx.write(MapName.raw((String) w[0]));
                if (w[2] == null) {
                    writer.remove((byte[]) w[1]);
                } else {
                    writer.put((byte[]) w[1], (byte[]) w[2]);
                }
            }
        });
    }

    /** Adds the secrets of later rekeys found in the private state read so far. */
    private void learnFrom(java.util.Map<String, java.util.LinkedHashMap<java.nio.ByteBuffer, byte[]>> privateState) {
        var found = privateState.get(ServiceMaps.LEDGER_SECRETS.name());
        if (found == null) {
            return;
        }
        for (var kv : found.entrySet()) {
            if (kv.getValue() == null) {
                continue;
            }
            byte[] k = new byte[kv.getKey().remaining()];
            kv.getKey().duplicate().get(k);
            long version = ServiceMaps.LEDGER_SECRETS.keys().decode(k);
            secrets.restore((int) version, kv.getValue());
        }
    }

    private void saveSecrets() throws IOException {
        NodeFiles.writePrivate(Path.of(config.nodeDir(), NodeFiles.LEDGER_SECRETS), secrets.toJson());
    }

    /** Primary only, on the admin thread: endorse a trusted node, or take a retired one out of the group. */
    private void primaryDuty(String id) {
        if (!replicator.isPrimary()) {
            return;
        }
        ReadTx committedState = store.readTxAt(store.globalCommitVersion());
        Optional<NodeRecord> rec = committedState.read(GovMaps.NODES).get(id).map(NodeRecord::fromJson);
        if (rec.isEmpty()) {
            return;
        }
        NodeRecord r = rec.get();
        try {
            if (r.isTrusted() && r.cert().isEmpty() && r.joinCert().isPresent()) {
                endorse(id);
            } else if (r.status().equals(NodeRecord.RETIRED) && raft.peers().stream().anyMatch(p -> p.id().equals(id))) {
                raft.removePeer(id);
                LOG.info("retired node {} removed from the replication group", id);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not act on node {} ({}): {}", id, r.status(), e.getMessage());
        }
    }

    private void endorse(String id) {
        long seqno = engine.writeInternal(tx -> {
            Optional<NodeRecord> now = tx.read(GovMaps.NODES).get(id).map(NodeRecord::fromJson);
            if (now.isEmpty() || !now.get().isTrusted() || now.get().cert().isPresent() || now.get().joinCert().isEmpty()) {
                return;
            }
            NodeRecord r = now.get();
            X509Certificate joinCert = Pem.readCertificate(r.joinCert().get());
            X509Certificate cert = Certificates.nodeCertificate(joinCert.getPublicKey(), "Consort node", serviceKey, serviceCert,
                    clock.instant().minus(Duration.ofMinutes(5)), NODE_CERT_VALIDITY, subjectAltNames(r.host()), random);
            tx.write(GovMaps.NODES).put(id, r.withCert(Pem.certificate(cert)).toJson());
        });
        if (seqno > 0) {
            LOG.info("endorsed the certificate of trusted node {} at seqno {}", id, seqno);
        }
    }

    private void onMembership(List<String> peerIds) {
        checkRetired(peerIds);
    }

    /** Most a retired node waits to see itself leave the replication group before it stops anyway. */
    public static final Duration RETIRE_WAIT = Duration.ofSeconds(60);

    /**
     * A retired node stops serving once the group no longer includes it. A node removed from
     * the group may never hear of the change (the leader stops writing to it), so a watcher also
     * stops it when it has lost its leader for a while, or after {@link #RETIRE_WAIT}.
     */
    private void checkRetired(List<String> peerIds) {
        if (!retiring || terminated.getCount() == 0) {
            return;
        }
        if (!peerIds.contains(identity.id())) {
            retire("it left the replication group");
            return;
        }
        synchronized (this) {
            if (retireWatcher != null) {
                return;
            }
            retireWatcher = Thread.ofPlatform().daemon().name("retire-watcher").start(() -> {
                long deadline = System.nanoTime() + RETIRE_WAIT.toNanos();
                long leaderless = 0;
                try {
                    while (terminated.getCount() > 0) {
                        if (raft.peers().stream().noneMatch(p -> p.id().equals(identity.id()))) {
                            retire("it left the replication group");
                            return;
                        }
                        leaderless = raft.leaderId().isEmpty() ? leaderless + 1 : 0;
                        if (leaderless * 200 >= 5000) {
                            retire("it was removed and no longer hears from a primary");
                            return;
                        }
                        if (System.nanoTime() > deadline) {
                            retire("it did not see its removal within " + RETIRE_WAIT.toSeconds() + " s");
                            return;
                        }
                        Thread.sleep(200);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    retire("replication stopped: " + e.getMessage());
                }
            });
        }
    }

    private Thread retireWatcher;

    private void retire(String why) {
        if (terminated.getCount() == 0 || state.equals("Retired")) {
            return;
        }
        LOG.info("node {} was retired by governance and stops serving: {}", identity.id(), why);
        state = "Retired";
        Thread t = new Thread(this::close, "retire");
        t.start();
    }

    private Optional<String> primaryUrl() {
        return replicator.primaryId().filter(id -> !id.equals(identity.id()))
                .flatMap(id -> store.readTx().read(GovMaps.NODES).get(id)).map(json -> NodeRecord.fromJson(json).url());
    }

    private boolean isTrustedNodeCert(X509Certificate cert) {
        if (!Certificates.isIssuedBy(cert, serviceCert, clock.instant())) {
            return false;
        }
        String id = Certificates.keyId(cert);
        return store.readTx().read(GovMaps.NODES).get(id).map(NodeRecord::fromJson)
                .filter(NodeRecord::isEndorsed)
                .map(r -> Pem.certificate(Pem.readCertificate(r.cert().get())).equals(Pem.certificate(cert)))
                .orElse(false);
    }

    public Optional<String> primaryId() {
        return replicator.primaryId();
    }

    // ---- ledger secrets ------------------------------------------------------------------

    /**
     * Called on the apply thread after each applied entry: a new ledger secret that the entry
     * carried is saved, then used for the entries that follow it, on every node alike.
     */
    private void afterApply(long seqno) {
        long next = secrets.current().version() + 1L;
        Optional<byte[]> key;
        try {
            key = store.readTxAt(seqno).read(ServiceMaps.LEDGER_SECRETS).get(next);
        } catch (VersionUnavailable e) {
            return;
        }
        if (key.isEmpty()) {
            return;
        }
        LedgerSecrets updated = LedgerSecrets.fromJson(secrets.toJson());
        updated.add((int) next, key.get());
        try {
            // Saved before any entry uses it, so a restart can always read what was written.
            NodeFiles.writePrivate(Path.of(config.nodeDir(), NodeFiles.LEDGER_SECRETS), updated.toJson());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot save the new ledger secret", e);
        }
        secrets.add((int) next, key.get());
        LOG.info("ledger rekeyed at seqno {}: new entries use ledger secret version {}", seqno, next);
    }

    /** Adds every ledger secret the store holds that this node does not (after a snapshot). */
    private void learnLedgerSecrets() {
        long v = secrets.current().version();
        while (true) {
            long next = v + 1;
            if (store.readTx().read(ServiceMaps.LEDGER_SECRETS).get(next).isEmpty()) {
                return;
            }
            afterApply(store.version());
            if (secrets.current().version() == v) {
                return;
            }
            v = secrets.current().version();
        }
    }

    /**
     * Governance's {@code trigger_snapshot} at {@code version} is committed. Every node gets here
     * on the log's apply thread while it applies the batch whose signature commits it, so each
     * takes its snapshot right after that batch: at the same index of the log, with its store at
     * the batch's last signature (a committed point, as for scheduled snapshots).
     */
    private void requestSnapshot(long version) {
        LOG.info("a snapshot was requested by governance (committed at seqno {}): taking one", version);
        snapshotRequested = true;
        RatisReplicatedLog r = raft;
        if (r != null) {
            r.requestSnapshot();
        }
    }

    /**
     * Primary only: while fewer secrets exist than rekeys were requested by governance, writes
     * a new random secret into the ledger (encrypted with the current one).
     */
    private void rekeyIfRequested() {
        if (!replicator.isPrimary()) {
            return;
        }
        long requested = store.readTxAt(store.globalCommitVersion()).read(GovMaps.SERVICE_REQUESTS)
                .get(GovMaps.REQUEST_LEDGER_REKEY)
                .map(j -> Json.parseObject(j.getBytes(StandardCharsets.UTF_8)).path("count").asLong())
                .orElse(0L);
        try {
            engine.writeInternal(tx -> {
                var map = tx.read(ServiceMaps.LEDGER_SECRETS);
                long next = Math.max(secrets.current().version(), 1) + 1L;
                while (map.get(next).isPresent()) {
                    next++;
                }
                if (next - 2 < requested) {
                    byte[] key = new byte[32];
                    random.nextBytes(key);
                    tx.write(ServiceMaps.LEDGER_SECRETS).put(next, key);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("could not write the requested ledger secret: {}", e.getMessage());
        }
    }

    public int ledgerSecretVersion() {
        return secrets.current().version();
    }

    private void onCommit(long seqno) {
        committed.set(seqno);
        store.globalCommit(seqno);
    }

    /**
     * The one way a node stops on an error it cannot go on from (its ledger cannot be written, an
     * invariant broke, its apply or batcher thread died): it reports itself {@link #FAILED} at once,
     * logs one FATAL line naming the cause, stops serving and replicating, and ends the process with
     * {@link #FATAL_EXIT_STATUS}, after at most {@link #FATAL_STOP_WAIT} for its parts to close.
     * Later fatal errors (the parts failing as they close) are ignored.
     */
    private void onFatal(Throwable t) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        state = FAILED;
        LOG.error("FATAL: node {} stops (exit status {}) so that nothing wrong is acknowledged: {}", identity.id(),
                FATAL_EXIT_STATUS, describe(t), t);
        Thread closer = new Thread(this::close, "fatal-close");
        closer.setDaemon(true);
        Thread stopper = new Thread(() -> {
            closer.start();
            try {
                if (!terminated.await(FATAL_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("the node did not close within {} s after the fatal error; exiting anyway",
                            FATAL_STOP_WAIT.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exit.accept(FATAL_EXIT_STATUS);
        }, "fatal-stop");
        stopper.start();
    }

    /** A throwable and its causes, one message each: what a FATAL line names. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(t);
        for (Throwable c = t.getCause(); c != null && seen.add(c); c = c.getCause()) {
            b.append("; caused by ").append(c);
        }
        return b.toString();
    }

    /** Whether the node runs without a fatal error (it may still be starting, stopping or retired). */
    public boolean healthy() {
        return !failed.get();
    }

    // ---- receipts and historical reads --------------------------------------------------

    Object receipt(RequestContext ctx, TxId id, String format) {
        if (!format.equals("json") && !format.equals("cose")) {
            throw HttpError.badRequest("format must be 'json' or 'cose'");
        }
        TxStatus status = views.status(id, store.version(), committed.get());
        switch (status) {
            case Invalid -> throw new HttpError(404, "TransactionInvalid", "transaction " + id + " is invalid: it will never commit");
            case Unknown -> throw new HttpError(404, "TransactionUnknown", "transaction " + id + " is unknown to this node");
            case Pending -> {
                ctx.status(202);
                ctx.header("retry-after", "1");
                ObjectNode o = Json.object();
                o.put("transactionId", id.toString());
                o.put("status", "Pending");
                return o;
            }
            case Committed -> { }
        }
        Optional<Receipt> receipt = ledger.receipt(id.seqno());
        if (receipt.isEmpty()) {
            ctx.status(202);
            ctx.header("retry-after", "1");
            return null;
        }
        if (format.equals("cose")) {
            ctx.header("content-type", "application/cose");
            return receipt.get().toCose();
        }
        return receipt.get().toJson().getBytes(StandardCharsets.UTF_8);
    }

    private Object historicalRead(RequestContext ctx, MapName<Long, String> map, long id, String transactionId) {
        TxId txId = NodeEndpoints.parseTxId(transactionId);
        TxStatus status = views.status(txId, store.version(), committed.get());
        if (status == TxStatus.Pending || status == TxStatus.Unknown && txId.view() >= views.currentView()) {
            ctx.status(202);
            ctx.header("retry-after", "1");
            ObjectNode o = Json.object();
            o.put("transactionId", txId.toString());
            o.put("status", status.name());
            return o;
        }
        if (status != TxStatus.Committed) {
            throw new HttpError(404, "TransactionInvalid", "transaction " + txId + " is " + status);
        }
        Optional<String> value;
        try {
            value = LoggingApp.valueAt(store.readTxAt(txId.seqno()), map, id);
        } catch (VersionUnavailable e) {
            value = writtenBy(txId, map, id);
        }
        Optional<Receipt> receipt = ledger.receipt(txId.seqno());
        if (receipt.isEmpty()) {
            ctx.status(202);
            ctx.header("retry-after", "1");
            return null;
        }
        String msg = value
                .orElseThrow(() -> HttpError.notFound("ResourceNotFound", "no record with id " + id + " as of " + txId));
        ObjectNode o = Json.object();
        o.put("msg", msg);
        o.put("transactionId", txId.toString());
        o.set("receipt", readJson(receipt.get().toJson()));
        return o;
    }

    /**
     * A committed transaction older than the store's history, read back from the ledger: the value
     * it wrote to record {@code id}, or empty if it deleted it. The whole state as of that
     * transaction is not rebuilt, so a record that the transaction did not write is answered with
     * HistoricalStateUnavailable.
     */
    private <K, V> Optional<V> writtenBy(TxId txId, MapName<K, V> map, K id) {
        long seqno = txId.seqno();
        org.consort.ledger.LedgerEntry e = ledger.entry(seqno).orElseThrow(() -> new HttpError(404,
                "HistoricalStateUnavailable", "transaction " + txId + " is older than this node's ledger, which begins"
                        + " after a snapshot"));
        Optional<V> written = null;
        if (e.kind() == EntryKind.WRITE_SET) {
            byte[] priv;
            try {
                priv = e.decryptPrivate(secrets);
            } catch (RuntimeException ex) {
                throw new HttpError(404, "HistoricalStateUnavailable", "transaction " + txId + " cannot be decrypted"
                        + " with the ledger secrets this node holds");
            }
            written = WriteSet.deserialize(seqno, seqno - 1, e.publicPart(), priv).writes(map).get(id);
        }
        if (written == null) {
            throw new HttpError(404, "HistoricalStateUnavailable", "the state as of " + txId + " is older than the"
                    + " history this node keeps in memory (from version " + store.oldestVersion() + "), and that"
                    + " transaction did not write record " + id + ": older transactions are read from the ledger,"
                    + " which holds only what each one wrote");
        }
        return written;
    }

    private static JsonNode readJson(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- accessors ------------------------------------------------------------------------

    public String nodeId() {
        return identity.id();
    }

    public String state() {
        return state;
    }

    /** The view this node orders transactions in, or -1 when it is not the primary. */
    public long view() {
        return replicator.view();
    }

    public boolean isPrimary() {
        return replicator.isPrimary();
    }

    public long lastSeqno() {
        return store.version();
    }

    public long lastSignedSeqno() {
        return replicator.committedSeqno();
    }

    public long committedSeqno() {
        return committed.get();
    }

    public long startupSeqno() {
        return startupSeqno;
    }

    /**
     * Where this node's state came from when it started: the seqno of the snapshot its store was
     * loaded from (0 if none), and how many ledger entries were then replayed into the store.
     */
    public record StartReport(long snapshotSeqno, Optional<Path> snapshotFile, long replayedEntries) {
    }

    public StartReport startReport() {
        return new StartReport(started.snapshot().map(StartState.Loaded::seqno).orElse(0L),
                started.snapshot().map(s -> s.stored().file()), started.replayed());
    }

    public ViewHistory views() {
        return views;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    /** The client-facing HTTPS listener (its connection counts), once the node serves. */
    public HttpServer httpServer() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "https://" + config.host() + ":" + placement.port();
    }

    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Stops serving and replicating, and closes the ledger. Idempotent. */
    @Override
    public synchronized void close() {
        if (terminated.getCount() == 0) {
            return;
        }
        String finalState = state.equals("Retired") || state.equals(FAILED) ? state : "Stopped";
        // A failed node says so until the process ends.
        state = finalState.equals(FAILED) ? FAILED : "Stopping";
        try {
            if (server != null) {
                server.close();
            }
        } catch (Exception e) {
            LOG.warn("error stopping the HTTP server", e);
        }
        if (ethereum != null) {
            ethereum.close();
        }
        if (raft != null) {
            raft.close();
        }
        if (replicator != null) {
            replicator.close();
        }
        admin.shutdownNow();
        try {
            ledger.close();
        } catch (IOException | RuntimeException e) {
            LOG.error("error closing the ledger", e);
        }
        try {
            constitutionRuntime.close();
        } catch (RuntimeException e) {
            LOG.warn("error closing the constitution runtime", e);
        }
        state = finalState;
        LOG.info("node {} stopped at seqno {} (committed {})", identity.id(), store.version(), committed.get());
        terminated.countDown();
    }
}
