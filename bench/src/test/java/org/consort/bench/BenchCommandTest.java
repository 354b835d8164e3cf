package org.consort.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** consort bench's options: defaults, what it refuses (exit 2, a message, no run), and its small parts. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    /** Parses the arguments; returns the command and what is wrong with them (null: nothing). */
    private static BenchCommand parse(String... args) {
        BenchCommand c = new BenchCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    private static String problem(String... args) {
        BenchCommand c = new BenchCommand();
        CommandLine.ParseResult parsed = new CommandLine(c).parseArgs(args);
        return c.problem(parsed);
    }

    private record Run(int code, String out, String err) {
    }

    private static Run execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            CommandLine cl = new CommandLine(new BenchCommand());
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(), err + errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void defaults() {
        BenchCommand logging = parse("logging");
        assertThat(problem("logging")).isNull();
        assertThat(logging.effectiveNodes()).isEqualTo(3);
        assertThat(logging.effectiveClients()).isEqualTo(64);
        assertThat(logging.seconds).isEqualTo(30);
        assertThat(logging.warmup).isEqualTo(10);
        assertThat(logging.rate).isNull();
        BenchCommand erc20 = parse("erc20", "--batch", "20", "--nodes", "1");
        assertThat(erc20.effectiveClients()).isEqualTo(32);
        assertThat(erc20.operationsPerRequest()).isEqualTo(20);
        assertThat(erc20.effectiveNodes()).isEqualTo(1);
        assertThat(problem("smallbank", "--accounts", "1000", "--mix", "Balance=50,WriteCheck=50", "--seed", "9")).isNull();
    }

    @Test
    void preSignsWhatTheRateNeeds() {
        // Open loop: 1,000 operations/s for 40 s over 32 clients is 1,250 requests each, and one more.
        assertThat(parse("erc20", "--rate", "1000", "--seconds", "30", "--warmup", "10").requestsPerClient()).isEqualTo(1251);
        // Batches of 20: a twentieth of the requests.
        assertThat(parse("erc20", "--rate", "1000", "--batch", "20", "--seconds", "30", "--warmup", "10").requestsPerClient())
                .isEqualTo(64);
        // Closed loop: as if at --presign-rate (3,000/s by default, 6,000/s with batches).
        assertThat(parse("smallbank", "--clients", "10", "--seconds", "9", "--warmup", "1").requestsPerClient()).isEqualTo(3001);
        assertThat(parse("smallbank", "--clients", "10", "--seconds", "9", "--warmup", "1", "--presign-rate", "100")
                .requestsPerClient()).isEqualTo(101);
        // 6,000/s for 40 s over 32 clients in batches of 20: 375 requests each, and one more.
        assertThat(parse("erc20", "--batch", "20", "--seconds", "30", "--warmup", "10").requestsPerClient()).isEqualTo(376);
    }

    @Test
    void refusesWhatMakesNoSense() {
        assertThat(problem("etcd")).contains("unknown scenario 'etcd'");
        assertThat(problem("logging", "--nodes", "0")).contains("--nodes must be between 1 and 9");
        assertThat(problem("logging", "--nodes", "10")).contains("--nodes must be between 1 and 9");
        assertThat(problem("logging", "--clients", "0")).contains("--clients");
        assertThat(problem("logging", "--rate", "0")).contains("--rate");
        assertThat(problem("logging", "--seconds", "0")).contains("--seconds");
        assertThat(problem("logging", "--warmup", "-1")).contains("--warmup");
        assertThat(problem("logging", "--batch", "5")).contains("--batch applies to erc20 only");
        assertThat(problem("smallbank", "--batch", "5")).contains("--batch applies to erc20 only");
        assertThat(problem("erc20", "--batch", "101")).contains("between 1 and 100");
        assertThat(problem("erc20", "--accounts", "10")).contains("smallbank only");
        assertThat(problem("logging", "--seed", "3")).contains("smallbank only");
        assertThat(problem("logging", "--artifacts", "a.json")).contains("erc20 and smallbank only");
        assertThat(problem("smallbank", "--accounts", "1")).contains("--accounts must be at least 2");
        assertThat(problem("smallbank", "--mix", "Balance=1,Teller=2")).contains("--mix").contains("Teller");
        assertThat(problem("erc20", "--rate", "100", "--presign-rate", "100")).contains("closed loop");
        assertThat(problem("logging", "--network", "n.json", "--nodes", "3")).contains("not to a --network");
        assertThat(problem("logging", "--network", "n.json", "--node-java-options", "-Xmx1g")).contains("not to a --network");
        assertThat(problem("erc20", "--rate", "1000000", "--seconds", "100")).contains("would not fit in memory");
    }

    @Test
    void badUsageExitsWith2AndSaysWhy() {
        Run unknown = execute("etcd");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown scenario 'etcd'").doesNotContain("Exception");
        Run option = execute("logging", "--frobnicate");
        assertThat(option.code()).isEqualTo(2);
        assertThat(option.err()).contains("--frobnicate");
        Run noNumber = execute("logging", "--rate", "fast");
        assertThat(noNumber.code()).isEqualTo(2);
        Run missingNetwork = execute("logging", "--network", tmp.resolve("none.json").toString(), "--seconds", "1");
        assertThat(missingNetwork.code()).as(missingNetwork.err()).isEqualTo(2);
        assertThat(missingNetwork.err()).contains("no such file").contains("none.json");
        Run missingArtifacts = execute("smallbank", "--artifacts", tmp.resolve("a.json").toString());
        assertThat(missingArtifacts.code()).isEqualTo(2);
        assertThat(missingArtifacts.err()).contains("no such file");
    }

    @Test
    void artifactsWithoutTheContractAreBadUsage() throws Exception {
        Path a = tmp.resolve("artifacts.json");
        Files.writeString(a, "{\"Registry\": {\"abi\": [], \"bytecode\": \"0x00\"}}");
        Run r = execute("erc20", "--artifacts", a.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no compiled ConsortToken");
    }

    @Test
    void helpNamesTheScenariosAndExitCodes() {
        Run help = execute("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("logging", "erc20", "smallbank", "--rate", "--clients", "--json", "--network",
                "Exit codes:", "bad usage");
    }

    @Test
    void openLoopScheduleSpreadsClientsAndKeepsTheRate() {
        int clients = 7;
        int rate = 350;
        double interval = TxLoad.intervalNanos(clients, rate, 1);
        assertThat(interval).isEqualTo(20_000_000.0);
        // In 10 s, 3,500 requests are due, client c's shifted by c/7 of an interval.
        long due = 0;
        for (int c = 0; c < clients; c++) {
            for (long i = 0; TxLoad.dueNanos(0, c, clients, interval, i) < 10_000_000_000L; i++) {
                due++;
            }
        }
        assertThat(due).isEqualTo(3500);
        assertThat(TxLoad.dueNanos(100, 1, clients, interval, 0)).isEqualTo(100 + Math.round(interval / clients));
        assertThat(TxLoad.intervalNanos(10, 1000, 20)).isEqualTo(200_000_000.0);
    }

    @Test
    void loggingLoadsStartLineGoesToStderrAndItsReportNowhere() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new BenchCommand.StartLinesToStderr(e), true, StandardCharsets.UTF_8);
        out.println("logging load: 64 clients");
        out.println("{");
        out.println("  \"writes\" : 3");
        out.println("}");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("logging load: 64 clients" + System.lineSeparator());
    }

    @Test
    void theSummaryShowsTheFiguresAndTheCheck() throws Exception {
        Map<String, Object> logging = new ObjectMapper().readValue("""
                {"writes": 1200, "executedWritesPerSecond": 400, "committedWrites": 1190, "committedWritesPerSecond": 396,
                 "latencyMsP50": 7.5, "latencyMsP99": 40.25, "commitLatencyMsP50": 90.0, "commitLatencyMsP99": 300.0,
                 "errorsTotal": 2, "errors": {"http503:Busy": 2}, "pendingAcknowledged": 10, "invalidAcknowledged": 0,
                 "unknownAcknowledged": 0, "unverifiedAcknowledged": 0, "ledgerVerifyExitCode": 0, "ledgerVerifyOutput": "OK"}
                """, LinkedHashMap.class);
        Map<String, Object> r = new LinkedHashMap<>(Map.of("scenario", "logging", "nodes", 3, "network", "sandbox",
                "clients", 64, "batch", 1, "seconds", 3, "warmupSeconds", 0));
        r.put("rate", null);
        r.putAll(BenchReport.fromLogging(logging, true));
        String text = BenchReport.human(r);
        assertThat(text).contains("3 nodes (a fresh sandbox), closed loop, 64 clients", "1,190 writes, 396/s", "p50 7.5 ms",
                "p99 300.0 ms", "2 (http503:Busy 2)", "1,190 committed, 10 pending, 0 invalid, 0 unknown", "check         ok");
        assertThat(BenchReport.checkFailed(r)).isFalse();
        logging.put("ledgerVerifyExitCode", 1);
        r.putAll(BenchReport.fromLogging(logging, true));
        assertThat(BenchReport.checkFailed(r)).isTrue();
        assertThat(BenchReport.human(r)).contains("FAILED");
        r.putAll(BenchReport.fromLogging(logging, false));
        assertThat(BenchReport.checkFailed(r)).isFalse();
        assertThat(BenchReport.human(r)).contains("not made");
    }

    @Test
    void theContractsAndTheirPackageVersionsComeWithTheBuild() throws Exception {
        byte[] full = Files.readAllBytes(Path.of("../tests/src/test/resources/ethereum/package.json"));
        String reduced = new String(SolidityArtifacts.packageJson(full), StandardCharsets.UTF_8);
        var deps = new ObjectMapper().readTree(full).path("dependencies");
        assertThat(reduced).contains("\"solc\" : \"" + deps.path("solc").asText() + "\"")
                .contains("\"@openzeppelin/contracts\" : \"" + deps.path("@openzeppelin/contracts").asText() + "\"")
                .doesNotContain("ethers");
        for (String r : new String[] {"compile.mjs", "ConsortToken.sol", "SmallBank.sol", "package.json"}) {
            assertThat(BenchCommandTest.class.getResource("/org/consort/bench/ethereum/" + r)).as(r).isNotNull();
        }
    }

    @Test
    void jsonRpcErrorsAreCountedByMessageWithoutTheirNumbers() throws Exception {
        var a = new ObjectMapper().readTree("{\"error\": {\"code\": -32000, \"message\": \"nonce too high: 12 > 10\"}}");
        assertThat(TxLoad.rpcKind(a)).isEqualTo("rpc:nonce too high: # > #");
    }
}
