package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disaster recovery of a 3-node network of real processes: every node is lost, one node starts
 * from a copy of a ledger, members vote the recovered service open and 2 of the 3 submit their
 * recovery shares (a wrong share is refused and the others kept); every private record comes
 * back, including those written after a rekey, old receipts still verify with the old service
 * certificate, and the whole ledger verifies with both.
 */
class RecoveryIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void membersRecoverALostNetworkFromItsLedgerWithTwoOfThreeShares() throws Exception {
        Path dir = tmp.resolve("sandbox");
        JsonNode net;
        Path oldServiceCert;
        String receiptTx;
        List<MemberClient> members = new ArrayList<>();
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--nodes", "3", "--dir", dir.toString(), "--users", "1")) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(240));
            net = JSON.readTree(dir.resolve("network.json").toFile());
            oldServiceCert = Path.of(net.get("serviceCert").asText());
            String url = net.at("/nodes/0/url").asText();
            ConsortClient user = ConsortClient.connect(url, oldServiceCert, Path.of(net.at("/users/0/cert").asText()),
                    Path.of(net.at("/users/0/key").asText()));
            for (JsonNode m : net.withArray("members")) {
                members.add(MemberClient.connect(url, oldServiceCert, Path.of(m.get("cert").asText()),
                        Path.of(m.get("key").asText())));
            }
            // Opening the service issued the recovery shares (threshold 2 of 3).
            awaitStatus(members.get(0).http(), "/gov/recovery/encrypted-share/" + members.get(0).memberId(), 200,
                    Duration.ofSeconds(30));
            for (int i = 0; i < 20; i++) {
                assertThat(user.postJson("/app/log/private", Map.of("id", i, "msg", "secret " + i)).status()).isEqualTo(200);
                assertThat(user.postJson("/app/log/public", Map.of("id", i, "msg", "public " + i)).status()).isEqualTo(200);
            }
            ConsortClient.Response w = user.postJson("/app/log/private", Map.of("id", 100, "msg", "with a receipt"));
            receiptTx = w.transactionId().orElseThrow();
            assertThat(user.awaitStatus(receiptTx, Duration.ofSeconds(30))).isEqualTo("Committed");
            ConsortClient.Response receipt = awaitStatus(user, "/app/receipt?transaction_id=" + receiptTx, 200, Duration.ofSeconds(30));
            Files.write(tmp.resolve("receipt.json"), receipt.body());

            // A rekey by vote: later entries use a secret that only the ledger itself carries.
            MemberClient.pass(members, "{\"actions\": [{\"name\": \"trigger_ledger_rekey\", \"args\": {}}]}", Duration.ofSeconds(60));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (user.get("/node/state").json().path("ledgerSecretVersion").asInt() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(user.get("/node/state").json().path("ledgerSecretVersion").asInt()).isEqualTo(2);
            String last = null;
            for (int i = 200; i < 210; i++) {
                last = user.postJson("/app/log/private", Map.of("id", i, "msg", "after rekey " + i)).transactionId().orElseThrow();
            }
            assertThat(user.awaitStatus(last, Duration.ofSeconds(30))).isEqualTo("Committed");
            // Shares follow the new secret: wait until they were issued again.
            awaitWrappedVersion(user, 2, Duration.ofSeconds(30));
            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }

