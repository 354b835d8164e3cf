package org.consort.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files in a node's folder ({@code nodeDir}). Secrets are written owner-only and
 * atomically (temporary file, fsync, rename), so a crash never leaves half a key behind.
 */
public final class NodeFiles {
    /** The node's private key (PEM, owner-only). */
    public static final String NODE_KEY = "node_privk.pem";
    /** The node's certificate, endorsed by the service identity. */
    public static final String NODE_CERT = "node_cert.pem";
    /** The self-signed certificate a joining node asked to join with (its key before endorsement). */
    public static final String JOIN_CERT = "join_cert.pem";
    /** The service identity's private key (PEM, owner-only): every trusted node holds it, to endorse joiners. */
    public static final String SERVICE_KEY = "service_privk.pem";
    /** The service certificate: what clients and auditors trust. */
    public static final String SERVICE_CERT = "service_cert.pem";
    /** The ledger secrets (JSON, owner-only). */
    public static final String LEDGER_SECRETS = "ledger_secrets.json";
    /**
     * The node's place in the replication group (JSON): {"groupId", "port", "raftPort",
     * "peers": [{"id", "host", "port"}]} as of its first start, so restarts use the same ports.
     */
    public static final String REPLICATION = "replication.json";
    /** Present while a recovered service waits for its members' shares: {"recoveredFromSeqno", "lastView"}. */
    public static final String RECOVERING = "recovering.json";
    /** Folder of the replicated log (Apache Ratis storage). */
    public static final String RAFT_DIR = "raft";
    /** Written once the node listens: {"nodeId", "url", "pid"}. */
    public static final String STARTUP = "startup.json";

    private NodeFiles() {
    }

    /** Writes a secret file readable by its owner only, atomically. */
    public static void writePrivate(Path file, String content) throws IOException {
        write(file, content.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Writes a file atomically (temporary file, fsync, rename). */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        write(file, content, false);
    }

    private static void write(Path file, byte[] content, boolean ownerOnly) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (ownerOnly) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.write(tmp, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
