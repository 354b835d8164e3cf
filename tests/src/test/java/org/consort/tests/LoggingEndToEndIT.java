package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.consort.client.ConsortClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The foundation end to end, with real processes from the built artifact: start the sandbox,
 * write 1,000 records over mutual TLS, read them back, verify receipts with the CLI, stop it,
 * verify a copy of the ledger offline, restart from the ledger and read everything again.
 */
class LoggingEndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECORDS = 1000;

    @TempDir
    Path tmp;

    @Test
    void writeReadVerifyRestart() throws Exception {
        Path dir = tmp.resolve("sandbox");
        List<String> txIds = new ArrayList<>();
        JsonNode network;
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString())) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(120));
            assertThat(sandbox.output()).contains("service cert:", "user:", "member:");
            network = JSON.readTree(dir.resolve("network.json").toFile());
            assertThat(network.at("/nodes/0/primary").asBoolean()).isTrue();
            assertThat(Path.of(network.get("serviceCert").asText())).isAbsolute().exists();
            ConsortClient user = userClient(network);

            // 1,000 private and public writes from 8 concurrent clients over keep-alive connections.
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<String>> writes = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                int id = i;
                writes.add(pool.submit(() -> {
                    String scope = id % 2 == 0 ? "private" : "public";
                    ConsortClient.Response r = user.postJson("/app/log/" + scope, Map.of("id", id, "msg", "message " + id));
                    assertThat(r.status()).as(r.text()).isEqualTo(200);
                    return r.transactionId().orElseThrow();
                }));
            }
            for (Future<String> f : writes) {
                txIds.add(f.get());
            }
            pool.shutdown();
            String last = txIds.stream().max((a, b) -> Long.compare(seqno(a), seqno(b))).orElseThrow();
            assertThat(user.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
            readAll(user);

            // Receipts (JSON and COSE) verified offline by the CLI with only the service certificate.
            List<String> receiptFiles = new ArrayList<>();
            for (int i = 0; i < RECORDS; i += 97) {
                String tx = txIds.get(i);
                Path json = tmp.resolve("receipt-" + i + ".json");
                Files.write(json, user.get("/app/receipt?transaction_id=" + tx).body());
                Path cose = tmp.resolve("receipt-" + i + ".cose");
                ConsortClient.Response c = user.get("/app/receipt?transaction_id=" + tx + "&format=cose");
                assertThat(c.status()).isEqualTo(200);
                Files.write(cose, c.body());
                receiptFiles.add(json.toString());
                receiptFiles.add(cose.toString());
            }
            List<String> verifyArgs = new ArrayList<>(List.of("receipt", "verify", "--service-cert",
                    network.get("serviceCert").asText()));
            verifyArgs.addAll(receiptFiles);
            ConsortProcess.Result v = ConsortProcess.run(Duration.ofSeconds(60), verifyArgs.toArray(String[]::new));
            assertThat(v.exitCode()).as(v.output()).isZero();
            assertThat(v.output().lines().filter(l -> l.contains("receipt OK"))).hasSize(receiptFiles.size());
            // A receipt with one changed byte fails.
            Path forged = tmp.resolve("forged.json");
            String original = Files.readString(Path.of(receiptFiles.get(0)));
            Files.writeString(forged, flipHexDigit(original));
            ConsortProcess.Result bad = ConsortProcess.run(Duration.ofSeconds(60), "receipt", "verify", forged.toString(),
                    "--service-cert", network.get("serviceCert").asText());
            assertThat(bad.exitCode()).as(bad.output()).isNotZero();

            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }

        // The stopped node's ledger, copied elsewhere, verifies offline.
        Path copy = tmp.resolve("ledger-copy");
        copyTree(Path.of(network.at("/nodes/0/ledgerDir").asText()), copy);
        ConsortProcess.Result verify = ConsortProcess.run(Duration.ofSeconds(120), "ledger", "verify", copy.toString(),
                "--service-cert", network.get("serviceCert").asText());
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).containsPattern("\\d+ entries");

        // A single flipped byte in the copy is found and named.
        Path chunk;
        try (var files = Files.list(copy)) {
            chunk = files.filter(p -> p.getFileName().toString().startsWith("ledger_")).sorted().findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(chunk);
        bytes[insideAnEntry(bytes, bytes.length / 2)] ^= 0x01;
        Files.write(chunk, bytes);
        ConsortProcess.Result corrupt = ConsortProcess.run(Duration.ofSeconds(120), "ledger", "verify", copy.toString(),
                "--service-cert", network.get("serviceCert").asText());
        assertThat(corrupt.exitCode()).isNotZero();
        assertThat(corrupt.output()).contains(chunk.getFileName().toString()).contains("seqno");

        // Restart from the ledger: every record is back, old transactions are still committed.
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString())) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(120));
            network = JSON.readTree(dir.resolve("network.json").toFile());
            ConsortClient user = userClient(network);
            readAll(user);
            assertThat(user.get("/node/tx?transaction_id=" + txIds.get(0)).json().get("status").asText())
                    .isEqualTo("Committed");
            ConsortClient.Response r = user.postJson("/app/log/private", Map.of("id", RECORDS, "msg", "after restart"));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.transactionId().orElseThrow()).startsWith("2.");
            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }

        // A flipped byte in the length field of an entry in the middle of the open chunk is damage, not a torn tail
        // (what an unfinished last write leaves is at the end of the file): the node refuses to start, naming the
        // file and the seqno, and so does the verifier. Dropped as torn, it would have silently lost every entry after.
        Path ledgerDir = Path.of(network.at("/nodes/0/ledgerDir").asText());
        Path open;
        try (var files = Files.list(ledgerDir)) {
            open = files.filter(p -> p.getFileName().toString().endsWith(".open")).findFirst().orElseThrow();
        }
        byte[] openBytes = Files.readAllBytes(open);
        List<Integer> entries = entryOffsets(openBytes);
        assertThat(entries).as("entries in %s", open).hasSizeGreaterThanOrEqualTo(3);
        int middle = entries.size() / 2;
        openBytes[entries.get(middle)] ^= 0x01; // the length's high byte: the entry now runs past the end of the file
        Files.write(open, openBytes);
        long damagedSeqno = java.nio.ByteBuffer.wrap(openBytes, 16, 8).getLong() + middle;
        String named = open.getFileName() + " seqno " + damagedSeqno;
        ConsortProcess.Result refused = ConsortProcess.run(Duration.ofSeconds(120), "node", "start", "--config",
                ledgerDir.getParent().resolve("config.json").toString());
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
        assertThat(refused.output()).contains("ledger is corrupt", named, "not a torn tail");
        ConsortProcess.Result verifyDamaged = ConsortProcess.run(Duration.ofSeconds(120), "ledger", "verify",
                ledgerDir.toString(), "--service-cert", network.get("serviceCert").asText());
        assertThat(verifyDamaged.exitCode()).as(verifyDamaged.output()).isNotZero();
        assertThat(verifyDamaged.output()).contains(named);
    }

    private static ConsortClient userClient(JsonNode network) throws Exception {
        return ConsortClient.connect(network.at("/nodes/0/url").asText(), Path.of(network.get("serviceCert").asText()),
                Path.of(network.at("/users/0/cert").asText()), Path.of(network.at("/users/0/key").asText()));
    }

    private static void readAll(ConsortClient user) throws Exception {
        for (int i = 0; i < RECORDS; i++) {
            String scope = i % 2 == 0 ? "private" : "public";
            ConsortClient.Response r = user.get("/app/log/" + scope + "?id=" + i);
            assertThat(r.status()).as("record %d: %s", i, r.text()).isEqualTo(200);
            assertThat(r.json().get("msg").asText()).isEqualTo("message " + i);
        }
    }

    private static long seqno(String txId) {
        return Long.parseLong(txId.substring(txId.indexOf('.') + 1));
    }

    /**
     * {@code at}, or the first byte after it that is not an entry's 4-byte length field (the file
     * header is 24 bytes, then each entry is its length and that many bytes): a byte of an entry's
     * contents, so that its digest no longer matches. A damaged length field is checked on its own.
     */
    private static int insideAnEntry(byte[] chunk, int at) {
        int offset = 24;
        while (offset + 4 <= chunk.length) {
            int length = java.nio.ByteBuffer.wrap(chunk, offset, 4).getInt();
            if (at < offset + 4) {
                return Math.max(at, offset + 4);
            }
            if (at < offset + 4 + length) {
                return at;
            }
            offset += 4 + length;
        }
        throw new IllegalStateException("offset " + at + " is past the last entry");
    }

    /** Where each entry of a chunk file starts (its 4-byte length field), after the 24-byte file header. */
    private static List<Integer> entryOffsets(byte[] chunk) {
        List<Integer> offsets = new ArrayList<>();
        int offset = 24;
        while (offset + 4 <= chunk.length) {
            offsets.add(offset);
            offset += 4 + java.nio.ByteBuffer.wrap(chunk, offset, 4).getInt();
        }
        assertThat(offset).as("the chunk ends with a whole entry").isEqualTo(chunk.length);
        return offsets;
    }

    /** Changes one hex digit of the first Merkle proof step of a JSON receipt. */
    private static String flipHexDigit(String json) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        com.fasterxml.jackson.databind.node.ObjectNode step =
                (com.fasterxml.jackson.databind.node.ObjectNode) root.withArray("proof").get(0);
        String side = step.has("left") ? "left" : "right";
        String h = step.get(side).asText();
        step.put(side, (h.charAt(0) == '0' ? "1" : "0") + h.substring(1));
        return JSON.writeValueAsString(root);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }
}
