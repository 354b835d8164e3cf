package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code consort bench} as a user runs it: a process of the built consort.jar that starts a real
 * sandbox, loads it, stops it and reports. stdout must hold nothing but the report (one JSON
 * object with --json); the progress lines go to stderr.
 */
class BenchCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A finished bench process: exit code, stdout, stderr. */
    private record Bench(int exitCode, String out, String err) {
    }

    private Bench bench(Duration timeout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(ConsortProcess.command("bench"));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("consort bench did not finish in " + timeout + ":\n" + Files.readString(err));
        }
        return new Bench(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void loggingOnOneNodeReportsItsCommittedWritesAsOneJsonObject() throws Exception {
        Path report = tmp.resolve("report.json");
        long started = System.nanoTime();
        Bench b = bench(Duration.ofSeconds(150), "logging", "--nodes", "1", "--seconds", "3", "--warmup", "0", "--json",
                "--out", report.toString());
        System.out.printf("consort bench logging --nodes 1 --seconds 3 took %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(b.exitCode()).as(b.err()).isZero();
        JsonNode r = JSON.readTree(b.out());
        assertThat(r.isObject()).as(b.out()).isTrue();
        assertThat(JSON.readTree(report.toFile())).isEqualTo(r);
        assertThat(r.path("scenario").asText()).isEqualTo("logging");
        assertThat(r.path("nodes").asInt()).isEqualTo(1);
        assertThat(r.path("loop").asText()).isEqualTo("closed");
        assertThat(r.path("committed").asLong()).as(b.out()).isPositive();
        assertThat(r.path("committedPerSecond").asLong()).isPositive();
        assertThat(r.path("errorsTotal").asLong()).as(b.out()).isZero();
        assertThat(r.path("errors").size()).isZero();
        assertThat(r.at("/acknowledged/invalid").asLong()).isZero();
        assertThat(r.at("/acknowledged/unknown").asLong()).isZero();
        assertThat(r.at("/check/ok").asBoolean()).as(r.path("check").toString()).isTrue();
        assertThat(r.path("commitMsP99").asDouble()).isPositive();
        assertThat(b.err()).contains("[   1 s]", "acked writes/s", "commit lag");
    }

    /**
     * The Ethereum scenarios compile their contracts with solc-js from npm on first use, which
     * needs Node.js, npm and the registry; run with {@code ./mvnw -B verify -pl tests -Psoak}.
     */
    @Test
    @Tag("soak")
    void smallBankAndErc20OnOneNodeCheckTheirState() throws Exception {
        Bench sb = bench(Duration.ofMinutes(8), "smallbank", "--nodes", "1", "--seconds", "3", "--warmup", "1",
                "--clients", "4", "--accounts", "200", "--json");
        assertThat(sb.exitCode()).as(sb.err()).isZero();
        JsonNode r = JSON.readTree(sb.out());
        assertThat(r.path("committed").asLong()).as(sb.out()).isPositive();
        assertThat(r.at("/check/ok").asBoolean()).as(r.path("check").toString()).isTrue();
        assertThat(r.at("/check/accounts").asLong()).isEqualTo(200);
        assertThat(r.at("/details/byType").size()).isEqualTo(6);

        Bench erc20 = bench(Duration.ofMinutes(3), "erc20", "--nodes", "1", "--seconds", "3", "--warmup", "0",
                "--clients", "4", "--batch", "5", "--rate", "200", "--json");
        assertThat(erc20.exitCode()).as(erc20.err()).isZero();
        JsonNode e = JSON.readTree(erc20.out());
        assertThat(e.path("loop").asText()).isEqualTo("open");
        assertThat(e.path("committed").asLong()).as(erc20.out()).isPositive();
        assertThat(e.path("errorsTotal").asLong()).as(erc20.out()).isZero();
        assertThat(e.at("/check/ok").asBoolean()).as(e.path("check").toString()).isTrue();
    }
}
