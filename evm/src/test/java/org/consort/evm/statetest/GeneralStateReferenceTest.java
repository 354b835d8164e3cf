package org.consort.evm.statetest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.consort.evm.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * Runs the official GeneralStateTests (Berlin to Cancun) through the state-test runner.
 *
 * <p>Every folder runs; the test fails when a case fails in a folder listed in
 * {@code passing-folders.txt}. The slow folders (stQuadraticComplexityTest, stMemoryStressTest,
 * VMTests/vmPerformance) run only with {@code -Pslow}
 * (system property {@code consort.slowStateTests=true}). Per-fork and per-folder counts are
 * printed.
 */
class GeneralStateReferenceTest {
    /**
     * Folders left to {@code -Pslow}: together they execute hundreds of billions of gas
     * (vmPerformance alone about 40 billion) and would take most of the build's time budget.
     */
    private static final Set<String> SLOW = Set.of("stQuadraticComplexityTest", "stMemoryStressTest",
            "VMTests/vmPerformance");

    @Test
    void generalStateTests() throws IOException {
        Path root = Fixtures.root().resolve("GeneralStateTests");
        boolean slow = Boolean.getBoolean("consort.slowStateTests");
        Set<String> passing = passingFolders();

        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p))
                    .filter(p -> slow || !isSlow(folder(root, p)))
                    .sorted().toList();
        }
        Set<String> present = new LinkedHashSet<>();
        for (Path f : files) {
            present.add(folder(root, f));
        }
        for (String p : passing) {
            if (!isSlow(p) || slow) {
                assertThat(present).as("folder listed in passing-folders.txt exists").contains(p);
            }
        }

        Map<String, int[]> byFolder = new TreeMap<>();
        Map<String, int[]> byFork = new TreeMap<>();
        List<String> failuresInPassing = new ArrayList<>();
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        StateTestRunner runner = new StateTestRunner(new StateTestRunner.Options(
                java.util.Optional.empty(), java.util.Optional.empty(), threads));
        StateTestRunner.Summary summary = runner.run(files, r -> {
            String folder = folder(root, Path.of(r.file()));
            int slot = r.pass() ? 0 : 1;
            byFolder.computeIfAbsent(folder, k -> new int[2])[slot]++;
            byFork.computeIfAbsent(r.fork(), k -> new int[2])[slot]++;
            if (!r.pass() && passing.contains(folder)) {
                failuresInPassing.add(r.name() + " " + r.fork() + " " + r.index() + ": " + r.error());
            }
        });

        StringBuilder report = new StringBuilder("GeneralStateTests: ").append(summary.line()).append('\n');
        byFork.forEach((k, v) -> report.append(String.format("  fork %-10s %6d passed %5d failed%n", k, v[0], v[1])));
        byFolder.forEach((k, v) -> report.append(String.format("  %-50s %6d passed %5d failed%s%n", k, v[0], v[1],
                passing.contains(k) ? "" : "  (not in passing-folders.txt)")));
        System.out.print(report);
        failuresInPassing.stream().limit(50).forEach(f -> System.out.println("FAIL " + f));

        assertThat(summary.passed).as("cases run").isGreaterThan(0);
        assertThat(failuresInPassing).as("failures in passing folders").isEmpty();
    }

    private static String folder(Path root, Path file) {
        return root.relativize(Objects.requireNonNull(file.getParent())).toString().replace('\\', '/');
    }

    private static boolean isSlow(String folder) {
        for (String s : SLOW) {
            if (folder.equals(s) || folder.startsWith(s + "/")) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> passingFolders() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                GeneralStateReferenceTest.class.getResourceAsStream("/passing-folders.txt")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    out.add(l);
                }
            }
        }
        return out;
    }
}
