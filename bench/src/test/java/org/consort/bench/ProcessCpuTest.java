package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {
    @Test
    void reportsCoresAndMicrosecondsPerOperationByRole() {
        List<ProcessCpu.Proc> procs = List.of(new ProcessCpu.Proc("node0", "server", 11, ""),
                new ProcessCpu.Proc("node1", "server", 12, ""), new ProcessCpu.Proc("load", "load", 13, ""),
                new ProcessCpu.Proc("launcher", "launcher", 14, ""), new ProcessCpu.Proc("gone", "server", 15, ""));
        ProcessCpu.Sample a = new ProcessCpu.Sample(0, procs, Map.of(11L, Duration.ofSeconds(1), 12L, Duration.ZERO,
                13L, Duration.ZERO, 14L, Duration.ZERO, 15L, Duration.ZERO));
        ProcessCpu.Sample b = new ProcessCpu.Sample(10_000_000_000L, procs, Map.of(11L, Duration.ofSeconds(9),
                12L, Duration.ofSeconds(3), 13L, Duration.ofSeconds(2), 14L, Duration.ofMillis(100)));
        Map<String, Object> r = ProcessCpu.report(a, b, 1000);
        assertEquals(10.0, r.get("windowSeconds"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> p = (List<Map<String, Object>>) r.get("processes");
        assertEquals(0.8, p.get(0).get("cores"));
        assertEquals(800.0, p.get(0).get("usPerOp"));
        assertEquals(300.0, p.get(1).get("usPerOp"));
        assertEquals(true, p.get(4).get("gone"));
        assertEquals(1100.0, r.get("serverUsPerOp"));
        assertEquals(200.0, r.get("loadGeneratorUsPerOp"));
    }

    @Test
    void samplesThisProcess() throws Exception {
        ProcessCpu.Proc me = ProcessCpu.Proc.self("test");
        ProcessCpu.Sample a = ProcessCpu.sample(List.of(me));
        long x = 0;
        for (long t = System.nanoTime(); System.nanoTime() - t < 200_000_000L; ) {
            x += Long.numberOfTrailingZeros(x + t);
        }
        ProcessCpu.Sample b = ProcessCpu.sample(List.of(me));
        assertTrue(b.cpu().get(me.pid()).compareTo(a.cpu().get(me.pid())) > 0, "cpu " + a + " " + b + " " + x);
    }
}
