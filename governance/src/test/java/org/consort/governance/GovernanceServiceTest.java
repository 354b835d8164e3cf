package org.consort.governance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;
import org.consort.kv.WriteTx;
import org.junit.jupiter.api.Test;

class GovernanceServiceTest {

    private static final String SNAPSHOT = GovFixture.action("trigger_snapshot", "{}");

    private static GovernanceRefusal refusal(Runnable r) {
        try {
            r.run();
        } catch (GovernanceRefusal e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void majorityOfThreeAcceptsWithTwoVotes() {
        GovFixture f = new GovFixture(3, false, 0);
        String user = GovFixture.identity("user", EcCurve.P256).certificatePem();
        ProposalStatus p = f.propose(0, GovFixture.action("set_user", "{\"cert\":" + GovFixture.quote(user) + "}"));
        assertThat(p.state()).isEqualTo(ProposalState.Open);
        assertThat(f.vote(0, p.proposalId(), true).state()).isEqualTo(ProposalState.Open);
        ProposalStatus done = f.vote(1, p.proposalId(), true);
        assertThat(done.state()).isEqualTo(ProposalState.Accepted);
        assertThat(done.votes()).hasSize(2).containsValues(true);
        assertThat(f.store.readTx().read(GovMaps.USER_CERTS).containsKey(GovernanceService.memberId(user))).isTrue();
    }

    @Test
    void majorityOfSevenNeedsFourAndRejectsWhenUnreachable() {
        GovFixture f = new GovFixture(7, false, 0);
        String id = f.propose(0, SNAPSHOT).proposalId();
        for (int i = 0; i < 3; i++) {
            assertThat(f.vote(i, id, true).state()).isEqualTo(ProposalState.Open);
        }
        assertThat(f.vote(3, id, true).state()).isEqualTo(ProposalState.Accepted);
        assertThat(f.store.readTx().read(GovMaps.SERVICE_REQUESTS).get(GovMaps.REQUEST_SNAPSHOT)).isPresent();

        String id2 = f.propose(1, GovFixture.action("trigger_ledger_rekey", "{}")).proposalId();
        for (int i = 0; i < 3; i++) {
            assertThat(f.vote(i, id2, false).state()).isEqualTo(ProposalState.Open);
        }
        assertThat(f.vote(3, id2, false).state()).isEqualTo(ProposalState.Rejected);
        assertThat(f.store.readTx().read(GovMaps.SERVICE_REQUESTS).get(GovMaps.REQUEST_LEDGER_REKEY)).isEmpty();
    }

    @Test
    void unanimityConstitutionStopsATwoOfThreeVote() {
        GovFixture f = new GovFixture(3, false, 0);
        String unanimity = DefaultConstitution.text().replace("return Math.floor(n / 2) + 1;", "return n;");
        assertThat(unanimity).isNotEqualTo(DefaultConstitution.text());
        String id = f.propose(0, GovFixture.action("set_constitution",
                "{\"constitution\":" + GovFixture.quote(unanimity) + "}")).proposalId();
        String pending = f.propose(2, SNAPSHOT).proposalId();
        f.vote(0, id, true);
        assertThat(f.vote(1, id, true).state()).isEqualTo(ProposalState.Accepted);
        assertThat(GovReads.constitution(f.store.readTx())).contains(unanimity);
        assertThat(f.gov.getProposal(f.store.readTx(), pending).orElseThrow().state()).isEqualTo(ProposalState.Dropped);

        String next = f.propose(0, SNAPSHOT).proposalId();
        f.vote(0, next, true);
        assertThat(f.vote(1, next, true).state()).isEqualTo(ProposalState.Open);
        assertThat(f.vote(2, next, true).state()).isEqualTo(ProposalState.Accepted);
    }

    @Test
    void refusesForgedSignature() {
        GovFixture f = new GovFixture(3, false, 0);
        Identity impostor = GovFixture.identity("impostor", EcCurve.P256);
        // Signed with another key but claiming member 0's id.
        Identity forged = new Identity(impostor.privateKey(), f.members.get(0).certificate());
        byte[] env = GovFixture.signed(forged, MessageType.PROPOSAL, null, SNAPSHOT, GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, env, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.BAD_SIGNATURE);
        assertThat(f.gov.listProposals(f.store.readTx())).isEmpty();
    }

    @Test
    void refusesUnknownMember() {
        GovFixture f = new GovFixture(1, false, 0);
        byte[] env = GovFixture.signed(GovFixture.identity("stranger", EcCurve.P256), MessageType.PROPOSAL, null,
                SNAPSHOT, GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, env, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.UNKNOWN_MEMBER);
    }

    @Test
    void refusesRetiredMember() {
        GovFixture f = new GovFixture(3, false, 0);
        String retired = f.members.get(2).id();
        String id = f.propose(0, GovFixture.action("remove_member", "{\"member_id\":\"" + retired + "\"}")).proposalId();
        f.vote(0, id, true);
        assertThat(f.vote(1, id, true).state()).isEqualTo(ProposalState.Accepted);
        assertThat(refusal(() -> f.propose(2, SNAPSHOT)).code()).isEqualTo(RefusalCode.UNKNOWN_MEMBER);
        // Two members left: both are needed now.
        String next = f.propose(0, SNAPSHOT).proposalId();
        assertThat(f.vote(0, next, true).state()).isEqualTo(ProposalState.Open);
    }

    @Test
    void refusesReplayedEnvelopeEvenAfterRestartFromSnapshot() {
        GovFixture f = new GovFixture(3, false, 0);
        byte[] env = GovFixture.signed(f.members.get(0), MessageType.PROPOSAL, null, SNAPSHOT, GovFixture.NOW);
        f.run(tx -> f.gov.submitProposal(tx, env, GovFixture.NOW));
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, env, GovFixture.NOW.plusSeconds(10)))).code())
                .isEqualTo(RefusalCode.REPLAYED_REQUEST);
        var restarted = org.consort.kv.Store.fromSnapshot(org.consort.kv.StoreConfig.defaults(),
                f.store.snapshot(f.store.version()));
        WriteTx tx = restarted.writeTx();
        assertThat(refusal(() -> f.gov.submitProposal(tx, env, GovFixture.NOW)).code())
                .isEqualTo(RefusalCode.REPLAYED_REQUEST);
    }

    @Test
    void refusesStaleAndFutureCreatedAt() {
        GovFixture f = new GovFixture(1, false, 0);
        byte[] old = GovFixture.signed(f.members.get(0), MessageType.PROPOSAL, null, SNAPSHOT,
                GovFixture.NOW.minus(Duration.ofMinutes(6)));
        byte[] future = GovFixture.signed(f.members.get(0), MessageType.PROPOSAL, null, SNAPSHOT,
                GovFixture.NOW.plus(Duration.ofMinutes(6)));
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, old, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.STALE_REQUEST);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, future, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.STALE_REQUEST);
    }

    @Test
    void refusesWrongMessageTypeAndMismatchedProposalId() {
        GovFixture f = new GovFixture(3, false, 0);
        String id = f.propose(0, SNAPSHOT).proposalId();
        byte[] ballotAsProposal = GovFixture.signed(f.members.get(0), MessageType.BALLOT, id, SNAPSHOT, GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, ballotAsProposal, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.WRONG_MESSAGE_TYPE);
        byte[] ballot = GovFixture.signed(f.members.get(1), MessageType.BALLOT, id,
                "{\"ballot\":" + GovFixture.quote(DefaultConstitution.ACCEPT_BALLOT) + "}", GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.vote(tx, "other", ballot, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.PROPOSAL_ID_MISMATCH);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, "garbage".getBytes(), GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.MALFORMED_ENVELOPE);
    }

    @Test
    void refusesUnknownActionAndWrongArguments() {
        GovFixture f = new GovFixture(1, false, 0);
        GovernanceRefusal unknown = refusal(() -> f.propose(0, GovFixture.action("make_me_king", "{}")));
        assertThat(unknown.code()).isEqualTo(RefusalCode.PROPOSAL_INVALID);
        assertThat(unknown.getMessage()).contains("unknown action 'make_me_king'");
        GovernanceRefusal wrongArgs = refusal(() -> f.propose(0, GovFixture.action("set_recovery_threshold",
                "{\"recovery_threshold\":\"two\"}")));
        assertThat(wrongArgs.code()).isEqualTo(RefusalCode.PROPOSAL_INVALID);
        assertThat(wrongArgs.getMessage()).contains("recovery_threshold must be an integer");
        GovernanceRefusal extra = refusal(() -> f.propose(0, GovFixture.action("trigger_snapshot", "{\"now\":1}")));
        assertThat(extra.getMessage()).contains("unexpected argument 'now'");
        GovernanceRefusal badCert = refusal(() -> f.propose(0, GovFixture.action("set_user", "{\"cert\":\"nope\"}")));
        assertThat(badCert.getMessage()).contains("not a PEM certificate");
        assertThat(f.gov.listProposals(f.store.readTx())).isEmpty();
    }

    @Test
    void refusesVoteOnClosedProposalDoubleVoteAndForeignWithdrawal() {
        GovFixture f = new GovFixture(3, false, 0);
        String id = f.propose(0, SNAPSHOT).proposalId();
        f.vote(0, id, true);
        assertThat(refusal(() -> f.vote(0, id, true)).code()).isEqualTo(RefusalCode.ALREADY_VOTED);
        byte[] withdrawal = GovFixture.signed(f.members.get(1), MessageType.WITHDRAWAL, id, "{}", GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.withdraw(tx, id, withdrawal, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.NOT_PROPOSER);
        f.vote(1, id, true);
        assertThat(refusal(() -> f.vote(2, id, true)).code()).isEqualTo(RefusalCode.PROPOSAL_NOT_OPEN);

        String id2 = f.propose(1, SNAPSHOT).proposalId();
        byte[] own = GovFixture.signed(f.members.get(1), MessageType.WITHDRAWAL, id2, "{}", GovFixture.NOW);
        assertThat(f.run(tx -> f.gov.withdraw(tx, id2, own, GovFixture.NOW)).state()).isEqualTo(ProposalState.Withdrawn);
        assertThat(refusal(() -> f.vote(0, id2, true)).code()).isEqualTo(RefusalCode.PROPOSAL_NOT_OPEN);
        assertThat(refusal(() -> f.vote(0, "nope", true)).code()).isEqualTo(RefusalCode.PROPOSAL_NOT_FOUND);
    }

    @Test
    void acceptedMemberMustAckBeforeProposing() {
        GovFixture f = new GovFixture(1, false, 0);
        Identity newcomer = GovFixture.identity("newcomer", EcCurve.P256);
        String id = f.propose(0, GovFixture.action("set_member",
                "{\"cert\":" + GovFixture.quote(newcomer.certificatePem()) + ",\"member_data\":{\"org\":\"x\"}}")).proposalId();
        assertThat(f.vote(0, id, true).state()).isEqualTo(ProposalState.Accepted);
        byte[] early = GovFixture.signed(newcomer, MessageType.PROPOSAL, null, SNAPSHOT, GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.submitProposal(tx, early, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.MEMBER_NOT_ACTIVE);
        String digest = f.run(tx -> f.gov.updateStateDigest(tx, newcomer.id(), new byte[] {1, 2, 3}));
        byte[] wrongAck = GovFixture.signed(newcomer, MessageType.ACK, null, "{\"state_digest\":\"00\"}", GovFixture.NOW);
        assertThat(refusal(() -> f.run(tx -> f.gov.ack(tx, wrongAck, GovFixture.NOW))).code())
                .isEqualTo(RefusalCode.WRONG_STATE_DIGEST);
        byte[] ack = GovFixture.signed(newcomer, MessageType.ACK, null, "{\"state_digest\":\"" + digest + "\"}",
                GovFixture.NOW);
        f.run(tx -> f.gov.ack(tx, ack, GovFixture.NOW));
        assertThat(GovReads.memberStatus(f.store.readTx(), newcomer.id())).contains(MemberStatus.Active);
        assertThat(f.run(tx -> f.gov.submitProposal(tx, early, GovFixture.NOW)).state()).isEqualTo(ProposalState.Open);
    }

    @Test
    void failingActionLeavesNoPartialWrites() {
        GovFixture f = new GovFixture(1, false, 0);
        String user = GovFixture.identity("user", EcCurve.P256).certificatePem();
        // set_user succeeds, then transition_node_to_trusted names a node that was removed meanwhile.
        f.run(tx -> {
            tx.write(GovMaps.NODES).put("n1", "{\"status\":\"Pending\"}");
            return null;
        });
        String id = f.propose(0, "{\"actions\":[{\"name\":\"set_user\",\"args\":{\"cert\":" + GovFixture.quote(user)
                + "}},{\"name\":\"transition_node_to_trusted\",\"args\":{\"node_id\":\"n1\"}}]}").proposalId();
        f.run(tx -> {
            tx.write(GovMaps.NODES).remove("n1");
            return null;
        });
        ProposalStatus p = f.vote(0, id, true);
        assertThat(p.state()).isEqualTo(ProposalState.Failed);
        assertThat(p.failure()).hasValueSatisfying(r -> assertThat(r).contains("no node n1"));
        assertThat(f.store.readTx().read(GovMaps.USER_CERTS).size()).isZero();
    }

    @Test
    void looping_and_allocating_scripts_fail_the_proposal_and_the_engine_stays_usable() {
        GovFixture f = new GovFixture(1, false, 0);
        String loop = "export function vote(p, id) { while (true) {} }";
        String id = f.propose(0, SNAPSHOT).proposalId();
        ProposalStatus p = f.ballot(0, id, loop);
        assertThat(p.state()).isEqualTo(ProposalState.Failed);
        assertThat(p.failure()).hasValueSatisfying(r -> assertThat(r).contains("stopped"));

        String hog = "export function vote(p, id) { const a = []; for (;;) { a.push(new Array(4096).fill(1.5)); } }";
        String id2 = f.propose(0, GovFixture.action("trigger_ledger_rekey", "{}")).proposalId();
        ProposalStatus p2 = f.ballot(0, id2, hog);
        assertThat(p2.state()).isEqualTo(ProposalState.Failed);
        assertThat(p2.failure()).hasValueSatisfying(r -> assertThat(r).contains("stopped"));

        // A constitution whose resolve loops would fail every later proposal, its own replacement
        // too: it is tried on the proposal that sets it, stopped by the caps, and refused.
        String looping = DefaultConstitution.text().replace("const active = gov.activeMemberIds();",
                "while (true) {} const active = gov.activeMemberIds();");
        String id3 = f.propose(0, GovFixture.action("set_constitution",
                "{\"constitution\":" + GovFixture.quote(looping) + "}")).proposalId();
        ProposalStatus p3 = f.vote(0, id3, true);
        assertThat(p3.state()).isEqualTo(ProposalState.Failed);
        assertThat(p3.failure()).hasValueSatisfying(r -> assertThat(r).contains("resolve was stopped"));
        assertThat(GovReads.constitution(f.store.readTx())).contains(DefaultConstitution.text());
        String id4 = f.propose(0, SNAPSHOT).proposalId();
        assertThat(f.vote(0, id4, true).state()).isEqualTo(ProposalState.Accepted);

        var ok = GovFixture.RUNTIME.invoke("t", "export function f(x) { return x + 1; }", "f",
                Json.MAPPER.createArrayNode().add(41), ConstitutionRuntime.NO_HOST);
        assertThat(ok.asInt()).isEqualTo(42);
    }
}
