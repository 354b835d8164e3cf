package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Governance through a node over HTTPS: the service opens by vote; refused requests write nothing. */
class GovernanceNodeTest {
    @TempDir
    Path dir;
    TestNetwork net;
    Node node;

    @BeforeEach
    void start() throws Exception {
        net = new TestNetwork(dir, 10);
        node = Node.start(net.config);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void usersWaitUntilMembersOpenTheService() throws Exception {
        ConsortClient user = net.user(node);
        ConsortClient.Response before = user.postJson("/app/log/private", Map.of("id", 1, "msg", "too early"));
        assertThat(before.status()).isEqualTo(403);
        assertThat(before.json().at("/error/code").asText()).isEqualTo("ServiceNotOpen");
        assertThat(net.anonymous(node).get("/gov/service/info").json().get("status").asText()).isEqualTo("Opening");

        MemberClient member = net.memberClient(node);
        // An Accepted member cannot propose before acknowledging the state digest.
        ConsortClient.Response early = member.propose("{\"actions\": [{\"name\": \"transition_service_to_open\", \"args\": {}}]}");
        assertThat(early.status()).isEqualTo(403);

        String proposal = MemberClient.openService(List.of(member), Duration.ofSeconds(30));
        assertThat(member.proposal(proposal).json().get("state").asText()).isEqualTo("Accepted");
        assertThat(user.postJson("/app/log/private", Map.of("id", 1, "msg", "now")).status()).isEqualTo(200);
        assertThat(net.anonymous(node).get("/gov/service/members").json().at("/value/0/status").asText())
                .isEqualTo("Active");
    }

    @Test
    void forgedReplayedAndMistypedRequestsAreRefusedAndRecordNothing() throws Exception {
        MemberClient member = net.memberClient(node);
        assertThat(member.activate().status()).isEqualTo(200);
        TestNetwork.awaitSigned(node); // let the signature of the ack land before counting
        long before = node.lastSeqno();

        byte[] envelope = member.sign("proposal", null,
                "{\"actions\": [{\"name\": \"set_recovery_threshold\", \"args\": {\"recovery_threshold\": 1}}]}".getBytes());
        byte[] forged = envelope.clone();
        forged[forged.length - 5] ^= 1; // inside the signature
        assertThat(post(member, "/gov/members/proposals:create", forged).status()).isEqualTo(401);
        // A ballot envelope sent to the proposal endpoint is the wrong type.
        byte[] ballot = member.sign("ballot", "abc", "{}".getBytes());
        assertThat(post(member, "/gov/members/proposals:create", ballot).status()).isEqualTo(400);
        assertThat(post(member, "/gov/members/proposals:create", "not cose".getBytes()).status()).isEqualTo(400);
        MemberClient stranger = MemberClient.connect("https://127.0.0.1:" + node.port(), net.serviceCert(),
                net.strangerCert, net.strangerKey);
        assertThat(stranger.propose("{\"actions\": []}").status()).isIn(401, 403);
        ConsortClient.Response unknownAction = member.propose("{\"actions\": [{\"name\": \"make_me_king\", \"args\": {}}]}");
        assertThat(unknownAction.status()).isEqualTo(400);
        Thread.sleep(100);
        assertThat(node.lastSeqno()).as("refused requests write nothing").isEqualTo(before);

        // The first time it is accepted, a replay is refused.
        ConsortClient.Response ok = post(member, "/gov/members/proposals:create", envelope);
        assertThat(ok.status()).isEqualTo(200);
        ConsortClient.Response replay = post(member, "/gov/members/proposals:create", envelope);
        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.json().at("/error/code").asText()).isEqualTo("REPLAYED_REQUEST");
    }

    @Test
    void ledgerRekeyByVoteKeepsOldAndNewRecordsReadableAcrossRestart() throws Exception {
        MemberClient member = net.memberClient(node);
        MemberClient.openService(List.of(member), Duration.ofSeconds(30));
        ConsortClient user = net.user(node);
        assertThat(user.postJson("/app/log/private", Map.of("id", 1, "msg", "before rekey")).status()).isEqualTo(200);
        assertThat(node.ledgerSecretVersion()).isEqualTo(1);

        String id = member.propose("{\"actions\": [{\"name\": \"trigger_ledger_rekey\", \"args\": {}}]}")
                .json().get("proposalId").asText();
        assertThat(member.vote(id, MemberClient.ACCEPT_BALLOT).json().get("state").asText()).isEqualTo("Accepted");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (node.ledgerSecretVersion() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the rekey happens once the accepted proposal is committed
        }
        assertThat(node.ledgerSecretVersion()).isEqualTo(2);
        String tx = user.postJson("/app/log/private", Map.of("id", 2, "msg", "after rekey")).transactionId().orElseThrow();
        assertThat(user.awaitStatus(tx, Duration.ofSeconds(10))).isEqualTo("Committed");

        node.close();
        node = Node.start(net.config);
        ConsortClient again = net.user(node);
        assertThat(again.get("/app/log/private?id=1").json().get("msg").asText()).isEqualTo("before rekey");
        assertThat(again.get("/app/log/private?id=2").json().get("msg").asText()).isEqualTo("after rekey");
        assertThat(again.get("/node/state").json().get("ledgerSecretVersion").asInt()).isEqualTo(2);
    }

