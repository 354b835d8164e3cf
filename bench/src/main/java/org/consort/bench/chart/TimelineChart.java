package org.consort.bench.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a comparison over time, from the per-second timelines that the load generators
 * report ({@code [{"second": k, "committed": n, "commitLatencyMsP50": x, "commitLatencyMsP99": y}, ...]},
 * second {@code k} covering {@code [k-1, k)} s of the measured phase): {@code throughput.png} with
 * the operations committed in each second, and {@code commit-latency.png} with the p50 (solid)
 * and p99 (dashed) commit latency of the operations committed in each second, one colour per
 * series and one panel per round, stacked.
 *
 * <pre>
 * java -cp bench/target/consort-bench.jar org.consort.bench.chart.TimelineChart --out-dir DIR [--title TEXT]
 *     --panel "round 1" --series "LABEL=report.json[#/json/pointer]" ... [--flat "LABEL=RATE[,P50,P99]@SECONDS"] ...
 *     [--panel "round 2" ...] [--y-unit "transfers"]
 * </pre>
 * {@code --series} reads a timeline array from a JSON file (at the JSON pointer, {@code /timeline}
 * by default). {@code --flat} draws one run's mean as a level line over its seconds, for a load
 * generator that reports no per-second figures (etcd's wrk); its label should say so. Exit code
 * 0, or 2 for bad arguments or nothing to draw.
 */
public final class TimelineChart {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 420;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    /** A point of a series: the second and its figures, each of which may be missing (null). */
    public record Point(double second, Double committed, Double p50, Double p99) {
    }

    /** One line (throughput) or pair of lines (p50, p99 latency). */
    public record Series(String label, List<Point> points) {
    }

    /** A chart of its own, e.g. one round. */
    public record Panel(String title, List<Series> series) {
    }

    private TimelineChart() {
    }

    public static void main(String[] args) {
        try {
            Cli cli = Cli.parse(args);
            List<Path> written = write(cli.outDir, cli.title, cli.unit, cli.panels);
            written.forEach(p -> System.out.println("wrote " + p));
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("TimelineChart: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Writes {@code throughput.png} and {@code commit-latency.png} into {@code dir}; returns
     * their paths. {@code unit} names what is committed (e.g. "writes", "transfers").
     */
    public static List<Path> write(Path dir, String title, String unit, List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Panel> drawn = panels.stream()
                .map(p -> new Panel(p.title(), p.series().stream().filter(s -> !s.points().isEmpty()).toList()))
                .filter(p -> !p.series().isEmpty()).toList();
        if (drawn.isEmpty()) {
            throw new IllegalArgumentException("nothing to draw: no series has a point");
        }
        Files.createDirectories(dir);
        List<XYChart> throughput = new ArrayList<>();
        List<XYChart> latency = new ArrayList<>();
        for (Panel p : drawn) {
            throughput.add(throughputChart(title, unit, p));
            latency.add(latencyChart(title, p));
        }
        Path a = dir.resolve("throughput.png");
        Path b = dir.resolve("commit-latency.png");
        save(throughput, a);
        save(latency, b);
        return List.of(a, b);
    }

    private static void save(List<XYChart> charts, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            if (charts.size() == 1) {
                BitmapEncoder.saveBitmap(charts.get(0), out, BitmapEncoder.BitmapFormat.PNG);
            } else {
                BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
            }
        }
    }

    static XYChart throughputChart(String title, String unit, Panel panel) {
        XYChart c = chart(title + " - committed " + unit + " per second" + suffix(panel), unit + " committed in the second");
        c.getStyler().setYAxisMin(0.0);
        legendFits(c, panel, 1);
        int colour = 0;
        for (Series s : panel.series()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Point p : s.points()) {
                if (p.committed() != null) {
                    x.add(p.second());
                    y.add(p.committed());
                }
            }
            if (!x.isEmpty()) {
                line(c.addSeries(s.label(), x, y), PALETTE[colour % PALETTE.length], false);
            }
            colour++;
        }
        return c;
    }

    static XYChart latencyChart(String title, Panel panel) {
        XYChart c = chart(title + " - commit latency, p50 solid, p99 dashed" + suffix(panel), "ms");
        c.getStyler().setYAxisMin(0.0);
        legendFits(c, panel, 2);
        int colour = 0;
        for (Series s : panel.series()) {
            Color col = PALETTE[colour++ % PALETTE.length];
            for (boolean p99 : new boolean[] {false, true}) {
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (Point p : s.points()) {
                    Double v = p99 ? p.p99() : p.p50();
                    if (v != null) {
                        x.add(p.second());
                        y.add(v);
                    }
                }
                if (!x.isEmpty()) {
                    line(c.addSeries(s.label() + (p99 ? " p99" : " p50"), x, y), col, p99);
                }
            }
        }
        return c;
    }

    /** Lays the legend out in a column when its entries ({@code perSeries} for each series) would not fit in one row. */
    private static void legendFits(XYChart c, Panel panel, int perSeries) {
        int chars = panel.series().stream().mapToInt(s -> (s.label().length() + 8) * perSeries).sum();
        if (chars * 7 > WIDTH - 40) {
            c.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        }
    }

    private static String suffix(Panel panel) {
        return panel.title() == null || panel.title().isEmpty() ? "" : ", " + panel.title();
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("second of the measured phase")
                .yAxisTitle(yTitle).build();
        XYStyler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xdddddd));
        s.setAntiAlias(true);
        s.setXAxisMin(0.0);
        return c;
    }

    private static void line(XYSeries s, Color colour, boolean dashed) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(colour);
        s.setLineStyle(dashed ? new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f)
                : new BasicStroke(1.8f));
    }

    /** The points of a timeline array as the load generators write it. */
    static List<Point> points(JsonNode timeline) {
        if (timeline == null || !timeline.isArray()) {
            throw new IllegalArgumentException("not a timeline array: " + (timeline == null ? "missing" : timeline.getNodeType()));
        }
        List<Point> out = new ArrayList<>();
        for (JsonNode s : timeline) {
            out.add(new Point(s.path("second").asDouble(), number(s, "committed"), number(s, "commitLatencyMsP50"),
                    number(s, "commitLatencyMsP99")));
        }
        return out;
    }

    private static Double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    /**
     * A level line at one run's mean over {@code seconds} s: {@code RATE[,P50,P99]@SECONDS}, e.g.
     * {@code 3815,12.5,136@40}.
     */
    static List<Point> flat(String spec) {
        int at = spec.lastIndexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("--flat needs RATE[,P50,P99]@SECONDS, got " + spec);
        }
        String[] v = spec.substring(0, at).split(",");
        if (v.length != 1 && v.length != 3) {
            throw new IllegalArgumentException("--flat needs RATE[,P50,P99]@SECONDS, got " + spec);
        }
        try {
            double seconds = Double.parseDouble(spec.substring(at + 1));
            Double rate = Double.valueOf(v[0]);
            Double p50 = v.length == 3 ? Double.valueOf(v[1]) : null;
            Double p99 = v.length == 3 ? Double.valueOf(v[2]) : null;
            if (!(seconds >= 1)) {
                throw new IllegalArgumentException("--flat needs at least 1 second, got " + spec);
            }
            return List.of(new Point(1, rate, p50, p99), new Point(seconds, rate, p50, p99));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--flat needs numbers: RATE[,P50,P99]@SECONDS, got " + spec);
        }
    }

    /** The command line: panels in order, each with its series. */
    record Cli(Path outDir, String title, String unit, List<Panel> panels) {
        static Cli parse(String[] args) throws IOException {
            Path out = null;
            String title = "";
            String unit = "operations";
            Map<String, List<Series>> panels = new LinkedHashMap<>();
            String current = null;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                String name = args[i];
                String value = args[i + 1];
                switch (name) {
                    case "--out-dir" -> out = Path.of(value);
                    case "--title" -> title = value;
                    case "--y-unit" -> unit = value;
                    case "--panel" -> {
                        current = value;
                        panels.putIfAbsent(current, new ArrayList<>());
                    }
                    case "--series", "--flat" -> {
                        int eq = value.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(name + " needs LABEL=..., got " + value);
                        }
                        String label = value.substring(0, eq);
                        String what = value.substring(eq + 1);
                        List<Point> points = name.equals("--flat") ? flat(what) : read(what);
                        if (current == null) {
                            current = "";
                            panels.putIfAbsent(current, new ArrayList<>());
                        }
                        panels.get(current).add(new Series(label, points));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + name
                            + " (--out-dir, --title, --y-unit, --panel, --series, --flat)");
                }
            }
            if (out == null) {
                throw new IllegalArgumentException("--out-dir is required");
            }
            List<Panel> list = new ArrayList<>();
            panels.forEach((t, s) -> list.add(new Panel(t, s)));
            return new Cli(out, title, unit, list);
        }

        /** {@code FILE[#POINTER]}: the timeline array at POINTER ({@code /timeline} by default) in the JSON file. */
        private static List<Point> read(String spec) throws IOException {
            int hash = spec.indexOf('#');
            Path file = Path.of(hash < 0 ? spec : spec.substring(0, hash));
            String pointer = hash < 0 ? "/timeline" : spec.substring(hash + 1);
            JsonNode root = JSON.readTree(file.toFile());
            JsonNode t = root.at(pointer);
            if (t.isMissingNode()) {
                throw new IllegalArgumentException(file + " has nothing at " + pointer);
            }
            return points(t);
        }
    }
}
