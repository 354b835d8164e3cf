package org.consort.evm.statetest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.consort.evm.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * Runs the official GeneralStateTests (Berlin to Cancun) through the state-test runner and fails
 * on any failed case in any folder it runs.
 *
 * <p>Every folder runs, the slow ones (stQuadraticComplexityTest, stMemoryStressTest) included:
 * they take about half a minute here. Per-fork and per-folder counts are printed.
 */
class GeneralStateReferenceTest {

    @Test
    void generalStateTests() throws IOException {
        Path root = Fixtures.root().resolve("GeneralStateTests");

        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p))
                    .sorted().toList();
        }

        Map<String, int[]> byFolder = new TreeMap<>();
        Map<String, int[]> byFork = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        StateTestRunner runner = new StateTestRunner(new StateTestRunner.Options(
                Optional.empty(), Optional.empty(), threads));
        StateTestRunner.Summary summary = runner.run(files, r -> {
            String folder = folder(root, Path.of(r.file()));
            int slot = r.pass() ? 0 : 1;
            byFolder.computeIfAbsent(folder, k -> new int[2])[slot]++;
            byFork.computeIfAbsent(r.fork(), k -> new int[2])[slot]++;
            if (!r.pass()) {
                failures.add(folder + " " + r.name() + " " + r.fork() + " " + r.index() + ": " + r.error());
            }
        });

        StringBuilder report = new StringBuilder("GeneralStateTests: ").append(summary.line()).append('\n');
        byFork.forEach((k, v) -> report.append(String.format("  fork %-10s %6d passed %5d failed%n", k, v[0], v[1])));
        byFolder.forEach((k, v) -> report.append(String.format("  %-50s %6d passed %5d failed%n", k, v[0], v[1])));
        System.out.print(report);
        failures.stream().limit(50).forEach(f -> System.out.println("FAIL " + f));

        assertThat(summary.passed).as("cases run").isGreaterThan(0);
        assertThat(summary.failed).as("failed cases (first: %s)", failures.stream().limit(5).toList()).isZero();
        assertThat(failures).as("failed cases").isEmpty();
    }

    private static String folder(Path root, Path file) {
        return root.relativize(Objects.requireNonNull(file.getParent())).toString().replace('\\', '/');
    }
}