    @Test
    void ackAnswersTheMembersNewStatusAndItsId() throws Exception {
        MemberClient member = net.memberClient(node);
        assertThat(net.anonymous(node).get("/gov/service/members").json().at("/value/0/status").asText())
                .isEqualTo("Accepted");
        ConsortClient.Response ack = member.activate(); // :update, then the signed :ack
        assertThat(ack.status()).as(ack.text()).isEqualTo(200);
        // The status is the member's status after the ack, not its id; the id has its own field.
        assertThat(ack.json().get("status").asText()).isEqualTo("Active");
        assertThat(ack.json().get("memberId").asText()).isEqualTo(member.memberId());
        assertThat(net.anonymous(node).get("/gov/service/members").json().at("/value/0/status").asText())
                .isEqualTo("Active");
    }

    @Test
    void onlyTheProposerWithdrawsAnOpenProposalWhichThenTakesNoBallots() throws Exception {
        MemberClient member = net.memberClient(node);
        assertThat(member.activate().status()).isEqualTo(200);
        // A second Active member, admitted by vote, so that a proposal stays Open without a majority.
        String admit = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(Map.of("actions",
                List.of(Map.of("name", "set_member", "args", Map.of("cert", java.nio.file.Files.readString(net.strangerCert))))));
        String admitted = member.propose(admit).json().get("proposalId").asText();
        assertThat(member.vote(admitted, MemberClient.ACCEPT_BALLOT).json().get("state").asText()).isEqualTo("Accepted");
        MemberClient other = MemberClient.connect("https://127.0.0.1:" + node.port(), net.serviceCert(),
                net.strangerCert, net.strangerKey);
        ConsortClient.Response otherAck = other.activate();
        assertThat(otherAck.status()).as(otherAck.text()).isEqualTo(200);
        assertThat(otherAck.json().get("status").asText()).isEqualTo("Active");

        ConsortClient.Response created = member.propose("{\"actions\": [{\"name\": \"transition_service_to_open\", \"args\": {}}]}");
        String id = created.json().get("proposalId").asText();
        assertThat(created.json().get("state").asText()).isEqualTo("Open");

        // Another member may not withdraw it.
        ConsortClient.Response notProposer = other.withdraw(id);
        assertThat(notProposer.status()).as(notProposer.text()).isEqualTo(403);
        assertThat(notProposer.json().at("/error/code").asText()).isEqualTo("NOT_PROPOSER");
        assertThat(member.proposal(id).json().get("state").asText()).isEqualTo("Open");
        // The documented path is routed to withdraw, not to GET /gov/members/proposals/{proposalId}.
        ConsortClient.Response get = net.anonymous(node).get("/gov/members/proposals/" + id + ":withdraw");
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.text()).contains("allowed: POST");

        ConsortClient.Response withdrawn = member.withdraw(id);
        assertThat(withdrawn.status()).as(withdrawn.text()).isEqualTo(200);
        assertThat(withdrawn.json().get("proposalId").asText()).isEqualTo(id);
        assertThat(withdrawn.json().get("state").asText()).isEqualTo("Withdrawn");
        assertThat(net.anonymous(node).get("/gov/members/proposals/" + id).json().get("state").asText())
                .isEqualTo("Withdrawn");

        // Withdrawn is final: no ballots, no second withdrawal.
        for (MemberClient m : List.of(member, other)) {
            ConsortClient.Response late = m.vote(id, MemberClient.ACCEPT_BALLOT);
            assertThat(late.status()).as(late.text()).isEqualTo(409);
            assertThat(late.json().at("/error/code").asText()).isEqualTo("PROPOSAL_NOT_OPEN");
        }
        ConsortClient.Response again = member.withdraw(id);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().at("/error/code").asText()).isEqualTo("PROPOSAL_NOT_OPEN");
        assertThat(member.proposal(id).json().get("state").asText()).isEqualTo("Withdrawn");
        assertThat(member.withdraw("00".repeat(32)).status()).isEqualTo(404);
    }

    private static ConsortClient.Response post(MemberClient m, String path, byte[] body) throws Exception {
        return m.http().send(java.net.http.HttpRequest.newBuilder(m.http().baseUri().resolve(path))
                .header("content-type", "application/cose")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)));
    }
}
