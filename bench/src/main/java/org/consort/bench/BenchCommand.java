package org.consort.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code consort bench logging|erc20|smallbank}: a load benchmark of a fresh sandbox (started
 * from the same jar, loaded, stopped) or of a running network ({@code --network}), closed loop
 * at a fixed concurrency or open loop at a fixed rate, with a progress line every second on
 * stderr and a summary (or one JSON object, {@code --json}) on stdout. The logging scenario is
 * {@link LoggingLoad}; the Ethereum ones are {@link TxLoad} with {@link Erc20Workload} and
 * {@link SmallBankWorkload}. The cli module lists this command; it lives here, beside the load
 * machinery it drives. See docs/cli.md and docs/performance.md.
 */
@Command(name = "bench", sortOptions = false,
        description = {"Load a Consort network and report what it committed.",
                "",
                "Scenarios: logging (100-byte private log writes), erc20 (OpenZeppelin ERC-20 transfers), smallbank "
                        + "(the SmallBank mix on a Solidity contract: BenchBase's weights Amalgamate 15, Balance 15, "
                        + "DepositChecking 15, SendPayment 25, TransactSavings 15, WriteCheck 15).",
                "By default it starts a fresh sandbox of --nodes nodes, loads it for --warmup then --seconds seconds, "
                        + "and stops it. Closed loop: --clients clients, each sending when answered. Open loop (--rate): "
                        + "R operations/s together, at fixed times, whatever the answers; latencies count from those times.",
                "Prints a progress line every second to stderr, then a summary (or with --json one JSON object) to stdout.",
                "erc20 and smallbank compile their contracts with solc-js from npm on first use (Node.js and npm on PATH), "
                        + "unless --artifacts names compiled ones."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run finished (errors and all: see the summary)",
                "1:the run failed: the sandbox did not start, no primary, nothing was acknowledged, or the check failed",
                "2:bad usage: unknown scenario or option, values out of range, node or npm missing to compile contracts"})
