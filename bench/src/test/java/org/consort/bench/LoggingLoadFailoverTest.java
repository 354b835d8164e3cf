package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoggingLoad against an in-process {@link FakeNetwork} of three nodes whose primary crashes,
 * moves or vanishes while it runs: it must follow the primary, count what failed, and end.
 */
class LoggingLoadFailoverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int code, JsonNode report, double seconds) {
    }

    /** Runs LoggingLoad with {@code args}, doing {@code chaos} to the network once it has ordered {@code afterWrites} writes. */
    private static Run run(Path dir, long afterWrites, Consumer<FakeNetwork> chaos, String... args) throws Exception {
        try (FakeNetwork net = new FakeNetwork(dir, 3)) {
            Path out = dir.resolve("report.json");
            List<String> all = new ArrayList<>(List.of("--network", net.networkFile().toString(), "--clients", "4",
                    "--json-out", out.toString()));
            all.addAll(List.of(args));
            Thread chaosThread = Thread.ofPlatform().daemon().start(() -> {
                try {
                    net.awaitWrites(afterWrites);
                    chaos.accept(net);
                } catch (InterruptedException e) {
                    // the run ended first
                }
            });
            long t0 = System.nanoTime();
            int code = LoggingLoad.run(all.toArray(String[]::new));
            double seconds = (System.nanoTime() - t0) / 1e9;
            chaosThread.interrupt();
            JsonNode report = JSON.readTree(out.toFile());
            assertEquals(report.get("writes").asLong(), report.get("committedWrites").asLong()
                    + report.get("invalidAcknowledged").asLong() + report.get("pendingAcknowledged").asLong()
                    + report.get("unknownAcknowledged").asLong() + report.get("unverifiedAcknowledged").asLong(), report::toString);
            // The per-second timeline places committed writes by their commit time: at most all of them.
            long perSecond = 0;
            for (JsonNode second : report.get("timeline")) {
                perSecond += second.get("committed").asLong();
            }
            assertTrue(perSecond <= report.get("committedWrites").asLong(), report::toString);
            assertEquals(report.get("committedWrites").asLong() > 0, perSecond > 0, report::toString);
            return new Run(code, report, seconds);
        }
    }

    @Test
    void followsANewPrimaryAfterACrashAndCountsWhatWasLost(@TempDir Path dir) throws Exception {
        String[] newPrimary = new String[1];
        Run r = run(dir, 1500, net -> {
            net.crash(0);
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                return;
            }
            net.elect(1);
            newPrimary[0] = net.url(1);
        }, "--warmup-seconds", "1", "--seconds", "3", "--settle-seconds", "5");
        JsonNode report = r.report();
        assertEquals(0, r.code(), report::toString);
        assertEquals(1, report.get("primaryChanges").asInt(), report::toString);
        assertEquals(newPrimary[0], report.get("primary").asText());
        assertTrue(report.get("errorsTotal").asLong() > 0, report::toString);
        assertTrue(report.get("errors").propertyStream().allMatch(e -> e.getKey().startsWith("connect:")
                || e.getKey().startsWith("timeout:") || e.getKey().startsWith("http503:")), report::toString);
        // Writes acknowledged in view 1 but not committed before the crash were rolled back.
        assertTrue(report.get("invalidAcknowledged").asLong() > 0, report::toString);
        assertTrue(report.get("committedWrites").asLong() > 0, report::toString);
        assertTrue(report.get("committedWritesPerSecond").asLong() > 0, report::toString);
        assertTrue(report.get("commitLatencySamples").asLong() > 0, report::toString);
        // Every client's last write (all after the election) was committed.
        assertEquals(report.at("/lastWrites/checked").asInt(), report.at("/lastWrites/Committed").asInt(), report::toString);
        assertEquals("Committed", report.at("/lastWrites/latestStatus").asText(), report::toString);
        assertTrue(r.seconds() < 20, "took " + r.seconds() + " s");
    }

    @Test
    void followsAPrimaryThatMovedWhileTheOldOneForwards(@TempDir Path dir) throws Exception {
        Run r = run(dir, 300, net -> net.elect(2), "--warmup-seconds", "0", "--seconds", "4", "--settle-seconds", "5");
        JsonNode report = r.report();
        assertEquals(0, r.code(), report::toString);
        assertEquals(1, report.get("primaryChanges").asInt(), report::toString);
        assertTrue(report.get("primary").asText().equals(report.at("/primaryMoves/0/to").asText()), report::toString);
        // Found by the once-a-second check (writes to the former primary still succeed): no error.
        assertEquals(0, report.get("errorsTotal").asLong(), report::toString);
        assertEquals(report.at("/lastWrites/checked").asInt(), report.at("/lastWrites/Committed").asInt(), report::toString);
        assertTrue(r.seconds() < 15, "took " + r.seconds() + " s");
    }

    @Test
    void endsWhenEveryNodeIsGone(@TempDir Path dir) throws Exception {
        Run r = run(dir, 300, net -> {
            net.crash(0);
            net.crash(1);
            net.crash(2);
        }, "--warmup-seconds", "0", "--seconds", "2", "--settle-seconds", "2", "--request-timeout-seconds", "2");
        JsonNode report = r.report();
        assertEquals(0, r.code(), report::toString);
        assertTrue(report.get("writes").asLong() > 0, report::toString);
        assertEquals(report.get("writes").asLong(), report.get("unverifiedAcknowledged").asLong(), report::toString);
        assertEquals(report.at("/lastWrites/checked").asInt(), report.at("/lastWrites/Unchecked").asInt(), report::toString);
        assertTrue(report.get("errors").has("connect:ConnectException"), report::toString);
        assertTrue(r.seconds() < 15, "took " + r.seconds() + " s");
    }
}
