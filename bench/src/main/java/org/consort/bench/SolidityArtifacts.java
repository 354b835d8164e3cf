package org.consort.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.consort.common.Hex;

/**
 * The compiled contracts that the Ethereum scenarios of {@code consort bench} deploy, as
 * {@code artifacts.json} ({@code {Name: {abi, bytecode}}}): compiled from the sources packaged in
 * this module (the very files EthereumToolsIT compiles: {@code compile.mjs}, ConsortToken.sol,
 * SmallBank.sol, and the solc and OpenZeppelin versions of its {@code package.json}) with solc-js,
 * installed from npm into a folder of the build output on first use. The folder keeps a digest of
 * the sources it was compiled from, so a second run compiles nothing and a changed contract is
 * compiled again. Needs {@code node} and {@code npm} on PATH to compile.
 */
final class SolidityArtifacts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "/org/consort/bench/ethereum/";
    private static final List<String> CONTRACTS = List.of("ConsortToken.sol", "SmallBank.sol");
    /** The packages compile.mjs needs; the test's package.json lists more (ethers, ws). */
    private static final List<String> PACKAGES = List.of("solc", "@openzeppelin/contracts");

    /** node or npm is not on PATH: the user must install them (or pass --artifacts). */
    static final class ToolsMissing extends Exception {
        ToolsMissing(String message) {
            super(message);
        }
    }

    private SolidityArtifacts() {
    }

    /** Reads an artifacts.json and checks that it holds {@code contract}. */
    static JsonNode read(Path file, String contract) throws IOException {
        JsonNode artifacts = JSON.readTree(file.toFile());
        if (!artifacts.path(contract).path("bytecode").asText("").startsWith("0x")) {
            throw new IOException(file + " holds no compiled " + contract + " (compile.mjs writes {Name: {abi, bytecode}})");
        }
        return artifacts;
    }

    /**
     * The artifacts compiled into {@code dir}, compiling them first when {@code dir} has none or
     * they were compiled from other sources.
     *
     * @throws ToolsMissing when node or npm is needed and missing
     * @throws IOException  when npm install or the compiler failed (its output in the message)
     */
    static JsonNode obtain(Path dir, PrintStream log) throws IOException, InterruptedException, ToolsMissing {
        Map<String, byte[]> sources = new LinkedHashMap<>();
        sources.put("package.json", packageJson(resource("package.json")));
        sources.put("compile.mjs", resource("compile.mjs"));
        for (String c : CONTRACTS) {
            sources.put("contracts/" + c, resource(c));
        }
        String digest = digest(sources);
        Path artifacts = dir.resolve("artifacts.json");
        Path stamp = dir.resolve("sources.sha256");
        if (Files.exists(artifacts) && Files.exists(stamp) && Files.readString(stamp).trim().equals(digest)) {
            return JSON.readTree(artifacts.toFile());
        }
        requireTool("node");
        requireTool("npm");
        Files.createDirectories(dir.resolve("contracts"));
        Path pkg = dir.resolve("package.json");
        boolean packagesChanged = !Files.exists(pkg) || !java.util.Arrays.equals(Files.readAllBytes(pkg), sources.get("package.json"));
        for (var e : sources.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        boolean installed = PACKAGES.stream().allMatch(p -> Files.exists(dir.resolve("node_modules").resolve(p).resolve("package.json")));
        if (packagesChanged || !installed) {
            log.println("consort bench: installing solc and @openzeppelin/contracts from npm into " + dir);
            String out = run(dir, Duration.ofMinutes(5), "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
            if (out != null) {
                throw new IOException("npm install failed in " + dir + " (the npm registry must be reachable):\n" + out);
            }
        }
        log.println("consort bench: compiling the benchmark contracts with solc-js into " + artifacts);
        Files.deleteIfExists(stamp);
        String out = run(dir, Duration.ofMinutes(3), "node", "compile.mjs", dir.resolve("contracts").toString(), artifacts.toString());
        if (out != null) {
            throw new IOException("solc-js failed in " + dir + ":\n" + out);
        }
        Files.writeString(stamp, digest + "\n");
        return JSON.readTree(artifacts.toFile());
    }

    /** The test's package.json reduced to the packages compile.mjs needs, at the same versions. */
    static byte[] packageJson(byte[] full) throws IOException {
        JsonNode all = JSON.readTree(full).path("dependencies");
        ObjectNode pkg = JSON.createObjectNode();
        pkg.put("name", "consort-bench-contracts");
        pkg.put("private", true);
        pkg.put("description", "solc-js and OpenZeppelin for the contracts of consort bench; installed by it");
        ObjectNode deps = pkg.putObject("dependencies");
        for (String p : PACKAGES) {
            if (!all.hasNonNull(p)) {
                throw new IOException("the packaged package.json names no version of " + p);
            }
            deps.put(p, all.get(p).asText());
        }
        return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(pkg) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SolidityArtifacts.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("resource " + RESOURCES + name + " is missing from the build");
            }
            return in.readAllBytes();
        }
    }

    private static String digest(Map<String, byte[]> files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (var e : files.entrySet()) {
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
                d.update(e.getValue());
                d.update((byte) 0);
            }
            return Hex.encode(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void requireTool(String tool) throws ToolsMissing, InterruptedException {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new ToolsMissing(tool + " --version failed");
            }
        } catch (IOException e) {
            throw new ToolsMissing("the Ethereum scenarios compile their contracts with solc-js, which needs Node.js (18 or "
                    + "newer) and npm on PATH; '" + tool + "' was not found. Install them, or pass --artifacts FILE (an "
                    + "artifacts.json that holds ConsortToken and SmallBank, e.g. the one EthereumToolsIT writes)");
        }
    }

    /** Runs a command in {@code dir}; returns null when it succeeded, else its output. */
    private static String run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("consort-bench-npm", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return String.join(" ", command) + " did not finish within " + timeout + ":\n" + Files.readString(log);
            }
            return p.exitValue() == 0 ? null : Files.readString(log);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
