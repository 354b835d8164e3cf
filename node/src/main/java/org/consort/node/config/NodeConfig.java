package org.consort.node.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.consort.crypto.EcCurve;
import org.consort.ethereum.EthereumConfig;
import org.consort.node.Limits;

/**
 * A node's configuration file (JSON). Relative paths are resolved against the file's folder.
 *
 * @param nodeDir          folder of the node's identity and sealed secrets (created on start)
 * @param ledgerDir        folder of the ledger chunk files
 * @param host             address to listen on
 * @param port             port to listen on; 0 picks a free one (written to nodeDir/startup.json)
 * @param initialMembers   member certificate PEM files registered by the genesis transaction
 * @param initialUsers     user certificate PEM files registered by the genesis transaction
 * @param signatureIntervalEntries a signature entry after at most this many entries
 * @param signatureIntervalMs      ... or after this many milliseconds with unsigned entries
 * @param ledgerChunkBytes         a new chunk file starts after a signature once a chunk exceeds this
 * @param fsync            whether ledger writes are forced to the disk before they count as committed
 * @param limits           bounds (defaults when absent)
 * @param raftPort         port of the node-to-node replication endpoint; 0 or absent picks a free
 *                         one at the first start, kept in nodeDir for restarts
 * @param join             present for a node that joins an existing service instead of creating one
 * @param replication      batching and election settings (defaults when absent)
 * @param ethereum         the Ethereum application: chain id, fees, genesis allocations, user addresses, its
 *                         bounds (defaults when absent); used by the genesis of a new service
 * @param nodeKeyCurve     the curve of the key this node makes for its identity (TLS, signatures of
 *                         the ledger): "P-256" (default; signs about 9 times faster) or "P-384"
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record NodeConfig(String nodeDir, String ledgerDir, String host, int port, List<String> initialMembers,
        List<String> initialUsers, Integer signatureIntervalEntries, Integer signatureIntervalMs, Long ledgerChunkBytes,
        Boolean fsync, Limits limits, Integer raftPort, Join join, Replication replication, EthereumConfig ethereum,
        String nodeKeyCurve) {
    /** Default of signatureIntervalEntries: a signature after at most this many unsigned entries. */
    public static final int SIGNATURE_INTERVAL_ENTRIES_DEFAULT = 1000;

    /**
     * Default of signatureIntervalMs. A write is committed when a signature after it is, so the
     * wait for the next signature is most of a write's commit latency at moderate load. At 3,200
     * writes/s on 3 nodes, 20 ms instead of 50 took the commit p50 from 53-56 to 31 ms, and
     * closed-loop throughput did not fall (docs/performance.md, "Commit latency"). A signature is
     * made only when there are unsigned entries.
     */
    public static final int SIGNATURE_INTERVAL_MS_DEFAULT = 20;


    /** The default curve of node keys, by name. */
    public static final String NODE_KEY_CURVE_DEFAULT = "P-256";

    /** A configuration whose node key takes the default curve. */
    public NodeConfig(String nodeDir, String ledgerDir, String host, int port, List<String> initialMembers,
            List<String> initialUsers, Integer signatureIntervalEntries, Integer signatureIntervalMs, Long ledgerChunkBytes,
            Boolean fsync, Limits limits, Integer raftPort, Join join, Replication replication, EthereumConfig ethereum) {
        this(nodeDir, ledgerDir, host, port, initialMembers, initialUsers, signatureIntervalEntries, signatureIntervalMs,
                ledgerChunkBytes, fsync, limits, raftPort, join, replication, ethereum, null);
    }

    /**
     * How a new node joins: the URL of any node of the service, and the service certificate
     * it checks that node against.
     */
    public record Join(String target, String serviceCert) {
        public Join {
            if (target == null || !target.startsWith("https://")) {
                throw new IllegalArgumentException("config: 'join.target' must be an https:// URL of a node of the service");
            }
            if (serviceCert == null || serviceCert.isBlank()) {
                throw new IllegalArgumentException("config: 'join.serviceCert' (the service certificate PEM file) is required");
            }
        }
    }

    /**
     * Replication settings; each absent field takes its default.
     *
     * @param batchEntriesMax      ledger entries per replicated batch, at most (default 4096)
     * @param batchBytesMax        bytes per replicated batch, at most (default 8 MiB)
     * @param proposalsInFlightMax batches proposed and not yet committed, at most (default
     *                             {@link #PROPOSALS_IN_FLIGHT_MAX_DEFAULT})
     * @param electionTimeoutMinMs lower bound of the election timeout (default 1000)
     * @param electionTimeoutMaxMs upper bound of the election timeout (default 2000)
     * @param joinTimeoutSeconds   how long a joining node waits to be trusted (default 600)
     * @param snapshotEveryEntries a snapshot every this many replicated batches, after which the log
     *                             before it is dropped; 0 turns scheduled snapshots off (governance's
     *                             {@code trigger_snapshot} still takes one) (default 10000)
     * @param batchDelayMicros     how long the primary waits for more entries before it proposes a
     *                             batch that is not full (default 0: at once)
     */
    public record Replication(Integer batchEntriesMax, Integer batchBytesMax, Integer proposalsInFlightMax,
                              Integer electionTimeoutMinMs, Integer electionTimeoutMaxMs, Integer joinTimeoutSeconds,
                              Integer snapshotEveryEntries, Integer batchDelayMicros) {
        /**
         * Default of proposalsInFlightMax. Entries that arrive while this many batches are in flight
         * wait and go in the next batch, so the batch size follows the load. With 8, a primary at
         * 3,200 writes/s proposed 400-700 batches/s of 5-10 entries and each round took 8-30 ms
         * (the CPU was the queue); with 2, 60-250 batches/s of 12-48 entries, commit p99 119-130
         * against 155-192 ms, and a little more throughput at saturation (docs/performance.md,
         * "Commit latency").
         */
        public static final int PROPOSALS_IN_FLIGHT_MAX_DEFAULT = 2;

        public Replication(Integer batchEntriesMax, Integer batchBytesMax, Integer proposalsInFlightMax,
                           Integer electionTimeoutMinMs, Integer electionTimeoutMaxMs, Integer joinTimeoutSeconds,
                           Integer snapshotEveryEntries) {
            this(batchEntriesMax, batchBytesMax, proposalsInFlightMax, electionTimeoutMinMs, electionTimeoutMaxMs,
                    joinTimeoutSeconds, snapshotEveryEntries, null);
        }

        public Replication {
            batchDelayMicros = batchDelayMicros == null ? 0 : batchDelayMicros;
            snapshotEveryEntries = snapshotEveryEntries == null ? 10_000 : snapshotEveryEntries;
            batchEntriesMax = batchEntriesMax == null ? 4096 : batchEntriesMax;
            batchBytesMax = batchBytesMax == null ? 8 << 20 : batchBytesMax;
            proposalsInFlightMax = proposalsInFlightMax == null ? PROPOSALS_IN_FLIGHT_MAX_DEFAULT : proposalsInFlightMax;
            electionTimeoutMinMs = electionTimeoutMinMs == null ? 1000 : electionTimeoutMinMs;
            electionTimeoutMaxMs = electionTimeoutMaxMs == null ? 2000 : electionTimeoutMaxMs;
            joinTimeoutSeconds = joinTimeoutSeconds == null ? 600 : joinTimeoutSeconds;
            if (batchEntriesMax < 1 || batchBytesMax < (1 << 20) || proposalsInFlightMax < 1 || electionTimeoutMinMs < 100
                    || electionTimeoutMaxMs <= electionTimeoutMinMs || joinTimeoutSeconds < 1 || snapshotEveryEntries < 0 || batchDelayMicros < 0 || batchDelayMicros > 1_000_000) {
                throw new IllegalArgumentException("config: replication settings out of range (batchBytesMax at least 1 MiB,"
                        + " electionTimeoutMaxMs above electionTimeoutMinMs >= 100): " + this);
            }
        }

        public static Replication defaults() {
            return new Replication(null, null, null, null, null, null, null, null);
        }
    }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public NodeConfig {
        if (nodeDir == null || nodeDir.isBlank()) {
            throw new IllegalArgumentException("config: 'nodeDir' is required");
        }
        ledgerDir = ledgerDir == null ? Path.of(nodeDir, "ledger").toString() : ledgerDir;
        host = host == null ? "127.0.0.1" : host;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("config: 'port' must be between 0 and 65535");
        }
        initialMembers = initialMembers == null ? List.of() : List.copyOf(initialMembers);
        initialUsers = initialUsers == null ? List.of() : List.copyOf(initialUsers);
        signatureIntervalEntries = signatureIntervalEntries == null ? SIGNATURE_INTERVAL_ENTRIES_DEFAULT : signatureIntervalEntries;
        signatureIntervalMs = signatureIntervalMs == null ? SIGNATURE_INTERVAL_MS_DEFAULT : signatureIntervalMs;
        ledgerChunkBytes = ledgerChunkBytes == null ? 8L << 20 : ledgerChunkBytes;
        fsync = fsync == null ? Boolean.TRUE : fsync;
        limits = limits == null ? Limits.defaults() : limits;
        raftPort = raftPort == null ? 0 : raftPort;
        replication = replication == null ? Replication.defaults() : replication;
        ethereum = ethereum == null ? EthereumConfig.defaults() : ethereum;
        nodeKeyCurve = nodeKeyCurve == null ? NODE_KEY_CURVE_DEFAULT : nodeKeyCurve;
        EcCurve.ofName(nodeKeyCurve); // refuses an unknown name now rather than at the first start
        if (raftPort < 0 || raftPort > 65535) {
            throw new IllegalArgumentException("config: 'raftPort' must be between 0 and 65535");
        }
        if (signatureIntervalEntries < 1 || signatureIntervalMs < 1) {
            throw new IllegalArgumentException("config: signature intervals must be positive");
        }
        if (ledgerChunkBytes < 4096) {
            throw new IllegalArgumentException("config: 'ledgerChunkBytes' must be at least 4096");
        }
    }

    /** Reads a config file; paths inside it are resolved against its folder. */
    public static NodeConfig read(Path file) throws IOException {
        NodeConfig raw;
        try {
            raw = MAPPER.readValue(Files.readAllBytes(file), NodeConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("config " + file + ": " + e.getOriginalMessage());
        }
        Path base = file.toAbsolutePath().getParent();
        return new NodeConfig(resolve(base, raw.nodeDir), resolve(base, raw.ledgerDir), raw.host, raw.port,
                raw.initialMembers.stream().map(p -> resolve(base, p)).toList(),
                raw.initialUsers.stream().map(p -> resolve(base, p)).toList(),
                raw.signatureIntervalEntries, raw.signatureIntervalMs, raw.ledgerChunkBytes, raw.fsync, raw.limits,
                raw.raftPort, raw.join == null ? null : new Join(raw.join.target(), resolve(base, raw.join.serviceCert())),
                raw.replication, raw.ethereum, raw.nodeKeyCurve);
    }

    private static String resolve(Path base, String p) {
        return p == null ? null : base.resolve(p).normalize().toString();
    }

    /** The curve of the key this node makes for its identity. */
    public EcCurve nodeKeyCurveParsed() {
        return EcCurve.ofName(nodeKeyCurve);
    }

    public void write(Path file) throws IOException {
        Files.write(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }
}
