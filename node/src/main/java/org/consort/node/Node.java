package org.consort.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.consort.common.TxId;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.crypto.Pem;
import org.consort.kv.CommitResult;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.VersionUnavailable;
import org.consort.kv.WriteSet;
import org.consort.kv.WriteTx;
import org.consort.ledger.EntryKind;
import org.consort.ledger.Ledger;
import org.consort.ledger.LedgerConfig;
import org.consort.ledger.LedgerCorruptException;
import org.consort.ledger.LedgerSecrets;
import org.consort.ledger.Receipt;
import java.util.ArrayList;
import java.util.List;
import org.consort.governance.ConstitutionLimits;
import org.consort.governance.ConstitutionRuntime;
import org.consort.governance.DefaultConstitution;
import org.consort.governance.Genesis;
import org.consort.governance.GovMaps;
import org.consort.governance.GovernanceService;
import org.consort.governance.MemberStatus;
import org.consort.ethereum.EthereumApp;
import org.consort.node.apps.EthereumEndpoints;
import org.consort.node.apps.EthereumWebSocket;
import org.consort.node.apps.LoggingApp;
import org.consort.node.gov.GovEndpoints;
import org.consort.node.auth.StoreAuthenticator;
import org.consort.node.config.NodeConfig;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.ApiHandler;
import org.consort.node.http.HttpError;
import org.consort.node.http.HttpServer;
import org.consort.node.http.Json;
import org.consort.node.metrics.NodeMetrics;
import org.consort.node.replication.LocalReplicator;
import org.consort.node.service.ServiceMaps;
import org.consort.node.tx.TxEngine;
import org.consort.node.tx.TxStatus;
import org.consort.node.tx.ViewHistory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consort node: its identity, store, ledger, replicator and HTTPS API, wired together.
 * {@link #start} either creates a new service (empty ledger folder) or restarts from the
 * ledger, replaying every entry into the store; {@link #close} stops it cleanly.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);
    /** How far a member request's created_at may be from the node's clock. */
    public static final Duration GOV_REQUEST_WINDOW = Duration.ofMinutes(5);

    /** The node could not start; the message says why (which file, which entry). */
    public static final class StartFailure extends Exception {
        public StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final NodeConfig config;
    private final Identity identity;
    private final X509Certificate serviceCert;
    private final Store store;
    private final Ledger ledger;
    private final ViewHistory views;
    private final LedgerSecrets secrets;
    private final SecureRandom random;
    private final NodeMetrics metrics = new NodeMetrics();
    private final long startupSeqno;
    private final AtomicLong committed = new AtomicLong();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final ConstitutionRuntime constitutionRuntime = new ConstitutionRuntime(ConstitutionLimits.defaults());
    private final GovernanceService governance = new GovernanceService(constitutionRuntime, GOV_REQUEST_WINDOW);
    private LocalReplicator replicator;
    private TxEngine engine;
    private EthereumApp ethereum;
    private HttpServer server;
    private volatile String state = "Starting";

    private Node(NodeConfig config, Identity identity, X509Certificate serviceCert, Store store, Ledger ledger,
            ViewHistory views, long startupSeqno, LedgerSecrets secrets, SecureRandom random) {
        this.secrets = secrets;
        this.random = random;
        this.config = config;
        this.identity = identity;
        this.serviceCert = serviceCert;
        this.store = store;
        this.ledger = ledger;
        this.views = views;
        this.startupSeqno = startupSeqno;
    }

    /** Starts a node from its configuration; throws {@link StartFailure} with a clear reason. */
    public static Node start(NodeConfig config) throws StartFailure {
        return start(config, InstantSource.system(), new SecureRandom());
    }

    public static Node start(NodeConfig config, InstantSource clock, SecureRandom random) throws StartFailure {
        Path nodeDir = Path.of(config.nodeDir());
        Path ledgerDir = Path.of(config.ledgerDir());
        try {
            Files.createDirectories(nodeDir);
            Files.createDirectories(ledgerDir);
        } catch (IOException e) {
            throw new StartFailure("cannot create " + nodeDir + " or " + ledgerDir + ": " + e.getMessage(), e);
        }
        boolean fresh = !Files.exists(nodeDir.resolve(NodeFiles.SERVICE_CERT));
        if (fresh && hasLedgerFiles(ledgerDir)) {
            throw new StartFailure("ledger folder " + ledgerDir + " holds ledger files but " + nodeDir
                    + " has no service certificate: refusing to start a new service over an old ledger", null);
        }
        Identity identity;
        X509Certificate serviceCert;
        LedgerSecrets secrets;
        try {
            if (fresh) {
                Instant now = clock.instant().minus(Duration.ofMinutes(5));
                KeyPair serviceKey = EcCurve.P384.generateKeyPair(random);
                serviceCert = Certificates.selfSignedService(serviceKey, "Consort service", now, Duration.ofDays(3650), random);
                KeyPair nodeKey = EcCurve.P384.generateKeyPair(random);
                X509Certificate nodeCert = Certificates.nodeCertificate(nodeKey.getPublic(), "Consort node",
                        serviceKey.getPrivate(), serviceCert, now, Duration.ofDays(3650),
                        Certificates.SubjectAltNames.localhost(), random);
                identity = new Identity(nodeKey.getPrivate(), nodeCert);
                secrets = LedgerSecrets.generate(random);
                NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.SERVICE_KEY), Pem.privateKey(serviceKey.getPrivate()));
                NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.NODE_KEY), Pem.privateKey(nodeKey.getPrivate()));
                NodeFiles.writePrivate(nodeDir.resolve(NodeFiles.LEDGER_SECRETS), secrets.toJson());
                NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.NODE_CERT), Pem.certificate(nodeCert).getBytes(StandardCharsets.US_ASCII));
                // Written last: its presence marks a completely initialised node folder.
                NodeFiles.writeAtomically(nodeDir.resolve(NodeFiles.SERVICE_CERT), Pem.certificate(serviceCert).getBytes(StandardCharsets.US_ASCII));
            } else {
                serviceCert = Pem.readCertificate(read(nodeDir.resolve(NodeFiles.SERVICE_CERT)));
                identity = new Identity(Pem.readPrivateKey(read(nodeDir.resolve(NodeFiles.NODE_KEY))),
                        Pem.readCertificate(read(nodeDir.resolve(NodeFiles.NODE_CERT))));
                secrets = LedgerSecrets.fromJson(read(nodeDir.resolve(NodeFiles.LEDGER_SECRETS)));
            }
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot " + (fresh ? "create" : "load") + " the node identity in " + nodeDir + ": "
                    + e.getMessage(), e);
        }

        Store store = new Store(new StoreConfig(config.limits().historyVersionsMax()));
        ViewHistory views = new ViewHistory();
        Ledger ledger;
        long[] lastView = {0};
        try {
            ledger = Ledger.open(ledgerDir, LedgerConfig.defaults(clock).withChunkSizeBytes(config.ledgerChunkBytes()),
                    secrets, e -> {
                        long seqno = e.txId().seqno();
                        if (e.txId().view() != lastView[0]) {
                            views.startView(e.txId().view(), seqno);
                            lastView[0] = e.txId().view();
                        }
                        WriteSet ws = e.kind() == EntryKind.WRITE_SET
                                ? WriteSet.deserialize(seqno, seqno - 1, e.publicPart(), e.privatePart())
                                : WriteSet.deserialize(seqno, seqno - 1, new byte[0], new byte[0]);
                        store.apply(ws);
                    });
        } catch (LedgerCorruptException e) {
            throw new StartFailure("ledger is corrupt: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new StartFailure("cannot open the ledger in " + ledgerDir + ": " + e.getMessage(), e);
        }
        ledger.openReport().truncatedTail().ifPresent(t -> LOG.warn("ledger: truncated a torn last entry: {}", t));
        long lastSeqno = ledger.lastSeqno();
        long lastSigned = ledger.lastSignature().map(s -> s.txId().seqno()).orElse(0L);
        long view = lastView[0] + 1;
        views.startView(view, lastSeqno + 1);
        Node node = new Node(config, identity, serviceCert, store, ledger, views, lastSeqno, secrets, random);
        node.committed.set(lastSigned);
        store.globalCommit(lastSigned);
        try {
            node.run(fresh, view, lastSigned, (int) (lastSeqno - lastSigned), clock);
        } catch (Exception e) {
            node.close();
            throw new StartFailure("cannot start: " + e.getMessage(), e);
        }
        return node;
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

    private void run(boolean fresh, long view, long lastSigned, int unsigned, InstantSource clock) throws Exception {
        replicator = new LocalReplicator(store, ledger, identity, view, lastSigned, unsigned,
                config.signatureIntervalEntries(), config.signatureIntervalMs(), config.fsync(),
                config.limits().pendingEntriesMax(), clock, this::onCommit, this::onFatal);
        engine = new TxEngine(store, replicator, views, config.limits());
        ethereum = new EthereumApp(store, EthereumEndpoints.writeSubmitter(engine), config.ethereum(), clock, random);
        if (config.initialMembers().isEmpty() && fresh) {
            throw new IllegalStateException("a new service needs at least one initial member (initialMembers)");
        }
        if (fresh) {
            genesis(clock);
        }
        // Rekeys are requested by governance and done once the request is committed; a request
        // committed just before a crash is done at the next start.
        store.addGlobalCommitHook(GovMaps.SERVICE_REQUESTS, (version, writes) -> {
            if (writes.containsKey(GovMaps.REQUEST_LEDGER_REKEY)) {
                rekeyIfRequested();
            }
        });
        rekeyIfRequested();
        replicator.start();
        // The first entry of every view is a signature, durable before the API opens: so the
        // view is on disk before any TxID of it is given out, and a restart never reuses it.
        long firstSignature = replicator.requestSignature();
        if (!replicator.awaitCommit(firstSignature, Duration.ofSeconds(60))) {
            throw new IllegalStateException("the first signature of view " + view + " did not reach the ledger");
        }
        ethereum.start(clock.instant().getEpochSecond(), EthereumEndpoints.writeSubmitter(engine));
        metrics.gauge("consort.ledger.last.seqno", "Last seqno in this node's ledger", store::version);
        metrics.gauge("consort.ledger.committed.seqno", "Committed seqno", committed::get);
        metrics.gauge("consort.view", "Current view", () -> view);
        metrics.gauge("consort.ethereum.blocks", "Ethereum blocks this node's sequencer wrote", ethereum.sequencer()::blocksWritten);
        metrics.gauge("consort.ethereum.transactions.waiting", "Ethereum transactions waiting for a block",
                ethereum.sequencer()::waiting);

        EndpointRegistry registry = new EndpointRegistry();
        new LoggingApp(config.limits(), this::historicalRead).register(registry);
        new GovEndpoints(governance, clock, ledger::root).register(registry);
        new EthereumEndpoints(ethereum, this::receipt, views, replicator::isPrimary).register(registry);
        NodeEndpoints.register(registry, this);
        registry.freeze();
        StoreAuthenticator authenticator = new StoreAuthenticator(store);
        ApiHandler handler = new ApiHandler(registry, authenticator, engine, config.limits(), metrics);
        server = HttpServer.start(config.host(), config.port(), identity.privateKey(),
                new X509Certificate[] {identity.certificate(), serviceCert},
                s -> EthereumWebSocket.wrap(s, handler, ethereum, authenticator), config.limits());
        state = "PartOfNetwork";
        String url = "https://" + config.host() + ":" + server.port();
        ObjectNode startup = Json.object();
        startup.put("nodeId", identity.id());
        startup.put("url", url);
        startup.put("pid", ProcessHandle.current().pid());
        startup.put("serviceCert", Path.of(config.nodeDir(), NodeFiles.SERVICE_CERT).toString());
        NodeFiles.writeAtomically(Path.of(config.nodeDir(), NodeFiles.STARTUP), Json.bytes(startup));
        LOG.info("node {} listening on {} (view {}, last seqno {}, committed {})", identity.id(), url, view,
                store.version(), committed.get());
    }

    /**
     * The first transaction of a new service: governance's first state (service Opening, the
     * initial members as Accepted, users, the default constitution) and this node as Trusted.
     */
    private void genesis(InstantSource clock) throws IOException {
        WriteTx tx = store.writeTx();
        List<Genesis.Member> members = new ArrayList<>();
        for (String file : config.initialMembers()) {
            String pem = Pem.certificate(Pem.readCertificate(Files.readString(Path.of(file))));
            members.add(new Genesis.Member(pem, null, null, MemberStatus.Accepted));
        }
        List<String> users = new ArrayList<>();
        for (String file : config.initialUsers()) {
            users.add(Pem.certificate(Pem.readCertificate(Files.readString(Path.of(file)))));
        }
        governance.initialize(tx, new Genesis(Pem.certificate(serviceCert), members, users, DefaultConstitution.text(), 0));
        ethereum.genesis(tx, clock.instant().getEpochSecond());
        ObjectNode nodeInfo = Json.object();
        nodeInfo.put("cert", identity.certificatePem());
        nodeInfo.put("status", "Trusted");
        nodeInfo.put("host", config.host());
        tx.write(ServiceMaps.NODES).put(identity.id(), new String(Json.bytes(nodeInfo), StandardCharsets.UTF_8));
        if (!replicator.tryReserve()) {
            throw new IllegalStateException("no room for the genesis transaction");
        }
        CommitResult r = store.commit(tx, ws -> replicator.append(new TxId(replicator.view(), ws.version()), ws));
        if (!(r instanceof CommitResult.Committed)) {
            throw new IllegalStateException("genesis transaction did not commit: " + r);
        }
    }

    /**
     * Adds ledger secrets until there is one more than the committed count of rekey requests.
     * Runs on the ledger writer (from the commit hook) or before it starts, so no entry is
     * encrypted between adding the secret and writing it to disk.
     */
    private void rekeyIfRequested() {
        long requested = store.readTxAt(store.globalCommitVersion()).read(GovMaps.SERVICE_REQUESTS)
                .get(GovMaps.REQUEST_LEDGER_REKEY)
                .map(j -> Json.parseObject(j.getBytes(StandardCharsets.UTF_8)).path("count").asLong())
                .orElse(0L);
        while (secrets.current().version() - 1 < requested) {
            int next = secrets.current().version() + 1;
            byte[] key = new byte[32];
            random.nextBytes(key);
            secrets.add(next, key);
            try {
                NodeFiles.writePrivate(Path.of(config.nodeDir(), NodeFiles.LEDGER_SECRETS), secrets.toJson());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot save the new ledger secret", e);
            }
            LOG.info("ledger rekeyed: new entries use ledger secret version {}", next);
        }
    }

    public int ledgerSecretVersion() {
        return secrets.current().version();
    }

    private void onCommit(long seqno) {
        committed.set(seqno);
        store.globalCommit(seqno);
    }

    private void onFatal(Throwable t) {
        state = "Stopped";
        LOG.error("fatal: the ledger cannot be written; stopping the node so that no write is acknowledged", t);
        Thread stopper = new Thread(() -> {
            close();
            Runtime.getRuntime().halt(70);
        }, "fatal-stop");
        stopper.start();
    }

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
        if (status == TxStatus.Pending || status == TxStatus.Unknown && txId.view() == views.currentView()) {
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
        ReadTx at;
        try {
            at = store.readTxAt(txId.seqno());
        } catch (VersionUnavailable e) {
            throw new HttpError(404, "HistoricalStateUnavailable", "the state as of " + txId
                    + " is older than the history this node keeps (" + config.limits().historyVersionsMax() + " versions)");
        }
        Optional<Receipt> receipt = ledger.receipt(txId.seqno());
        if (receipt.isEmpty()) {
            ctx.status(202);
            ctx.header("retry-after", "1");
            return null;
        }
        String msg = LoggingApp.valueAt(at, map, id)
                .orElseThrow(() -> HttpError.notFound("ResourceNotFound", "no record with id " + id + " as of " + txId));
        ObjectNode o = Json.object();
        o.put("msg", msg);
        o.put("transactionId", txId.toString());
        o.set("receipt", readJson(receipt.get().toJson()));
        return o;
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String nodeId() {
        return identity.id();
    }

    public String state() {
        return state;
    }

    public long view() {
        return replicator.view();
    }

    public long lastSeqno() {
        return store.version();
    }

    public long lastSignedSeqno() {
        return replicator.lastSignedSeqno();
    }

    public long committedSeqno() {
        return committed.get();
    }

    public long startupSeqno() {
        return startupSeqno;
    }

    public ViewHistory views() {
        return views;
    }

    public NodeMetrics metrics() {
        return metrics;
    }

    public int port() {
        return server.port();
    }

    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Stops serving, signs and writes what was executed, closes the ledger. Idempotent. */
    @Override
    public synchronized void close() {
        if (terminated.getCount() == 0) {
            return;
        }
        state = "Stopping";
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
        if (replicator != null) {
            replicator.close();
        }
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
        state = "Stopped";
        LOG.info("node {} stopped at seqno {} (committed {})", identity.id(), store.version(), committed.get());
        terminated.countDown();
    }
}
