package org.consort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Pem;
import org.consort.node.NodeFiles;
import org.consort.node.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code consort sandbox}: a local network on 127.0.0.1 for development. Creates member and
 * user credentials, starts each node as its own process, writes {@code DIR/network.json} and
 * runs in the foreground until interrupted, then stops its nodes cleanly. Started again on the
 * same folder, it restarts the same network from its ledgers.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Start a local Consort network in the foreground (Ctrl-C stops it).")
public final class SandboxCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--nodes", defaultValue = "1", description = "Number of nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--dir", defaultValue = "workspace/sandbox", description = "Folder of the network (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--members", defaultValue = "3", description = "Members created for a new network (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--users", defaultValue = "2", description = "Users created for a new network (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--port", defaultValue = "0", description = "Port of the first node; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--fresh", description = "Delete DIR first and start a new network.")
    boolean fresh;

    @Option(names = "--signature-interval-entries", defaultValue = "" + NodeConfig.SIGNATURE_INTERVAL_ENTRIES_DEFAULT, description = "Signature after this many entries (default: ${DEFAULT-VALUE}).")
    int signatureIntervalEntries;

    @Option(names = "--signature-interval-ms", defaultValue = "" + NodeConfig.SIGNATURE_INTERVAL_MS_DEFAULT, description = "... or after this many milliseconds, if any entry is unsigned (default: ${DEFAULT-VALUE}).")
    int signatureIntervalMs;

    @Option(names = "--snapshot-every", defaultValue = "10000",
            description = "A snapshot every this many replicated batches; 0 turns them off (default: ${DEFAULT-VALUE}).")
    int snapshotEvery;

    @Option(names = "--node-java-options", defaultValue = NODE_JAVA_OPTIONS_DEFAULT,
            description = "JVM options for each node process (default: ${DEFAULT-VALUE}: the sandbox's nodes share one "
                    + "machine, where a node stopped for a young collection waits for the CPU the others hold, so "
                    + "G1 keeps its young generation small; see docs/performance.md).")
    String nodeJavaOptions;

    /** Measured on a 2-core machine with 3 nodes under load: see docs/performance.md. */
    static final String NODE_JAVA_OPTIONS_DEFAULT = "-XX:+UseG1GC -Xmx4g -XX:MaxGCPauseMillis=20"
            + " -XX:+UnlockExperimentalVMOptions -XX:G1NewSizePercent=1 -XX:G1MaxNewSizePercent=3"
            + " -XX:G1MixedGCCountTarget=32 -XX:G1OldCSetRegionThresholdPercent=2";

    private final List<Process> processes = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (nodes < 1 || nodes > NODES_MAX) {
            System.err.println("consort sandbox: --nodes must be between 1 and " + NODES_MAX);
            return 2;
        }
        if (members < 1 || users < 0) {
            System.err.println("consort sandbox: --members must be at least 1 and --users at least 0");
            return 2;
        }
        dir = dir.toAbsolutePath().normalize();
        if (fresh) {
            deleteTree(dir);
        }
        Files.createDirectories(dir);
        ObjectNode network = (ObjectNode) (Files.exists(dir.resolve("network.json"))
                ? JSON.readTree(dir.resolve("network.json").toFile()) : null);
        boolean restart = network != null;
        if (network == null) {
            network = createCredentials();
        } else {
            int known = network.withArray("nodes").size();
            if (known != nodes) {
                out.println("Restarting the network in " + dir + " with its " + known + " nodes (--nodes " + nodes
                        + " applies to new networks)");
                nodes = known;
            } else {
                out.println("Restarting the network in " + dir + " from its ledgers");
            }
        }
        Signals.onTerminate(this::stopNodes);
        Path serviceCertFile = dir.resolve("node0").resolve(NodeFiles.SERVICE_CERT);

        List<JsonNode> startups = new ArrayList<>();
        if (restart) {
            // Every node restarts from its own folder; they elect a primary among themselves.
            List<Path> nodeDirs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Path nodeDir = dir.resolve("node" + i);
                Files.deleteIfExists(nodeDir.resolve(NodeFiles.STARTUP));
                processes.add(startNode(i == 0 ? "start" : "join", nodeDir.resolve("config.json"), nodeDir.resolve("node.log")));
                nodeDirs.add(nodeDir);
            }
            for (int i = 0; i < nodes; i++) {
                startups.add(awaitStartup(processes.get(i), nodeDirs.get(i), Duration.ofSeconds(120)));
            }
        } else {
            Path node0 = dir.resolve("node0");
            writeConfig(node0, network, null);
            processes.add(startNode("start", node0.resolve("config.json"), node0.resolve("node.log")));
            startups.add(awaitStartup(processes.get(0), node0, Duration.ofSeconds(120)));
            String url0 = startups.get(0).get("url").asText();
            List<MemberClient> memberClients = memberClients(network, url0, serviceCertFile);
            openIfNew(memberClients, network, url0, serviceCertFile);
            for (int i = 1; i < nodes; i++) {
                Path nodeDir = dir.resolve("node" + i);
                writeConfig(nodeDir, network, new NodeConfig.Join(url0, serviceCertFile.toString()));
                Process p = startNode("join", nodeDir.resolve("config.json"), nodeDir.resolve("node.log"));
                processes.add(p);
                String nodeId = awaitPendingNode(p, nodeDir, url0, serviceCertFile, Duration.ofSeconds(120));
                MemberClient.trustNode(memberClients, nodeId, Duration.ofSeconds(60));
                out.println("Members trusted node " + i + " (" + nodeId.substring(0, 16) + "...)");
                startups.add(awaitStartup(p, nodeDir, Duration.ofSeconds(180)));
            }
        }

        String primaryId = primaryId(startups.get(0).get("url").asText(), serviceCertFile, Duration.ofSeconds(60));
        ArrayNode nodeList = network.putArray("nodes");
        for (int i = 0; i < nodes; i++) {
            Path nodeDir = dir.resolve("node" + i);
            JsonNode startup = startups.get(i);
            ObjectNode n = nodeList.addObject();
            n.put("id", startup.get("nodeId").asText());
            n.put("url", startup.get("url").asText());
            n.put("pid", processes.get(i).pid());
            n.put("ledgerDir", nodeDir.resolve("ledger").toString());
            n.put("nodeDir", nodeDir.toString());
            n.put("log", nodeDir.resolve("node.log").toString());
            n.put("primary", startup.get("nodeId").asText().equals(primaryId));
        }
        network.put("serviceCert", serviceCertFile.toString());
        Path networkFile = dir.resolve("network.json");
        Path tmp = dir.resolve("network.json.tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), network);
        Files.move(tmp, networkFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        out.println("Consort sandbox is running (Ctrl-C stops it).");
        for (int i = 0; i < nodes; i++) {
            JsonNode n = nodeList.get(i);
            out.println("  node " + i + ":        " + n.get("url").asText() + "  (pid " + n.get("pid").asLong()
                    + (n.get("primary").asBoolean() ? ", primary" : "") + ")  ledger " + n.get("ledgerDir").asText());
        }
        out.println("  service cert:  " + network.get("serviceCert").asText());
        for (JsonNode m : network.withArray("members")) {
            out.println("  member:        cert " + m.get("cert").asText() + "  key " + m.get("key").asText());
        }
        for (JsonNode u : network.withArray("users")) {
            out.println("  user:          cert " + u.get("cert").asText() + "  key " + u.get("key").asText()
                    + (u.hasNonNull("ethereumAddress") ? "  ethereum " + u.get("ethereumAddress").asText() : ""));
        }
        out.println("  network file:  " + networkFile);
        out.println("Try: curl --cacert " + network.get("serviceCert").asText() + " --cert "
                + network.withArray("users").path(0).path("cert").asText() + " --key "
                + network.withArray("users").path(0).path("key").asText() + " -H 'content-type: application/json' "
                + "-d '{\"id\": 42, \"msg\": \"hello\"}' " + nodeList.get(0).get("url").asText() + "/app/log/private");
        out.flush();

        // Runs until interrupted. A node that exits is reported and the others go on (a network
        // survives the loss of a minority); restart it with the command printed.
        boolean[] reported = new boolean[processes.size()];
        while (!stopping) {
            int alive = 0;
            for (int i = 0; i < processes.size(); i++) {
                Process p = processes.get(i);
                if (p.isAlive()) {
                    alive++;
                } else if (!reported[i] && !stopping) {
                    reported[i] = true;
                    Path nodeDir = dir.resolve("node" + i);
                    System.err.println("consort sandbox: node " + i + " exited with code " + p.exitValue() + " (see "
                            + nodeDir.resolve("node.log") + "); restart it with: bin/consort node " + (i == 0 ? "start" : "join")
                            + " --config " + nodeDir.resolve("config.json"));
                }
            }
            if (alive == 0) {
                if (stopping) {
                    return 0;
                }
                System.err.println("consort sandbox: every node has exited");
                return 1;
            }
            Thread.sleep(200);
        }
        return 0;
    }

    /** Most nodes a sandbox starts. */
    public static final int NODES_MAX = 9;

    private void writeConfig(Path nodeDir, ObjectNode network, NodeConfig.Join join) throws IOException {
        Files.createDirectories(nodeDir);
        Path configFile = nodeDir.resolve("config.json");
        List<String> memberCerts = new ArrayList<>();
        network.withArray("members").forEach(m -> memberCerts.add(m.get("cert").asText()));
        List<String> userCerts = new ArrayList<>();
        network.withArray("users").forEach(u -> userCerts.add(u.get("cert").asText()));
        int nodePort = join == null ? port : 0;
        new NodeConfig(nodeDir.toString(), nodeDir.resolve("ledger").toString(), "127.0.0.1", nodePort,
                join == null ? memberCerts : List.of(), join == null ? userCerts : List.of(), signatureIntervalEntries,
                signatureIntervalMs, null, true, null, 0, join,
                new NodeConfig.Replication(null, null, null, null, null, null, snapshotEvery),
                SandboxEthereum.config(network.withArray("users"))).write(configFile);
    }

    private static List<MemberClient> memberClients(ObjectNode network, String url, Path serviceCert) throws IOException {
        List<MemberClient> out = new ArrayList<>();
        for (JsonNode m : network.withArray("members")) {
            out.add(MemberClient.connect(url, serviceCert, Path.of(m.get("cert").asText()), Path.of(m.get("key").asText())));
        }
        return out;
    }

    /** Waits until the joining node has asked to join (Pending on the service); returns its id. */
    private static String awaitPendingNode(Process p, Path nodeDir, String url, Path serviceCert, Duration timeout)
            throws Exception {
        Path joinCert = nodeDir.resolve(NodeFiles.JOIN_CERT);
        ConsortClient anyone = ConsortClient.connect(url, serviceCert, null, null);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("joining node exited with code " + p.exitValue() + "; last lines of "
                        + nodeDir.resolve("node.log") + ":\n" + tail(nodeDir.resolve("node.log"), 20));
            }
            if (Files.exists(joinCert)) {
                String id = Certificates.keyId(Pem.readCertificate(Files.readString(joinCert)));
                for (JsonNode n : anyone.get("/node/network/nodes").json().path("nodes")) {
                    if (n.path("nodeId").asText().equals(id)) {
                        return id;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("node in " + nodeDir + " did not ask to join within " + timeout.toSeconds() + " s");
    }

    private static String primaryId(String url, Path serviceCert, Duration timeout) throws Exception {
        ConsortClient anyone = ConsortClient.connect(url, serviceCert, null, null);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ConsortClient.Response r = anyone.get("/node/network/nodes/primary");
            if (r.status() == 200) {
                return r.json().path("nodeId").asText();
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no primary was elected within " + timeout.toSeconds() + " s");
    }

    private volatile boolean stopping;

    /** A new service starts Opening: its members acknowledge the state digest and vote it open. */
    private static void openIfNew(List<MemberClient> members, ObjectNode network, String url, Path serviceCert) throws Exception {
        ConsortClient anyone = ConsortClient.connect(url, serviceCert, null, null);
        String status = anyone.get("/gov/service/info").json().path("status").asText();
        if (!status.equals("Opening")) {
            return;
        }
        // The same proposal registers the members' recovery keys and a majority threshold, so
        // recovery shares are issued as the service opens.
        List<String> actions = new ArrayList<>();
        for (JsonNode m : network.withArray("members")) {
            if (m.hasNonNull("encryptionKey")) {
                ObjectNode a = JSON.createObjectNode().put("name", "set_member");
                a.putObject("args").put("cert", Files.readString(Path.of(m.get("cert").asText())))
                        .put("encryption_pub_key", Files.readString(Path.of(m.get("encryptionKey").asText())));
                actions.add(JSON.writeValueAsString(a));
            }
        }
        if (!actions.isEmpty()) {
            actions.add("{\"name\": \"set_recovery_threshold\", \"args\": {\"recovery_threshold\": "
                    + (actions.size() / 2 + 1) + "}}");
        }
        String proposal = MemberClient.openService(members, String.join(", ", actions), Duration.ofSeconds(60));
        System.out.println("Members acknowledged the state digest and opened the service (proposal " + proposal + ")");
    }

    private void stopNodes() {
        stopping = true;
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (!processes.isEmpty()) {
            System.out.println("Consort sandbox stopped.");
        }
    }

    private ObjectNode createCredentials() throws IOException {
        SecureRandom random = new SecureRandom();
        ObjectNode network = JSON.createObjectNode();
        Path creds = dir.resolve("credentials");
        Files.createDirectories(creds);
        ArrayNode memberList = network.putArray("members");
        for (int i = 0; i < members; i++) {
            ObjectNode m = writeIdentity(creds, "member" + i, random);
            // A recovery encryption key: each member's recovery share is encrypted to it.
            java.security.KeyPair enc = org.consort.crypto.RecoveryKeys.generate(random);
            Path pub = creds.resolve("member" + i + "_enc_pubk.pem");
            Path priv = creds.resolve("member" + i + "_enc_privk.pem");
            Files.writeString(pub, Pem.publicKey(enc.getPublic()));
            NodeFiles.writePrivate(priv, Pem.privateKey(enc.getPrivate()));
            m.put("encryptionKey", pub.toString());
            m.put("encryptionPrivateKey", priv.toString());
            memberList.add(m);
        }
        ArrayNode userList = network.putArray("users");
        for (int i = 0; i < users; i++) {
            ObjectNode user = writeIdentity(creds, "user" + i, random);
            SandboxEthereum.addKey(user, random);
            userList.add(user);
        }
        return network;
    }

    private static ObjectNode writeIdentity(Path creds, String name, SecureRandom random) throws IOException {
        KeyPair kp = EcCurve.P384.generateKeyPair(random);
        X509Certificate cert = Certificates.selfSigned(kp, name, Instant.now().minus(Duration.ofMinutes(5)),
                Duration.ofDays(365), random);
        Path certFile = creds.resolve(name + "_cert.pem");
        Path keyFile = creds.resolve(name + "_privk.pem");
        Files.writeString(certFile, Pem.certificate(cert));
        NodeFiles.writePrivate(keyFile, Pem.privateKey(kp.getPrivate()));
        ObjectNode o = JSON.createObjectNode();
        o.put("id", Certificates.keyId(cert));
        o.put("name", name);
        o.put("cert", certFile.toString());
        o.put("key", keyFile.toString());
        return o;
    }

    private Process startNode(String verb, Path configFile, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String opt : nodeJavaOptions.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                cmd.add(opt);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of("node", verb, "--config", configFile.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb.start();
    }

    private static JsonNode awaitStartup(Process p, Path nodeDir, Duration timeout) throws Exception {
        Path startup = nodeDir.resolve(NodeFiles.STARTUP);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(startup)) {
                return JSON.readTree(startup.toFile());
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("node exited with code " + p.exitValue() + " during start-up; last lines of "
                        + nodeDir.resolve("node.log") + ":\n" + tail(nodeDir.resolve("node.log"), 20));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("node did not start within " + timeout.toSeconds() + " s; see "
                + nodeDir.resolve("node.log"));
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ")";
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
