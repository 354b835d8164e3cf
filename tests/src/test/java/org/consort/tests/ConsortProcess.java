package org.consort.tests;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code consort.jar} as a separate process, as a user would through bin/consort. */
final class ConsortProcess implements AutoCloseable {
    static final Path JAR = Path.of(System.getProperty("consort.jar", "../cli/target/consort.jar")).toAbsolutePath();

    /** The result of a command that ran to completion. */
    record Result(int exitCode, String output) {
    }

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread pump;

    private ConsortProcess(Process process) {
        this.process = process;
        this.pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                output.append("(output closed: ").append(e.getMessage()).append(")\n");
            }
        }, "consort-output");
        pump.setDaemon(true);
        pump.start();
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts a long-running command (the sandbox). */
    static ConsortProcess start(String... args) throws IOException {
        return new ConsortProcess(new ProcessBuilder(command(args)).redirectErrorStream(true).start());
    }

    /** Runs a command to completion within {@code timeout}. */
    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        ConsortProcess p = start(args);
        if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.process.destroyForcibly();
            throw new IllegalStateException("consort " + String.join(" ", args) + " did not finish in " + timeout
                    + "; output:\n" + p.output);
        }
        p.pump.join(5000);
        return new Result(p.process.exitValue(), p.output.toString());
    }

    /** Waits until the output contains {@code text}. */
    void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output.toString().contains(text)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("process exited with " + process.exitValue() + " before printing '" + text
                        + "':\n" + output);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no '" + text + "' within " + timeout + ":\n" + output);
            }
            Thread.sleep(50);
        }
    }

    String output() {
        return output.toString();
    }

    long pid() {
        return process.pid();
    }

    /** Interrupts the process as Ctrl-C would (SIGTERM), and returns its exit code. */
    int stop(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("process did not stop within " + timeout + ":\n" + output);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
