package org.consort.node.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * @param ethereum         the Ethereum application: chain id, fees, genesis allocations, user addresses, its
 *                         bounds (defaults when absent); used by the genesis of a new service
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record NodeConfig(String nodeDir, String ledgerDir, String host, int port, List<String> initialMembers,
        List<String> initialUsers, Integer signatureIntervalEntries, Integer signatureIntervalMs, Long ledgerChunkBytes,
        Boolean fsync, Limits limits, EthereumConfig ethereum) {

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
        signatureIntervalEntries = signatureIntervalEntries == null ? 1000 : signatureIntervalEntries;
        signatureIntervalMs = signatureIntervalMs == null ? 50 : signatureIntervalMs;
        ledgerChunkBytes = ledgerChunkBytes == null ? 8L << 20 : ledgerChunkBytes;
        fsync = fsync == null ? Boolean.TRUE : fsync;
        limits = limits == null ? Limits.defaults() : limits;
        ethereum = ethereum == null ? EthereumConfig.defaults() : ethereum;
        if (signatureIntervalEntries < 1 || signatureIntervalMs < 1) {
            throw new IllegalArgumentException("config: signature intervals must be positive");
        }
        if (ledgerChunkBytes < 4096) {
            throw new IllegalArgumentException("config: 'ledgerChunkBytes' must be at least 4096");
        }
    }

    /** A configuration with the default Ethereum settings. */
    public NodeConfig(String nodeDir, String ledgerDir, String host, int port, List<String> initialMembers,
            List<String> initialUsers, Integer signatureIntervalEntries, Integer signatureIntervalMs, Long ledgerChunkBytes,
            Boolean fsync, Limits limits) {
        this(nodeDir, ledgerDir, host, port, initialMembers, initialUsers, signatureIntervalEntries, signatureIntervalMs,
                ledgerChunkBytes, fsync, limits, null);
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
                raw.ethereum);
    }

    private static String resolve(Path base, String p) {
        return p == null ? null : base.resolve(p).normalize().toString();
    }

    public void write(Path file) throws IOException {
        Files.write(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }
}
