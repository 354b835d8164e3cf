package org.consort.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.consort.common.Hex;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;
import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;

/**
 * Proposals, ballots, withdrawals and member acks, decided by the constitution in the store.
 *
 * <p>Each state-changing call takes a {@link WriteTx}, the signed envelope and the node's
 * current time; it verifies the envelope ({@link SignedRequest#verify}), writes the outcome to
 * the governance maps and returns it. A refused request throws {@link GovernanceRefusal}
 * before anything is written, so the caller may commit the transaction or drop it; on a
 * refusal it should drop it. After a proposal or ballot is recorded the constitution's
 * {@code resolve} runs with every ballot's vote; Accepted runs {@code apply}, whose writes
 * land only if every action succeeds. A script that throws or hits a cap makes the proposal
 * Failed. Applying a new constitution drops every other Open proposal.
 *
 * <p>Thread-safe if the runtime is (it is); each call uses only its own transaction.
 */
public final class GovernanceService {
    private static final List<String> CONSTITUTION_EXPORTS = List.of("validate", "resolve", "apply");

    private final ConstitutionRuntime runtime;
    private final Duration requestWindow;

    /** {@code requestWindow}: how far a request's created_at may be from the node's time. */
    public GovernanceService(ConstitutionRuntime runtime, Duration requestWindow) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.requestWindow = Objects.requireNonNull(requestWindow, "requestWindow");
        if (requestWindow.isNegative() || requestWindow.isZero()) {
            throw new IllegalArgumentException("request window must be positive");
        }
    }

    public Duration requestWindow() {
        return requestWindow;
    }

    /** Writes the first governance state of a new service. Checks the constitution loads. */
    public void initialize(WriteTx tx, Genesis genesis) {
        runtime.checkExports("constitution", genesis.constitution(), CONSTITUTION_EXPORTS);
        GovStore store = new GovStore(tx);
        ObjectNode service = Json.newObject().put("cert", genesis.serviceCertPem())
                .put("status", ServiceStatus.Opening.name());
        store.put(GovMaps.SERVICE_INFO, GovMaps.SERVICE_KEY, Json.write(service));
        GovApi api = new GovApi(store, true, "genesis");
        int recoveryMembers = 0;
        for (Genesis.Member m : genesis.members()) {
            ArrayNode args = Json.MAPPER.createArrayNode().add(m.certPem());
            args.add(m.encryptionKeyPem());
            args.add(m.memberDataJson() == null ? null : Json.parse(m.memberDataJson(), "member data"));
            String id = Json.parse(api.call("setMember", args), "member id").asText();
            ObjectNode info = Json.object(store.get(GovMaps.MEMBER_INFO, id).orElseThrow(), "member info");
            info.put("status", m.status().name());
            store.put(GovMaps.MEMBER_INFO, id, Json.write(info));
            if (m.encryptionKeyPem() != null && m.status() == MemberStatus.Active) {
                recoveryMembers++;
            }
        }
        for (String user : genesis.userCertPems()) {
            api.call("setUser", Json.MAPPER.createArrayNode().add(user).addNull());
        }
        store.put(GovMaps.CONSTITUTION, GovMaps.CONSTITUTION_KEY, genesis.constitution());
        if (genesis.recoveryThreshold() != 0) {
            if (genesis.recoveryThreshold() < 0 || genesis.recoveryThreshold() > recoveryMembers) {
                throw new IllegalArgumentException("recovery threshold " + genesis.recoveryThreshold()
                        + " must be from 1 to the " + recoveryMembers + " Active members with encryption keys");
            }
            store.put(GovMaps.RECOVERY_THRESHOLD, GovMaps.RECOVERY_THRESHOLD_KEY,
                    Integer.toString(genesis.recoveryThreshold()));
        }
        store.flush();
    }

    /**
     * Records a member's signed proposal ({@code {"actions": [...]}}), validates it with the
     * constitution and resolves it at once (a single-member service accepts it on the spot only
     * once that member votes). The proposal id is the hex SHA-256 of the envelope.
     */
    public ProposalStatus submitProposal(WriteTx tx, byte[] envelope, Instant now) {
        SignedRequest req = SignedRequest.verify(tx, envelope, MessageType.PROPOSAL, null, now, requestWindow);
        String text = req.payloadText();
        try {
            JsonNode p = Json.parse(text, "proposal");
            if (!p.isObject() || !p.path("actions").isArray()) {
                throw new IllegalArgumentException("a proposal is a JSON object with an \"actions\" array");
            }
        } catch (IllegalArgumentException e) {
            throw new GovernanceRefusal(RefusalCode.BAD_PAYLOAD, e.getMessage());
        }
        String constitution = currentConstitution(tx);
        String proposalId = req.digestHex();
        Optional<String> failure = Optional.empty();
        try {
            JsonNode result = runtime.invoke("constitution", constitution, "validate",
                    Json.MAPPER.createArrayNode().add(text), new GovApi(new GovStore(tx), false, proposalId));
            if (!result.path("valid").isBoolean()) {
                failure = Optional.of("validate returned " + Json.write(result) + ", not {valid, description}");
            } else if (!result.path("valid").asBoolean()) {
                throw new GovernanceRefusal(RefusalCode.PROPOSAL_INVALID, result.path("description").asText("invalid"));
            }
        } catch (ScriptFailure e) {
            failure = Optional.of(e.getMessage());
        }
        req.recordAccepted(tx, now, requestWindow);
        tx.write(GovMaps.PROPOSALS).put(proposalId, text);
        tx.write(GovMaps.BALLOTS).put(proposalId, "{}");
        ObjectNode info = Json.newObject().put("proposerId", req.memberId()).put("state", ProposalState.Open.name())
                .put("createdAt", req.createdAtSeconds());
        info.putObject("finalVotes");
        if (failure.isPresent()) {
            info.put("state", ProposalState.Failed.name());
            info.putObject("failure").put("reason", failure.get());
            tx.write(GovMaps.PROPOSALS_INFO).put(proposalId, Json.write(info));
            return status(tx, proposalId).orElseThrow();
        }
        tx.write(GovMaps.PROPOSALS_INFO).put(proposalId, Json.write(info));
        resolveAndApply(tx, proposalId);
        return status(tx, proposalId).orElseThrow();
    }

    /**
     * Records a member's signed ballot ({@code {"ballot": "export function vote(proposal,
     * proposerId) {...}"}}) on an Open proposal, then resolves it.
     */
    public ProposalStatus vote(WriteTx tx, String proposalId, byte[] envelope, Instant now) {
        SignedRequest req = SignedRequest.verify(tx, envelope, MessageType.BALLOT, proposalId, now, requestWindow);
        String id = req.proposalId().orElseThrow();
        openProposal(tx, id);
        String ballot;
        try {
            JsonNode body = Json.object(req.payloadText(), "ballot request");
            if (!body.path("ballot").isTextual()) {
                throw new IllegalArgumentException("a ballot request is {\"ballot\": \"<JavaScript module>\"}");
            }
            ballot = body.path("ballot").asText();
            runtime.checkExports("ballot", ballot, List.of("vote"));
        } catch (IllegalArgumentException | ScriptFailure e) {
            throw new GovernanceRefusal(RefusalCode.BAD_PAYLOAD, e.getMessage());
        }
        ObjectNode ballots = Json.object(tx.read(GovMaps.BALLOTS).get(id).orElse("{}"), "ballots");
        if (ballots.has(req.memberId())) {
            throw new GovernanceRefusal(RefusalCode.ALREADY_VOTED, "member " + req.memberId()
                    + " already voted on proposal " + id);
        }
        req.recordAccepted(tx, now, requestWindow);
        ballots.put(req.memberId(), ballot);
        tx.write(GovMaps.BALLOTS).put(id, Json.write(ballots));
        resolveAndApply(tx, id);
        return status(tx, id).orElseThrow();
    }

    /** Withdraws an Open proposal; only its proposer may. */
    public ProposalStatus withdraw(WriteTx tx, String proposalId, byte[] envelope, Instant now) {
        SignedRequest req = SignedRequest.verify(tx, envelope, MessageType.WITHDRAWAL, proposalId, now, requestWindow);
        String id = req.proposalId().orElseThrow();
        ObjectNode info = openProposal(tx, id);
        if (!req.memberId().equals(info.path("proposerId").asText())) {
            throw new GovernanceRefusal(RefusalCode.NOT_PROPOSER, "only the proposer may withdraw proposal " + id);
        }
        req.recordAccepted(tx, now, requestWindow);
        info.put("state", ProposalState.Withdrawn.name());
        tx.write(GovMaps.PROPOSALS_INFO).put(id, Json.write(info));
        return status(tx, id).orElseThrow();
    }

    /**
     * Sets the digest an Accepted member must sign to become Active (the node passes, e.g., the
     * current Merkle root); returns it as hex.
     */
    public String updateStateDigest(WriteTx tx, String memberId, byte[] digest) {
        if (GovReads.memberStatus(tx, memberId).isEmpty()) {
            throw new GovernanceRefusal(RefusalCode.UNKNOWN_MEMBER, "no member " + memberId);
        }
        String hex = Hex.encode(digest);
        tx.write(GovMaps.MEMBER_ACKS).put(memberId, Json.write(Json.newObject().put("stateDigest", hex)));
        return hex;
    }

    /**
     * A member's signed ack ({@code {"state_digest": hex}} equal to the digest last set by
     * {@link #updateStateDigest}); an Accepted member becomes Active. Returns the member id.
     * The node should then refresh recovery shares ({@link RecoveryShares#issue}).
     */
    public String ack(WriteTx tx, byte[] envelope, Instant now) {
        SignedRequest req = SignedRequest.verify(tx, envelope, MessageType.ACK, null, now, requestWindow);
        String expected = tx.read(GovMaps.MEMBER_ACKS).get(req.memberId())
                .map(j -> Json.object(j, "ack").path("stateDigest").asText())
                .orElseThrow(() -> new GovernanceRefusal(RefusalCode.WRONG_STATE_DIGEST,
                        "no state digest was issued to member " + req.memberId()));
        String given;
        try {
            given = Json.object(req.payloadText(), "ack").path("state_digest").asText("");
        } catch (IllegalArgumentException e) {
            throw new GovernanceRefusal(RefusalCode.BAD_PAYLOAD, e.getMessage());
        }
        if (!expected.equalsIgnoreCase(given)) {
            throw new GovernanceRefusal(RefusalCode.WRONG_STATE_DIGEST, "signed state digest " + given
                    + " is not the one issued, " + expected);
        }
        req.recordAccepted(tx, now, requestWindow);
        ObjectNode info = Json.object(tx.read(GovMaps.MEMBER_INFO).get(req.memberId()).orElseThrow(), "member info");
        info.put("status", MemberStatus.Active.name());
        tx.write(GovMaps.MEMBER_INFO).put(req.memberId(), Json.write(info));
        tx.write(GovMaps.MEMBER_ACKS).remove(req.memberId());
        return req.memberId();
    }

    public Optional<ProposalStatus> getProposal(ReadTx tx, String proposalId) {
        return status(tx, proposalId);
    }

    /** The proposal as signed (its actions), or empty. */
    public Optional<String> getProposalText(ReadTx tx, String proposalId) {
        return tx.read(GovMaps.PROPOSALS).get(proposalId);
    }

    /** Every proposal, in id order. */
    public List<ProposalStatus> listProposals(ReadTx tx) {
        List<String> ids = new ArrayList<>();
        tx.read(GovMaps.PROPOSALS_INFO).forEach((id, j) -> ids.add(id));
        List<ProposalStatus> out = new ArrayList<>();
        ids.forEach(id -> status(tx, id).ifPresent(out::add));
        return out;
    }

    /** A member's ballot script on a proposal, or empty. */
    public Optional<String> getBallot(ReadTx tx, String proposalId, String memberId) {
        return tx.read(GovMaps.BALLOTS).get(proposalId)
                .map(j -> Json.object(j, "ballots").path(memberId))
                .filter(JsonNode::isTextual).map(JsonNode::asText);
    }

    private ObjectNode openProposal(ReadTx tx, String id) {
        ObjectNode info = tx.read(GovMaps.PROPOSALS_INFO).get(id).map(j -> Json.object(j, "proposal info"))
                .orElseThrow(() -> new GovernanceRefusal(RefusalCode.PROPOSAL_NOT_FOUND, "no proposal " + id));
        ProposalState state = ProposalState.valueOf(info.path("state").asText());
        if (state != ProposalState.Open) {
            throw new GovernanceRefusal(RefusalCode.PROPOSAL_NOT_OPEN, "proposal " + id + " is " + state
                    + ", no longer Open");
        }
        return info;
    }

    private String currentConstitution(ReadTx tx) {
        return GovReads.constitution(tx).orElseThrow(() ->
                new IllegalStateException("the service has no constitution: initialize governance first"));
    }

    private void resolveAndApply(WriteTx tx, String id) {
        String text = tx.read(GovMaps.PROPOSALS).get(id).orElseThrow();
        ObjectNode info = Json.object(tx.read(GovMaps.PROPOSALS_INFO).get(id).orElseThrow(), "proposal info");
        String proposer = info.path("proposerId").asText();
        ObjectNode ballots = Json.object(tx.read(GovMaps.BALLOTS).get(id).orElse("{}"), "ballots");
        String constitution = currentConstitution(tx);
        ProposalState outcome;
        String failure = null;
        GovStore staged = new GovStore(tx);
        ObjectNode finalVotes = Json.newObject();
        try {
            ArrayNode votes = Json.MAPPER.createArrayNode();
            Map<String, String> byMember = new LinkedHashMap<>();
            ballots.fields().forEachRemaining(e -> byMember.put(e.getKey(), e.getValue().asText()));
            for (Map.Entry<String, String> b : byMember.entrySet()) {
                JsonNode v = runtime.invoke("ballot", b.getValue(), "vote",
                        Json.MAPPER.createArrayNode().add(text).add(proposer),
                        new GovApi(new GovStore(tx), false, id));
                if (!v.isBoolean()) {
                    throw new ScriptFailure("the ballot of member " + b.getKey() + " returned " + v
                            + ", not a boolean", false);
                }
                finalVotes.put(b.getKey(), v.asBoolean());
                votes.add(Json.newObject().put("member_id", b.getKey()).put("vote", v.asBoolean()));
            }
            JsonNode r = runtime.invoke("constitution", constitution, "resolve",
                    Json.MAPPER.createArrayNode().add(text).add(proposer).add(votes),
                    new GovApi(new GovStore(tx), false, id));
            outcome = switch (r.asText("")) {
                case "Open" -> ProposalState.Open;
                case "Accepted" -> ProposalState.Accepted;
                case "Rejected" -> ProposalState.Rejected;
                default -> throw new ScriptFailure("resolve returned " + r + ", not Open, Accepted or Rejected", false);
            };
            if (outcome == ProposalState.Accepted) {
                runtime.invoke("constitution", constitution, "apply",
                        Json.MAPPER.createArrayNode().add(text).add(id), new GovApi(staged, true, id));
                if (staged.touched(GovMaps.CONSTITUTION)) {
                    String next = staged.get(GovMaps.CONSTITUTION, GovMaps.CONSTITUTION_KEY).orElseThrow();
                    runtime.checkExports("constitution", next, CONSTITUTION_EXPORTS);
                    // A constitution that cannot validate and resolve the very proposal that sets it
                    // (a loop, a throw) would fail every later proposal, its own replacement too:
                    // it is refused, within the same caps, and the old one stays.
                    runtime.invoke("constitution", next, "validate", Json.MAPPER.createArrayNode().add(text),
                            new GovApi(new GovStore(tx), false, id));
                    runtime.invoke("constitution", next, "resolve",
                            Json.MAPPER.createArrayNode().add(text).add(proposer).add(votes),
                            new GovApi(new GovStore(tx), false, id));
                }
            }
        } catch (ScriptFailure e) {
            outcome = ProposalState.Failed;
            failure = e.getMessage();
            staged.discard();
        }
        info.set("finalVotes", finalVotes);
        info.put("state", outcome.name());
        if (failure != null) {
            info.putObject("failure").put("reason", failure);
        }
        boolean newConstitution = staged.touched(GovMaps.CONSTITUTION);
        staged.flush();
        tx.write(GovMaps.PROPOSALS_INFO).put(id, Json.write(info));
        if (newConstitution) {
            dropOpenProposals(tx, id);
        }
    }

    private static void dropOpenProposals(WriteTx tx, String except) {
        Map<String, ObjectNode> open = new LinkedHashMap<>();
        tx.read(GovMaps.PROPOSALS_INFO).forEach((pid, j) -> {
            ObjectNode info = Json.object(j, "proposal info");
            if (!pid.equals(except) && ProposalState.Open.name().equals(info.path("state").asText())) {
                open.put(pid, info);
            }
        });
        open.forEach((pid, info) -> {
            info.put("state", ProposalState.Dropped.name());
            tx.write(GovMaps.PROPOSALS_INFO).put(pid, Json.write(info));
        });
    }

    private static Optional<ProposalStatus> status(ReadTx tx, String id) {
        return tx.read(GovMaps.PROPOSALS_INFO).get(id).map(j -> {
            ObjectNode info = Json.object(j, "proposal info");
            Map<String, Boolean> votes = new LinkedHashMap<>();
            info.path("finalVotes").fields().forEachRemaining(e -> votes.put(e.getKey(), e.getValue().asBoolean()));
            int ballotCount = tx.read(GovMaps.BALLOTS).get(id).map(b -> Json.object(b, "ballots").size()).orElse(0);
            Optional<String> failure = info.has("failure")
                    ? Optional.of(info.path("failure").path("reason").asText()) : Optional.empty();
            return new ProposalStatus(id, info.path("proposerId").asText(),
                    ProposalState.valueOf(info.path("state").asText()), info.path("createdAt").asLong(),
                    ballotCount, votes, failure);
        });
    }

    /** The member id (key id) of a certificate PEM. */
    public static String memberId(String certPem) {
        return Certificates.keyId(Pem.readCertificate(certPem));
    }
}
