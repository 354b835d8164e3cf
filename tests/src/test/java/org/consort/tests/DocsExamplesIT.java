package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples in the docs are run as they stand, against a sandbox started from the built
 * artifact: a doc that drifts from the product fails the build.
 */
class DocsExamplesIT {
    private static final Path ROOT = ConsortProcess.JAR.getParent().getParent().getParent();

    @TempDir
    Path tmp;

    @Test
    void readmeSandboxUsageRuns() throws Exception {
        String script = example(ROOT.resolve("README.md"), "sandbox-usage");
        assertThat(script).startsWith("S=workspace/sandbox\n");
        Path dir = tmp.resolve("sandbox");
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString())) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(120));
            String output = bash(script.replaceFirst("S=workspace/sandbox", "S=" + dir));
            java.util.regex.Matcher written = java.util.regex.Pattern.compile("written as (1\\.\\d+)").matcher(output);
            assertThat(written.find()).as(output).isTrue();
            String tx = written.group(1);
            assertThat(output).contains("{\"msg\":\"hello\"}")
                    .contains("{\"transactionId\":\"" + tx + "\",\"status\":\"Committed\"}")
                    .contains("receipt OK (json): transaction " + tx);
            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }
    }

    /** The fenced block that follows {@code <!-- example: NAME -->}. */
    static String example(Path doc, String name) throws Exception {
        String text = Files.readString(doc);
        int marker = text.indexOf("<!-- example: " + name + " -->");
        assertThat(marker).as("example %s in %s", name, doc).isNotNegative();
        int start = text.indexOf('\n', text.indexOf("```", marker)) + 1;
        int end = text.indexOf("```", start);
        return text.substring(start, end);
    }

    private String bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(ROOT.toFile())
                .redirectErrorStream(true).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("example did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
