package org.consort.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.consort.evm.Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EthereumCompare's options and how its senders survive failed requests, without real nodes. */
class EthereumCompareTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<EthereumCompare.Transfer> transfers(int n) {
        List<EthereumCompare.Transfer> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            t.add(new EthereumCompare.Transfer(new byte[] {2, (byte) i}, "0x" + "ab".repeat(31) + String.format("%02x", i),
                    Address.ofLow(0x100 + i)));
        }
        return t;
    }

    private static String error(Object id, String message) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"error\":{\"code\":-32000,\"message\":\"" + message + "\"}}";
    }

    private static String result(Object id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"result\":\"0x01\"}";
    }

    @Test
    void modesAndLimits() {
        EthereumCompare.Options legacy = EthereumCompare.Options.parse(new String[] {"--batch", "20", "--hardhat-batch", "1"});
        assertEquals(List.of(new EthereumCompare.Mode(20, 300, 1, 120)), legacy.modes());
        assertEquals("batch-20/hardhat-batch-1", legacy.modes().get(0).label());
        assertFalse(legacy.modesGiven());
        assertEquals(0, legacy.seconds());

        EthereumCompare.Options o = EthereumCompare.Options.parse(new String[] {"--modes", "1:600,20:2400:1000", "--seconds", "15",
            "--json-out", "out.json", "--max-seconds", "300", "--targets", "consort-3,hardhat"});
        assertEquals(List.of(new EthereumCompare.Mode(1, 600, 1, 600), new EthereumCompare.Mode(20, 2400, 20, 1000)), o.modes());
        assertEquals(List.of("batch-1", "batch-20"), o.modes().stream().map(EthereumCompare.Mode::label).toList());
        assertTrue(o.modesGiven());
        assertEquals(15, o.seconds());
        assertEquals(Path.of("out.json"), o.jsonOut());
        assertEquals(300, o.maxSeconds());
        assertEquals(o.modes(), o.slices());
        EthereumCompare.Options warm = EthereumCompare.Options.parse(new String[] {"--modes", "20:2400,1:600", "--warmup-seconds", "10"});
        // The warm-up sends as the mode with the largest batch does, with users of its own after the modes'.
        assertEquals(new EthereumCompare.Mode(20, 2400, 20, 2400), warm.warmupMode());
        assertEquals(3, warm.slices().size());
        assertEquals(new EthereumCompare.Mode(5, 300, 5, 300), EthereumCompare.Options.parse(new String[] {"--modes", "5"}).modes().get(0));

        assertThrows(IllegalArgumentException.class, () -> EthereumCompare.Options.parse(new String[] {"--modes", "1", "--batch", "2"}));
        assertThrows(IllegalArgumentException.class, () -> EthereumCompare.Options.parse(new String[] {"--modes", "1:x"}));
        assertThrows(IllegalArgumentException.class, () -> EthereumCompare.Options.parse(new String[] {"--modes", "101"}));
        assertThrows(IllegalArgumentException.class, () -> EthereumCompare.Options.parse(new String[] {"--seconds", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> EthereumCompare.Options.parse(new String[] {"--frobnicate", "1"}));
    }

    @Test
    void runExitsWithUsageForBadOptionsOrArtifacts(@TempDir Path dir) throws Exception {
        assertEquals(EthereumCompare.EXIT_USAGE, EthereumCompare.run(new String[] {"--users", "0"}));
        assertEquals(EthereumCompare.EXIT_USAGE, EthereumCompare.run(new String[] {"--artifacts", dir.resolve("none.json").toString()}));
    }

    @Test
    void aFailedRequestFollowsThePrimaryAndAResentTransferAlreadyInABlockIsFoundByItsReceipt(@TempDir Path dir)
            throws Exception {
        try (FakeNetwork net = new FakeNetwork(dir, 3)) {
            JsonNode network = JSON.readTree(net.networkFile().toFile());
            Path serviceCert = Path.of(network.get("serviceCert").asText());
            Path cert = Path.of(network.at("/users/0/cert").asText());
            Path key = Path.of(network.at("/users/0/key").asText());
            try (JettyLoadClient control = new JettyLoadClient(net.url(0), serviceCert, cert, key, false, 2)
                    .requestTimeout(Duration.ofSeconds(3))) {
                AtomicReference<String> target = new AtomicReference<>();
                PrimaryTracker tracker = new PrimaryTracker(control, target::set, List.of(net.url(0), net.url(1), net.url(2)),
                        net.url(0));
                // The primary executed the transfer and crashed before answering; node 1 takes over.
                net.crash(0);
                net.elect(1);
                List<String> asked = new ArrayList<>();
                EthereumCompare.Rpc rpc = body -> {
                    synchronized (asked) {
                        asked.add(target.get() + " " + JSON.readTree(body).path("method").asText());
                    }
                    if (target.get().equals(net.url(0))) {
                        throw new ConnectException("Connection refused");
                    }
                    if (body.contains("eth_sendRawTransaction")) {
                        return error(0, "already known");
                    }
                    return "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"status\":\"0x1\",\"blockNumber\":\"0x5\"}}";
                };
                long[] answered = new long[1];
                EthereumCompare.Counters counters = new EthereumCompare.Counters();
                EthereumCompare.Sender sender = new EthereumCompare.Sender(rpc, transfers(1), answered,
                        new EthereumCompare.Settled(1), counters, tracker);
                long t = System.nanoTime();
                sender.sendAll(new ArrayList<>(List.of(0)), false, t);

                assertTrue(answered[0] > t, "answered");
                assertEquals(net.url(1), tracker.primary());
                assertEquals(net.url(1), target.get());
                assertEquals(1, counters.resent.get());
                assertEquals(1, counters.recoveredByReceipt.get());
                assertEquals(0, counters.failed.get());
                assertEquals(Map.of("connect:ConnectException", 1L), counters.kinds.byKind());
                assertEquals(List.of(net.url(0) + " eth_sendRawTransaction", net.url(1) + " eth_sendRawTransaction",
                        net.url(1) + " eth_getTransactionReceipt"), asked);
            }
        }
    }

    @Test
    void withoutATrackerAFailedRequestAndAnAlreadyKnownAnswerAreCountedAndGivenUp() throws Exception {
        EthereumCompare.Counters counters = new EthereumCompare.Counters();
        long[] answered = new long[2];
        AtomicInteger calls = new AtomicInteger();
        EthereumCompare.Rpc rpc = body -> {
            if (calls.getAndIncrement() == 0) {
                throw new ConnectException("Connection refused");
            }
            return error(1, "already known");
        };
        EthereumCompare.Sender sender = new EthereumCompare.Sender(rpc, transfers(2), answered, new EthereumCompare.Settled(2),
                counters, null);
        sender.sendAll(new ArrayList<>(List.of(0)), false, System.nanoTime());
        sender.sendAll(new ArrayList<>(List.of(1)), false, System.nanoTime());
        assertEquals(2, calls.get());
        assertEquals(0, answered[0] + answered[1]);
        assertEquals(2, counters.failed.get());
        assertEquals(2, counters.errors.get());
        assertEquals(0, counters.resent.get());
        assertEquals(Map.of("connect:ConnectException", 1L, "rpc:already known", 1L), counters.kinds.byKind());
    }

    @Test
    void aTransferRefusedAsAheadInABatchIsSentAgain() throws Exception {
        EthereumCompare.Counters counters = new EthereumCompare.Counters();
        long[] answered = new long[3];
        List<String> bodies = new ArrayList<>();
        EthereumCompare.Rpc rpc = body -> {
            bodies.add(body);
            return switch (bodies.size()) {
                case 1 -> "[" + result(0) + "," + error(1, "nonce too high: next nonce 2, got 3") + "," + result(2) + "]";
                default -> "[" + result(1) + "]";
            };
        };
        EthereumCompare.Sender sender = new EthereumCompare.Sender(rpc, transfers(3), answered, new EthereumCompare.Settled(3),
                counters, null);
        sender.sendAll(new ArrayList<>(List.of(0, 1, 2)), true, System.nanoTime());
        assertEquals(2, bodies.size());
        assertTrue(bodies.get(1).startsWith("[{") && bodies.get(1).contains("\"id\":1,"), bodies.get(1));
        assertTrue(answered[0] > 0 && answered[1] > 0 && answered[2] > 0);
        assertEquals(1, counters.retried.get());
        assertEquals(0, counters.failed.get());
        assertEquals(Map.of("rpc:nonce too high: next nonce #, got #", 1L), counters.kinds.byKind());
    }

    @Test
    void aBusyPrimaryIsAskedAgain(@TempDir Path dir) throws Exception {
        try (FakeNetwork net = new FakeNetwork(dir, 1)) {
            JsonNode network = JSON.readTree(net.networkFile().toFile());
            try (JettyLoadClient control = new JettyLoadClient(net.url(0), Path.of(network.get("serviceCert").asText()),
                    Path.of(network.at("/users/0/cert").asText()), Path.of(network.at("/users/0/key").asText()), false, 1)) {
                PrimaryTracker tracker = new PrimaryTracker(control, url -> { }, List.of(net.url(0)), net.url(0));
                AtomicInteger calls = new AtomicInteger();
                EthereumCompare.Rpc rpc = body -> {
                    if (calls.getAndIncrement() == 0) {
                        throw new EthereumCompare.HttpStatusException("http503:Busy", "503");
                    }
                    return result(0);
                };
                EthereumCompare.Counters counters = new EthereumCompare.Counters();
                long[] answered = new long[1];
                new EthereumCompare.Sender(rpc, transfers(1), answered, new EthereumCompare.Settled(1), counters, tracker)
                        .sendAll(new ArrayList<>(List.of(0)), false, System.nanoTime());
                assertEquals(2, calls.get());
                assertTrue(answered[0] > 0);
                assertEquals(Map.of("http503:Busy", 1L), counters.kinds.byKind());
                assertEquals(1, counters.resent.get());
            }
        }
    }
}