public final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SCENARIOS = List.of("logging", "erc20", "smallbank");
    static final int EXIT_DONE = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "logging, erc20 or smallbank.")
    String scenario;

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes of the sandbox it starts (default: 3).")
    Integer nodes;

    @Option(names = "--clients", paramLabel = "C",
            description = "Concurrent clients, one request in flight each (default: 64 for logging, 32 otherwise; "
                    + "an Ethereum client is a network user with its own key).")
    Integer clients;

    @Option(names = "--rate", paramLabel = "R", description = "Open loop: R operations/s together (default: closed loop).")
    Integer rate;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "30", description = "Timed phase (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "10", description = "Warm-up before it, not measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--batch", paramLabel = "B", description = "erc20: transfers per JSON-RPC request (default: 1).")
    Integer batch;

    @Option(names = "--network", paramLabel = "FILE",
            description = "Load a running network instead: its network.json (as a sandbox writes it). It is not stopped.")
    Path network;

    @Option(names = "--json", description = "Print one JSON object instead of the summary.")
    boolean json;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the JSON object to FILE.")
    Path out;

    @Option(names = "--node-java-options", paramLabel = "OPTIONS",
            description = "JVM options of each sandbox node (default: the sandbox's).")
    String nodeJavaOptions;

    @Option(names = "--accounts", paramLabel = "N", description = "smallbank: customers created in setup (default: 10000).")
    Integer accounts;

    @Option(names = "--mix", paramLabel = "WEIGHTS",
            description = "smallbank: Name=weight,... (default: " + SmallBankMix.DEFAULT_WEIGHTS + ").")
    String mix;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "smallbank: seed of the balances and the drawn transactions (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--artifacts", paramLabel = "FILE",
            description = "erc20, smallbank: compiled contracts (compile.mjs's artifacts.json) instead of compiling them.")
    Path artifacts;

    @Option(names = "--presign-rate", paramLabel = "R",
            description = "erc20, smallbank, closed loop: sign as many transactions before the run as R operations/s "
                    + "would use (default: 3000, or 6000 with --batch above 1); a client that runs out stops early, which the summary "
                    + "says.")
    Integer presignRate;

    @Option(names = "--jar", paramLabel = "FILE", hidden = true,
            description = "The consort.jar that starts sandboxes (default: the jar this runs from).")
    Path jar;

    /** The run failed (exit 1), with a message for the user. */
    static final class RunFailed extends Exception {
        RunFailed(String message) {
            super(message);
        }
    }

    /** Bad usage found after parsing (exit 2). */
    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintStream err = System.err;
        PrintStream stdout = System.out;
        try {
            String problem = problem(spec.commandLine().getParseResult());
            if (problem != null) {
                throw new UsageError(problem);
            }
            if (network != null) {
                requireReadable(network);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(BenchCommand::stopChildren, "bench-stop-children"));
            Map<String, Object> report = header();
            // Whatever the run prints (a library's log lines too) goes to stderr: stdout carries the report only.
            System.setOut(err);
            try {
                report.putAll(scenario.equals("logging") ? runLogging(err) : runEthereum(err));
            } finally {
                System.setOut(stdout);
            }
            String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report);
            if (out != null) {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(out, text + "\n");
            }
            stdout.println(json ? text : BenchReport.human(report));
            stdout.flush();
            if (BenchReport.checkFailed(report)) {
                err.println("consort bench: the check failed: " + ((Map<?, ?>) report.get("check")).get("what"));
                return EXIT_FAILED;
            }
            return EXIT_DONE;
        } catch (UsageError e) {
            err.println("consort bench: " + e.getMessage());
            return EXIT_USAGE;
        } catch (SolidityArtifacts.ToolsMissing e) {
            err.println("consort bench: " + e.getMessage());
            return EXIT_USAGE;
        } catch (RunFailed e) {
            err.println("consort bench: " + e.getMessage());
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println("consort bench: the run failed: " + e);
            return EXIT_FAILED;
        }
    }

    /** What is wrong with the options, or null; the checks that need no file or network. */
    String problem(CommandLine.ParseResult parsed) {
        if (!SCENARIOS.contains(scenario)) {
            return "unknown scenario '" + scenario + "' (" + String.join(", ", SCENARIOS) + ")";
        }
        boolean ethereum = !scenario.equals("logging");
        if (network != null && (nodes != null || nodeJavaOptions != null)) {
            return "--nodes and --node-java-options apply to the sandbox bench starts, not to a --network";
        }
        if (nodes != null && (nodes < 1 || nodes > 9)) {
            return "--nodes must be between 1 and 9";
        }
        if (clients != null && clients < 1) {
            return "--clients must be at least 1";
        }
        if (rate != null && rate < 1) {
            return "--rate must be at least 1 operation/s (leave it out for a closed loop)";
        }
        if (seconds < 1 || warmup < 0) {
            return "--seconds must be at least 1 and --warmup at least 0";
        }
        if (batch != null && !scenario.equals("erc20")) {
            return "--batch applies to erc20 only";
        }
        if (batch != null && (batch < 1 || batch > 100)) {
            return "--batch must be between 1 and 100 (a node takes at most 100 calls per JSON-RPC batch)";
        }
        if (!scenario.equals("smallbank") && (accounts != null || mix != null || parsed.hasMatchedOption("--seed"))) {
            return "--accounts, --mix and --seed apply to smallbank only";
        }
        if (!ethereum && (artifacts != null || presignRate != null)) {
            return "--artifacts and --presign-rate apply to erc20 and smallbank only";
        }
        if (accounts != null && accounts < 2) {
            return "--accounts must be at least 2";
        }
        if (presignRate != null && presignRate < 1) {
            return "--presign-rate must be at least 1";
        }
        if (rate != null && presignRate != null) {
            return "--presign-rate is for a closed loop; an open loop signs what --rate needs";
        }
        if (mix != null) {
            try {
                new SmallBankMix(SmallBankMix.parseWeights(mix), 2);
            } catch (IllegalArgumentException e) {
                return "--mix: " + e.getMessage();
            }
        }
        if (ethereum && (long) requestsPerClient() * effectiveClients() * operationsPerRequest() > 20_000_000L) {
            return "that many pre-signed transactions (" + (long) requestsPerClient() * effectiveClients() * operationsPerRequest()
                    + ") would not fit in memory: lower --seconds, --warmup, --rate or --presign-rate";
        }
        return null;
    }

    int effectiveNodes() {
        return nodes == null ? 3 : nodes;
    }

    int effectiveClients() {
        return clients != null ? clients : scenario.equals("logging") ? 64 : 32;
    }

    int operationsPerRequest() {
        return batch == null ? 1 : batch;
    }

    /** The requests each Ethereum client signs before the run: what the rate (or the presign rate) needs, and one more. */
    int requestsPerClient() {
        double perSecond = rate != null ? rate : presignRate != null ? presignRate : operationsPerRequest() > 1 ? 6000.0 : 3000.0;
        double requests = perSecond * (seconds + warmup) / ((double) effectiveClients() * operationsPerRequest());
        return (int) Math.min(Integer.MAX_VALUE - 1, Math.ceil(requests)) + 1;
    }

    /** The report's first fields: what ran, as it ran. */
    private Map<String, Object> header() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scenario", scenario);
        r.put("nodes", network == null ? Integer.valueOf(effectiveNodes()) : nodesOf(network));
        r.put("network", network == null ? "sandbox" : network.toString());
        r.put("loop", rate == null ? "closed" : "open");
        r.put("clients", effectiveClients());
        r.put("rate", rate);
        r.put("batch", operationsPerRequest());
        r.put("seconds", seconds);
        r.put("warmupSeconds", warmup);
        return r;
    }

    // ---- logging ------------------------------------------------------------------------------

    /**
     * Runs {@link LoggingLoad} in this JVM with its JSON report written to a temporary file; its
     * own stdout (a start line, then its report) is turned into stderr lines up to the report,
     * so that stdout carries only this command's summary or JSON.
     */
    private Map<String, Object> runLogging(PrintStream err) throws Exception {
        Path reportFile = Files.createTempFile("consort-bench-logging", ".json");
        try {
            List<String> args = new ArrayList<>(List.of("--clients", Integer.toString(effectiveClients()),
                    "--seconds", Integer.toString(seconds), "--warmup-seconds", Integer.toString(warmup),
                    "--json-out", reportFile.toString()));
            if (rate != null) {
                args.addAll(List.of("--rate", Integer.toString(rate)));
            }
            if (network != null) {
                requireReadable(network);
                args.addAll(List.of("--network", network.toString()));
            } else {
                args.addAll(List.of("--nodes", Integer.toString(effectiveNodes()), "--jar", sandboxJar().toString()));
                if (nodeJavaOptions != null) {
                    args.addAll(List.of("--node-java-options", nodeJavaOptions));
                }
            }
            Files.delete(reportFile);
            int code;
            PrintStream before = System.out;
            try (PrintStream captured = new PrintStream(new StartLinesToStderr(err), true, StandardCharsets.UTF_8)) {
                System.setOut(captured);
                code = LoggingLoad.run(args.toArray(String[]::new));
            } finally {
                System.setOut(before);
            }
            if (!Files.exists(reportFile)) {
                throw new RunFailed(code == LoggingLoad.EXIT_NOT_STARTED
                        ? "the logging load could not start (see above): no sandbox, or no primary"
                        : "the logging load ended without a report (exit " + code + ")");
            }
            Map<String, Object> logging = JSON.readValue(reportFile.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
            if (code == LoggingLoad.EXIT_NOTHING_MEASURED) {
                throw new RunFailed("no write was acknowledged in the timed phase; errors: " + logging.get("errors"));
            }
            return BenchReport.fromLogging(logging, network == null);
        } finally {
            Files.deleteIfExists(reportFile);
        }
    }

    /** Passes the lines written before a JSON report (one starting with "{") on to stderr; drops the rest. */
    static final class StartLinesToStderr extends OutputStream {
        private final PrintStream err;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean inReport;

        StartLinesToStderr(PrintStream err) {
            this.err = err;
        }

        @Override
        public synchronized void write(int b) {
            if (inReport) {
                return;
            }
            if (b != '\n') {
                line.write(b);
                return;
            }
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.startsWith("{")) {
                inReport = true;
            } else {
                err.println(text);
            }
        }
    }

    // ---- erc20, smallbank ---------------------------------------------------------------------

    private Map<String, Object> runEthereum(PrintStream err) throws Exception {
        JsonNode net = null;
        if (network != null) {
            requireReadable(network);
            net = JSON.readTree(network.toFile());
            int keyed = 0;
            for (JsonNode u : net.path("users")) {
                keyed += u.hasNonNull("ethereumPrivateKey") ? 1 : 0;
            }
            if (keyed < effectiveClients()) {
                throw new UsageError(network + " lists " + keyed + " users with an Ethereum key; --clients must be at most that");
            }
        }
        String contract = scenario.equals("erc20") ? "ConsortToken" : "SmallBank";
        JsonNode compiled;
        if (artifacts != null) {
            requireReadable(artifacts);
            try {
                compiled = SolidityArtifacts.read(artifacts, contract);
            } catch (IOException e) {
                throw new UsageError("--artifacts: " + e.getMessage());
            }
        } else {
            compiled = SolidityArtifacts.obtain(sandboxJar().toAbsolutePath().getParent().resolve("bench-ethereum"), err);
            if (!compiled.path(contract).has("bytecode")) {
                throw new RunFailed("the compiled contracts hold no " + contract);
            }
        }
        TxLoad.Workload workload = scenario.equals("erc20") ? new Erc20Workload(compiled, operationsPerRequest())
                : new SmallBankWorkload(compiled, new SmallBankMix(SmallBankMix.parseWeights(
                        mix == null ? SmallBankMix.DEFAULT_WEIGHTS : mix), accounts == null ? 10_000 : accounts), seed);
        TxLoad.Settings settings = new TxLoad.Settings(effectiveClients(), rate == null ? 0 : rate, seconds, warmup,
                requestsPerClient(), Duration.ofSeconds(10), Duration.ofSeconds(30));
        if (net != null) {
            return TxLoad.run(settings, net, workload, err);
        }
        err.printf("consort bench: starting a sandbox of %d node(s) with %d users...%n", effectiveNodes(), effectiveClients());
        SandboxProcess sandbox;
        try {
            sandbox = new SandboxProcess(sandboxJar(), effectiveNodes(), effectiveClients(), nodeJavaOptions);
        } catch (Exception e) {
            throw new RunFailed("the sandbox did not start: " + e.getMessage());
        }
        try (sandbox) {
            Map<String, Object> report = TxLoad.run(settings, sandbox.network(), workload, err);
            sandbox.stop();
            return report;
        }
    }

    /** The number of nodes a network.json lists, or null when it cannot be read. */
    private static Integer nodesOf(Path networkFile) {
        try {
            return JSON.readTree(networkFile.toFile()).path("nodes").size();
        } catch (IOException e) {
            return null;
        }
    }

    private static void requireReadable(Path file) throws UsageError {
        if (!Files.isReadable(file)) {
            throw new UsageError("no such file: " + file);
        }
    }

    /** The consort.jar that starts sandboxes: --jar, else the jar this class runs from if it is one, else the build's. */
    Path sandboxJar() {
        if (jar != null) {
            return jar.toAbsolutePath();
        }
        try {
            Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self)) {
                try (JarFile j = new JarFile(self.toFile())) {
                    Manifest m = j.getManifest();
                    if (m != null && "org.consort.cli.Main".equals(m.getMainAttributes().getValue("Main-Class"))) {
                        return self;
                    }
                }
            }
        } catch (Exception e) {
            // not from a jar: the build's
        }
        return Path.of("cli", "target", "consort.jar").toAbsolutePath();
    }

    /** On exit (Ctrl-C too), stops the processes this JVM started: a sandbox and its nodes must not outlive the run. */
    private static void stopChildren() {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
    }
}
