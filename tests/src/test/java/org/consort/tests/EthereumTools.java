package org.consort.tests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The npm tools the Ethereum end-to-end test drives (ethers v6, solc-js, OpenZeppelin), installed
 * by the test itself into {@code target/ethereum-tools} (kept between runs: a second run installs
 * nothing), and the Node.js scripts it runs there. Needs {@code node} and {@code npm} on PATH.
 */
final class EthereumTools {
    static final Path DIR = Path.of("target", "ethereum-tools").toAbsolutePath();
    private static final List<String> RESOURCES = List.of("package.json", "compile.mjs", "ethers-flow.mjs",
            "ConsortToken.sol", "Registry.sol", "SmallBank.sol");

    /** The output of a finished script. */
    record Run(int exitCode, String output) {
    }

    private EthereumTools() {
    }

    /** Copies the scripts and contracts, installs the npm packages if they are not there yet. */
    static Path install() throws IOException, InterruptedException {
        Files.createDirectories(DIR.resolve("contracts"));
        boolean changed = false;
        for (String r : RESOURCES) {
            Path target = r.endsWith(".sol") ? DIR.resolve("contracts").resolve(r) : DIR.resolve(r);
            try (InputStream in = EthereumTools.class.getResourceAsStream("/ethereum/" + r)) {
                if (in == null) {
                    throw new IllegalStateException("test resource ethereum/" + r + " is missing");
                }
                byte[] bytes = in.readAllBytes();
                if (r.equals("package.json") && (!Files.exists(target) || !java.util.Arrays.equals(Files.readAllBytes(target), bytes))) {
                    changed = true;
                }
                Files.write(target, bytes);
            }
        }
        requireTool("node", "--version");
        requireTool("npm", "--version");
        boolean installed = Files.exists(DIR.resolve("node_modules/ethers/package.json"))
                && Files.exists(DIR.resolve("node_modules/solc/package.json"))
                && Files.exists(DIR.resolve("node_modules/@openzeppelin/contracts/package.json"));
        if (changed || !installed) {
            Run npm = run(Duration.ofMinutes(5), "npm", "install", "--no-audit", "--no-fund", "--loglevel=error");
            if (npm.exitCode() != 0) {
                throw new IllegalStateException("npm install of ethers, solc and @openzeppelin/contracts failed in " + DIR
                        + " (the npm registry must be reachable):\n" + npm.output());
            }
        }
        return DIR;
    }

    private static void requireTool(String... command) throws InterruptedException {
        try {
            Run r = run(Duration.ofSeconds(30), command);
            if (r.exitCode() != 0) {
                throw new IllegalStateException(command[0] + " --version failed: " + r.output());
            }
        } catch (IOException e) {
            throw new IllegalStateException("EthereumToolsIT needs Node.js (18 or newer) and npm on PATH: it installs "
                    + "ethers, solc and @openzeppelin/contracts from the npm registry into " + DIR + " and runs them; '"
                    + command[0] + "' was not found (" + e.getMessage() + ")");
        }
    }

    /** Compiles the contracts with solc-js into artifacts.json (made by the test, never committed). */
    static Path compile() throws IOException, InterruptedException {
        Path out = DIR.resolve("artifacts.json");
        Run r = run(Duration.ofMinutes(3), "node", "compile.mjs", DIR.resolve("contracts").toString(), out.toString());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("solc failed:\n" + r.output());
        }
        return out;
    }

    static Run node(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("node"));
        cmd.addAll(List.of(args));
        return run(timeout, cmd.toArray(String[]::new));
    }

    static Run run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("ethereum-tools", ".log");
        try {
            Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
