package org.consort.bench.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineChartTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static List<TimelineChart.Point> ramp(int seconds, double rate, double p50) {
        List<TimelineChart.Point> p = new ArrayList<>();
        for (int s = 1; s <= seconds; s++) {
            p.add(new TimelineChart.Point(s, rate * s / seconds, s == 3 ? null : p50 + s, s == 3 ? null : 3 * p50 + s));
        }
        return p;
    }

    @Test
    void writesPngChartsOfThroughputAndLatency(@TempDir Path dir) throws Exception {
        List<TimelineChart.Panel> panels = List.of(
                new TimelineChart.Panel("round 1", List.of(new TimelineChart.Series("consort-3 batch 1", ramp(20, 600, 40)),
                        new TimelineChart.Series("hardhat batch 1", ramp(15, 700, 30)))),
                new TimelineChart.Panel("round 2", List.of(new TimelineChart.Series("consort-3 batch 1", ramp(18, 500, 45)),
                        new TimelineChart.Series("empty", List.of()))));
        List<Path> files = TimelineChart.write(dir, "erc20-vs-hardhat", "transfers", panels);
        assertEquals(List.of(dir.resolve("throughput.png"), dir.resolve("commit-latency.png")), files);
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), f.toString());
            BufferedImage image = ImageIO.read(f.toFile());
            // Two panels stacked, each 1100 x 420.
            assertEquals(1100, image.getWidth());
            assertEquals(840, image.getHeight());
        }
    }

    @Test
    void onePanelIsOneChart(@TempDir Path dir) throws Exception {
        TimelineChart.write(dir, "t", "writes", List.of(new TimelineChart.Panel("", List.of(
                new TimelineChart.Series("etcd (wrk mean)", TimelineChart.flat("3815@40"))))));
        BufferedImage image = ImageIO.read(dir.resolve("throughput.png").toFile());
        assertEquals(420, image.getHeight());
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.write(dir, "t", "writes",
                List.of(new TimelineChart.Panel("x", List.of(new TimelineChart.Series("none", List.of()))))));
    }

    @Test
    void readsTimelinesAndFlatLinesFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Files.writeString(report, """
                {"timeline": [{"second": 1, "committed": 10, "commitLatencyMsP50": 5.5, "commitLatencyMsP99": 9},
                              {"second": 2, "committed": 0, "commitLatencyMsP50": null, "commitLatencyMsP99": null}],
                 "reports": [{"timeline": [{"second": 1, "committed": 7}]}]}
                """);
        TimelineChart.Cli cli = TimelineChart.Cli.parse(new String[] {"--out-dir", dir.toString(), "--title", "T",
            "--panel", "round 1", "--series", "a=" + report, "--series", "b=" + report + "#/reports/0/timeline",
            "--panel", "round 2", "--flat", "etcd (wrk: mean of the run)=3815.5,12,136@40"});
        assertEquals(2, cli.panels().size());
        List<TimelineChart.Series> first = cli.panels().get(0).series();
        assertEquals(new TimelineChart.Point(1, 10.0, 5.5, 9.0), first.get(0).points().get(0));
        assertEquals(new TimelineChart.Point(2, 0.0, null, null), first.get(0).points().get(1));
        assertEquals("b", first.get(1).label());
        assertNull(first.get(1).points().get(0).p50());
        TimelineChart.Series flat = cli.panels().get(1).series().get(0);
        assertEquals("etcd (wrk: mean of the run)", flat.label());
        assertEquals(List.of(new TimelineChart.Point(1, 3815.5, 12.0, 136.0), new TimelineChart.Point(40, 3815.5, 12.0, 136.0)),
                flat.points());
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.flat("3815"));
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.flat("1,2@40"));
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.Cli.parse(new String[] {"--series", "x"}));
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.Cli.parse(new String[] {"--panel", "p"}));
        assertThrows(IllegalArgumentException.class, () -> TimelineChart.Cli.parse(new String[] {"--out-dir", dir.toString(),
            "--series", "a=" + report + "#/nothing"}));
    }
}
