package org.consort.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CPU used by processes over a phase: user + system time of each process (what
 * {@code /proc/PID/stat} holds as utime + stime, read through {@link ProcessHandle.Info}) at the
 * start and the end, turned into cores used and CPU microseconds per operation. The report has
 * the shape of the comparison scripts' {@code cpu.json}: {@code processes} (name, role, pid,
 * cpuSeconds, cores, usPerOp), and the totals of the {@code server} and {@code load} roles.
 */
final class ProcessCpu {
    /** A process to measure; role is {@code server}, {@code load} or anything else (listed, in no total). */
    record Proc(String name, String role, long pid, String command) {
        /** This JVM, as the load generator. */
        static Proc self(String name) {
            ProcessHandle me = ProcessHandle.current();
            return new Proc(name, "load", me.pid(), me.info().commandLine().map(ProcessCpu::shorten).orElse(""));
        }

        static Proc of(String name, String role, ProcessHandle p) {
            return new Proc(name, role, p.pid(), p.info().commandLine().map(ProcessCpu::shorten).orElse(""));
        }
    }

    /** The CPU time of each process at one instant; a process that is gone has none. */
    record Sample(long atNanos, List<Proc> procs, Map<Long, Duration> cpu) {
    }

    private ProcessCpu() {
    }

    static Sample sample(List<Proc> procs) {
        Map<Long, Duration> cpu = new LinkedHashMap<>();
        for (Proc p : procs) {
            cpuOf(p.pid()).ifPresent(d -> cpu.put(p.pid(), d));
        }
        return new Sample(System.nanoTime(), List.copyOf(procs), cpu);
    }

    /** The CPU time a process used so far, if it still runs and the system tells. */
    static Optional<Duration> cpuOf(long pid) {
        ProcessHandle p = pid == ProcessHandle.current().pid() ? ProcessHandle.current() : ProcessHandle.of(pid).orElse(null);
        return p == null ? Optional.empty() : p.info().totalCpuDuration();
    }

    /**
     * The report of two samples of the same processes: per process the CPU seconds between them,
     * cores (CPU seconds / wall seconds) and, when {@code opsPerSecond} is positive, CPU
     * microseconds per operation (cores / opsPerSecond). A process missing from either sample is
     * listed with {@code "gone": true} and no figures.
     */
    static Map<String, Object> report(Sample start, Sample end, double opsPerSecond) {
        double window = (end.atNanos() - start.atNanos()) / 1e9;
        List<Map<String, Object>> processes = new ArrayList<>();
        double server = 0;
        double load = 0;
        for (Proc p : start.procs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("role", p.role());
            m.put("pid", p.pid());
            Duration a = start.cpu().get(p.pid());
            Duration b = end.cpu().get(p.pid());
            if (a == null || b == null || window <= 0) {
                m.put("gone", true);
            } else {
                double cpu = (b.toNanos() - a.toNanos()) / 1e9;
                double cores = cpu / window;
                Double usPerOp = opsPerSecond > 0 ? round2(cores / opsPerSecond * 1e6) : null;
                m.put("cpuSeconds", round2(cpu));
                m.put("cores", round2(cores));
                m.put("usPerOp", usPerOp);
                if (usPerOp != null && p.role().equals("server")) {
                    server += usPerOp;
                } else if (usPerOp != null && p.role().equals("load")) {
                    load += usPerOp;
                }
            }
            m.put("command", p.command());
            processes.add(m);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("windowSeconds", round2(window));
        r.put("opsPerSecond", opsPerSecond);
        r.put("processes", processes);
        r.put("serverUsPerOp", round2(server));
        r.put("loadGeneratorUsPerOp", round2(load));
        return r;
    }

    private static double round2(double x) {
        return Math.round(x * 100) / 100.0;
    }

    private static String shorten(String commandLine) {
        return commandLine.length() <= 200 ? commandLine : commandLine.substring(0, 200) + "...";
    }
}
