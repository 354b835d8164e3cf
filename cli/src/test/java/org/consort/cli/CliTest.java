package org.consort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's answers to bad input: a message and an exit code, never a stack trace. */
class CliTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("sandbox", "node", "ledger", "receipt");
        assertThat(run("--version").out()).startsWith("consort ");
    }

    @Test
    void unknownCommandsAndMissingOptionsAreUsageErrors() {
        Run unknown = run("frobnicate");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("frobnicate");
        Run missing = run("ledger", "verify", tmp.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--service-cert");
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        Path cert = tmp.resolve("nope.pem");
        Run r = run("receipt", "verify", tmp.resolve("receipt.json").toString(), "--service-cert", cert.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nope.pem").doesNotContain("Exception");
        Run node = run("node", "start", "--config", tmp.resolve("missing.json").toString());
        assertThat(node.code()).isEqualTo(2);
        assertThat(node.err()).contains("no such config file");
        Files.writeString(tmp.resolve("bad.json"), "{\"nodeDir\": \"x\", \"colour\": \"blue\"}");
        Run bad = run("node", "start", "--config", tmp.resolve("bad.json").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("colour");
    }

    @Test
    void benchIsACommandWithItsExitCodes() {
        assertThat(run("--help").out()).contains("bench");
        Run help = run("bench", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("logging", "erc20", "smallbank", "Exit codes:");
        Run bad = run("bench", "logging", "--nodes", "0");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--nodes must be between 1 and 9").doesNotContain("Exception");
    }

    @Test
    void sandboxRefusesNodeCountsOutOfRange() {
        for (String n : new String[] {"0", "10", "-1"}) {
            Run r = run("sandbox", "--nodes", n, "--dir", tmp.toString());
            assertThat(r.code()).as("--nodes %s", n).isEqualTo(2);
            assertThat(r.err()).contains("--nodes must be between 1 and 9");
        }
    }
}