        // Every node is gone. A copy of one ledger is all that is left.
        Path recovered = tmp.resolve("recovered");
        Path ledgerCopy = recovered.resolve("ledger");
        copyTree(Path.of(net.at("/nodes/1/ledgerDir").asText()), ledgerCopy);
        ObjectNode config = JSON.createObjectNode();
        config.put("nodeDir", recovered.resolve("node").toString());
        config.put("ledgerDir", ledgerCopy.toString());
        Files.write(recovered.resolve("config.json"), JSON.writeValueAsBytes(config));
        try (ConsortProcess node = ConsortProcess.start("node", "recover", "--config", recovered.resolve("config.json").toString())) {
            node.awaitOutput("listening on https://", Duration.ofSeconds(120));
            JsonNode startup = JSON.readTree(recovered.resolve("node/startup.json").toFile());
            String url = startup.get("url").asText();
            Path newServiceCert = recovered.resolve("node/service_cert.pem");
            assertThat(Files.readString(newServiceCert)).isNotEqualTo(Files.readString(oldServiceCert));
            ConsortClient anyone = ConsortClient.connect(url, newServiceCert, null, null);
            assertThat(anyone.get("/gov/service/info").json().path("status").asText()).isEqualTo("Recovering");
            ConsortClient user = ConsortClient.connect(url, newServiceCert, Path.of(net.at("/users/0/cert").asText()),
                    Path.of(net.at("/users/0/key").asText()));
            assertThat(user.get("/app/log/private?id=1").status()).as("users wait until the service is open").isEqualTo(403);

            List<MemberClient> again = new ArrayList<>();
            for (JsonNode m : net.withArray("members")) {
                again.add(MemberClient.connect(url, newServiceCert, Path.of(m.get("cert").asText()), Path.of(m.get("key").asText())));
            }
            MemberClient.pass(again, "{\"actions\": [{\"name\": \"transition_service_to_open\", \"args\": {}}]}",
                    Duration.ofSeconds(60));
            assertThat(anyone.get("/gov/service/info").json().path("status").asText()).isEqualTo("WaitingForRecoveryShares");

            // Member 0 submits its share with the CLI, decrypted on its own machine.
            ConsortProcess.Result first = ConsortProcess.run(Duration.ofSeconds(60), "recovery", "submit-share",
                    "--url", url, "--service-cert", newServiceCert.toString(),
                    "--cert", net.at("/members/0/cert").asText(), "--key", net.at("/members/0/key").asText(),
                    "--encryption-key", net.at("/members/0/encryptionPrivateKey").asText());
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(first.output()).contains("1 of 2");
            // Member 2 decrypts with the wrong key: refused, and member 0's share is kept.
            ConsortProcess.Result wrong = ConsortProcess.run(Duration.ofSeconds(60), "recovery", "submit-share",
                    "--url", url, "--service-cert", newServiceCert.toString(),
                    "--cert", net.at("/members/2/cert").asText(), "--key", net.at("/members/2/key").asText(),
                    "--encryption-key", net.at("/members/0/encryptionPrivateKey").asText());
            assertThat(wrong.exitCode()).as(wrong.output()).isNotZero();
            // Member 2 submits a share that is not the one issued to it: the node refuses it.
            byte[] bogus = new byte[33];
            new java.security.SecureRandom().nextBytes(bogus);
            byte[] envelope = again.get(2).sign("recovery_share", null, JSON.writeValueAsBytes(
                    Map.of("share", java.util.Base64.getEncoder().encodeToString(bogus))));
            ConsortClient.Response refused = again.get(2).http().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url + "/gov/recovery/members/" + again.get(2).memberId() + ":recover"))
                    .header("content-type", "application/cose").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(envelope)));
            assertThat(refused.status()).as(refused.text()).isBetween(400, 499);
            assertThat(refused.text()).contains("WRONG_RECOVERY_SHARE");
            ConsortClient.Response second = again.get(1).submitRecoveryShare(
                    org.consort.crypto.Pem.readRsaPrivateKey(Files.readString(Path.of(net.at("/members/1/encryptionPrivateKey").asText()))));
            assertThat(second.status()).as(second.text()).isEqualTo(200);
            assertThat(second.json().path("complete").asBoolean()).isTrue();

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!anyone.get("/gov/service/info").json().path("status").asText().equals("Open") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(anyone.get("/gov/service/info").json().path("status").asText())
                    .as("service status; the node said:\n%s", tail(node.output(), 60)).isEqualTo("Open");
            for (int i = 0; i < 20; i++) {
                assertThat(user.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("secret " + i);
                assertThat(user.get("/app/log/public?id=" + i).json().path("msg").asText()).isEqualTo("public " + i);
            }
            for (int i = 200; i < 210; i++) {
                assertThat(user.get("/app/log/private?id=" + i).json().path("msg").asText()).isEqualTo("after rekey " + i);
            }
            ConsortClient.Response after = user.postJson("/app/log/private", Map.of("id", 300, "msg", "recovered"));
            assertThat(after.status()).as(after.text()).isEqualTo(200);
            assertThat(user.awaitStatus(after.transactionId().orElseThrow(), Duration.ofSeconds(30))).isEqualTo("Committed");
            // Shares are issued again for the recovered service.
            awaitStatus(anyone, "/gov/recovery/encrypted-share/" + again.get(0).memberId(), 200, Duration.ofSeconds(30));

            // An old receipt verifies with the old service certificate; the whole ledger with both.
            ConsortProcess.Result old = ConsortProcess.run(Duration.ofSeconds(60), "receipt", "verify",
                    tmp.resolve("receipt.json").toString(), "--service-cert", oldServiceCert.toString());
            assertThat(old.exitCode()).as(old.output()).isZero();
            ConsortProcess.Result verified = ConsortProcess.run(Duration.ofSeconds(120), "ledger", "verify", ledgerCopy.toString(),
                    "--service-cert", oldServiceCert.toString(), "--service-cert", newServiceCert.toString());
            assertThat(verified.exitCode()).as(verified.output()).isZero();
            JsonNode info = anyone.get("/gov/service/info").json();
            assertThat(info.toString()).contains("previousIdentities");
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().filter(l -> !l.contains("WARNING")).toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static ConsortClient.Response awaitStatus(ConsortClient c, String path, int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ConsortClient.Response r = c.get(path);
            if (r.status() == status) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " answered " + r.status() + " " + r.text() + " after " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static void awaitWrappedVersion(ConsortClient user, int version, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode info = user.get("/gov/service/recovery").json();
            if (info.path("latestVersion").asInt() >= version) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("recovery shares were not issued again for ledger secret version " + version);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("consort-ledger.lock")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
