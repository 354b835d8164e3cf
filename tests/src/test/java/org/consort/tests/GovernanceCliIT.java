package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.consort.client.ConsortClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Members govern a sandbox with the CLI, as a script would: a new user's keys are made
 * locally, one member proposes to admit it, a majority votes, and the user can then write;
 * a proposal is withdrawn by its proposer, and only by it.
 */
class GovernanceCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void admitAUserByVote() throws Exception {
        Path dir = tmp.resolve("sandbox");
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--dir", dir.toString())) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(120));
            assertThat(sandbox.output()).contains("opened the service");
            Path network = dir.resolve("network.json");
            JsonNode net = JSON.readTree(network.toFile());

            ConsortProcess.Result keys = ConsortProcess.run(Duration.ofSeconds(60), "keys", "new", "user", "--name", "carol",
                    "--out", tmp.toString());
            assertThat(keys.exitCode()).as(keys.output()).isZero();
            Path carolCert = tmp.resolve("carol_cert.pem");
            Path proposal = tmp.resolve("admit-carol.json");
            Files.writeString(proposal, JSON.writeValueAsString(Map.of("actions",
                    java.util.List.of(Map.of("name", "set_user", "args", Map.of("cert", Files.readString(carolCert)))))));

            ConsortProcess.Result created = ConsortProcess.run(Duration.ofSeconds(60), "gov", "propose", proposal.toString(),
                    "--network", network.toString(), "--member", "0", "--json");
            assertThat(created.exitCode()).as(created.output()).isZero();
            JsonNode p = JSON.readTree(created.output().lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
            String id = p.get("proposalId").asText();
            assertThat(p.get("state").asText()).isEqualTo("Open");

            ConsortClient carol = ConsortClient.connect(net.at("/nodes/0/url").asText(), Path.of(net.get("serviceCert").asText()),
                    carolCert, tmp.resolve("carol_privk.pem"));
            assertThat(carol.postJson("/app/log/private", Map.of("id", 7, "msg", "not yet")).status()).isEqualTo(403);

            ConsortProcess.Result v0 = ConsortProcess.run(Duration.ofSeconds(60), "gov", "vote", id, "--accept",
                    "--network", network.toString(), "--member", "0");
            assertThat(v0.output()).contains(id + " Open");
            ConsortProcess.Result v1 = ConsortProcess.run(Duration.ofSeconds(60), "gov", "vote", id, "--accept",
                    "--network", network.toString(), "--member", "1");
            assertThat(v1.exitCode()).as(v1.output()).isZero();
            assertThat(v1.output()).contains(id + " Accepted");

            // A vote on a closed proposal is refused with exit code 1.
            ConsortProcess.Result late = ConsortProcess.run(Duration.ofSeconds(60), "gov", "vote", id, "--reject",
                    "--network", network.toString(), "--member", "2");
            assertThat(late.exitCode()).isEqualTo(1);
            assertThat(late.output()).contains("PROPOSAL_NOT_OPEN");

            assertThat(carol.postJson("/app/log/private", Map.of("id", 7, "msg", "admitted")).status()).isEqualTo(200);
            ConsortProcess.Result list = ConsortProcess.run(Duration.ofSeconds(60), "gov", "list", "--network", network.toString());
            assertThat(list.output()).contains(id + " Accepted");

            // Only its proposer withdraws an Open proposal; a Withdrawn one takes no more votes.
            Path snapshot = tmp.resolve("snapshot.json");
            Files.writeString(snapshot, "{\"actions\": [{\"name\": \"trigger_snapshot\", \"args\": {}}]}");
            ConsortProcess.Result proposed = ConsortProcess.run(Duration.ofSeconds(60), "gov", "propose", snapshot.toString(),
                    "--network", network.toString(), "--member", "0");
            assertThat(proposed.exitCode()).as(proposed.output()).isZero();
            String id2 = proposed.output().lines().filter(l -> l.endsWith(" Open")).findFirst().orElseThrow().split(" ")[0];
            ConsortProcess.Result notProposer = ConsortProcess.run(Duration.ofSeconds(60), "gov", "withdraw", id2,
                    "--network", network.toString(), "--member", "1");
            assertThat(notProposer.exitCode()).as(notProposer.output()).isEqualTo(1);
            assertThat(notProposer.output()).contains("NOT_PROPOSER");
            ConsortProcess.Result withdrawn = ConsortProcess.run(Duration.ofSeconds(60), "gov", "withdraw", id2,
                    "--network", network.toString(), "--member", "0");
            assertThat(withdrawn.exitCode()).as(withdrawn.output()).isZero();
            assertThat(withdrawn.output()).contains(id2 + " Withdrawn");
            ConsortProcess.Result afterWithdrawal = ConsortProcess.run(Duration.ofSeconds(60), "gov", "vote", id2, "--accept",
                    "--network", network.toString(), "--member", "1");
            assertThat(afterWithdrawal.exitCode()).isEqualTo(1);
            assertThat(afterWithdrawal.output()).contains("PROPOSAL_NOT_OPEN");
            ConsortProcess.Result shown = ConsortProcess.run(Duration.ofSeconds(60), "gov", "show", id2,
                    "--network", network.toString());
            assertThat(shown.output()).contains(id2 + " Withdrawn");
            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }
    }
}
