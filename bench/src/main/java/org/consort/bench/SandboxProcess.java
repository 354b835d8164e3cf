package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A sandbox ({@code consort.jar sandbox}) in a temporary folder, started from the built jar and
 * awaited until it prints "Try: curl"; {@link #stop} stops the sandbox and makes sure its node
 * processes are gone; closing it also deletes the folder.
 */
final class SandboxProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path dir;
    private final JsonNode network;

    /**
     * @param nodeJavaOptions JVM options of each node process, or null for the sandbox's default
     */
    SandboxProcess(Path jar, int nodes, int users, String nodeJavaOptions) throws Exception {
        dir = Files.createTempDirectory("consort-bench-sandbox");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toAbsolutePath().toString(), "sandbox",
                "--dir", dir.toString(), "--nodes", Integer.toString(nodes), "--users", Integer.toString(users)));
        if (nodeJavaOptions != null) {
            cmd.add("--node-java-options");
            cmd.add(nodeJavaOptions);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            awaitLine(process, "Try: curl");
            network = JSON.readTree(dir.resolve("network.json").toFile());
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** The sandbox's {@code network.json}: nodes (url, pid), serviceCert, users (cert, key, Ethereum key). */
    JsonNode network() {
        return network;
    }

    /** The sandbox launcher (the process that started the nodes). */
    ProcessHandle process() {
        return process.toHandle();
    }

    /** The process ids of the node processes. */
    List<Long> nodePids() {
        List<Long> pids = new ArrayList<>();
        network.get("nodes").forEach(n -> pids.add(n.path("pid").asLong()));
        return pids;
    }

    /**
     * Stops the sandbox and its node processes, keeping the folder (e.g. to verify a ledger);
     * may be called more than once.
     */
    void stop() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        // The sandbox stops its nodes on SIGTERM; make sure none is left to compete for the cores.
        if (network != null) {
            for (long pid : nodePids()) {
                Optional<ProcessHandle> node = ProcessHandle.of(pid);
                if (node.isPresent() && node.get().isAlive()) {
                    node.get().destroy();
                    try {
                        node.get().onExit().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        node.get().destroyForcibly();
                    }
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        deleteTree(dir);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Reads the process's output until a line contains {@code text}, then drains the rest in the background. */
    static void awaitLine(Process p, String text) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        String line;
        StringBuilder all = new StringBuilder();
        while ((line = r.readLine()) != null) {
            all.append(line).append('\n');
            if (line.contains(text)) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe empty
                        }
                    } catch (Exception ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return;
            }
        }
        throw new IllegalStateException("sandbox ended before '" + text + "':\n" + all);
    }
}
