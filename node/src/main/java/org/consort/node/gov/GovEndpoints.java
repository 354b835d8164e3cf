package org.consort.node.gov;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.function.Supplier;
import org.consort.crypto.CoseSign1;
import org.consort.governance.GovMaps;
import org.consort.governance.GovReads;
import org.consort.governance.GovernanceRefusal;
import org.consort.governance.GovernanceService;
import org.consort.governance.ProposalStatus;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.auth.Caller;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;

/**
 * The governance API under {@code /gov}, shaped like CCF's: members create proposals, vote
 * and withdraw with COSE Sign1 envelopes; anyone may read proposals, ballots and the service's
 * members, users, nodes and constitution (they are public maps, plaintext in the ledger).
 * A refused request writes nothing.
 */
public final class GovEndpoints {
    private final GovernanceService governance;
    private final InstantSource clock;
    private final Supplier<byte[]> stateDigest;

    /** @param stateDigest the current Merkle root, which members acknowledge to become Active */
    public GovEndpoints(GovernanceService governance, InstantSource clock, Supplier<byte[]> stateDigest) {
        this.governance = governance;
        this.clock = clock;
        this.stateDigest = stateDigest;
    }

    public void register(EndpointRegistry registry) {
        String p = "/gov/members/proposals";
        registry.post(p + ":create", AuthPolicy.MEMBER_SIGNATURE)
                .summary("Create a proposal: COSE Sign1 envelope (msg_type \"proposal\") of {\"actions\": [...]}")
                .readWrite((ctx, tx) -> status(refusals(() -> governance.submitProposal(tx, ctx.body(), clock.instant()))));
        registry.get(p, AuthPolicy.NO_AUTH)
                .summary("All proposals with their state")
                .readOnly((ctx, tx) -> {
                    ObjectNode out = Json.object();
                    ArrayNode list = out.putArray("value");
                    governance.listProposals(tx).forEach(s -> list.add(parse(s.toJson())));
                    return out;
                });
        registry.get(p + "/{proposalId}", AuthPolicy.NO_AUTH)
                .summary("A proposal's state and votes")
                .readOnly((ctx, tx) -> status(governance.getProposal(tx, ctx.pathParam("proposalId"))
                        .orElseThrow(() -> notFound(ctx.pathParam("proposalId")))));
        registry.get(p + "/{proposalId}/actions", AuthPolicy.NO_AUTH)
                .summary("The actions of a proposal, as its proposer signed them")
                .readOnly((ctx, tx) -> parse(governance.getProposalText(tx, ctx.pathParam("proposalId"))
                        .orElseThrow(() -> notFound(ctx.pathParam("proposalId")))));
        registry.post(p + "/{proposalId}:withdraw", AuthPolicy.MEMBER_SIGNATURE)
                .summary("Withdraw an open proposal: envelope (msg_type \"withdrawal\") from its proposer")
                .readWrite((ctx, tx) -> status(refusals(() ->
                        governance.withdraw(tx, ctx.pathParam("proposalId"), ctx.body(), clock.instant()))));
        registry.post(p + "/{proposalId}/ballots/{memberId}:submit", AuthPolicy.MEMBER_SIGNATURE)
                .summary("Vote: envelope (msg_type \"ballot\") of {\"ballot\": \"export function vote(proposal, proposerId) {...}\"}")
                .readWrite((ctx, tx) -> {
                    requireSigner(ctx, ctx.pathParam("memberId"));
                    return status(refusals(() -> governance.vote(tx, ctx.pathParam("proposalId"), ctx.body(), clock.instant())));
                });
        registry.get(p + "/{proposalId}/ballots/{memberId}", AuthPolicy.NO_AUTH)
                .summary("A member's ballot on a proposal")
                .readOnly((ctx, tx) -> {
                    String ballot = governance.getBallot(tx, ctx.pathParam("proposalId"), ctx.pathParam("memberId"))
                            .orElseThrow(() -> HttpError.notFound("BallotNotFound", "no ballot of member "
                                    + ctx.pathParam("memberId") + " on proposal " + ctx.pathParam("proposalId")));
                    ObjectNode out = Json.object();
                    out.put("ballot", ballot);
                    return out;
                });
        registry.post("/gov/members/state-digests/{memberId}:update", AuthPolicy.MEMBER_CERT)
                .summary("Ask for the state digest (current Merkle root) that the member acknowledges to become Active")
                .readWrite((ctx, tx) -> {
                    requireCaller(ctx.caller(), ctx.pathParam("memberId"));
                    String digest = refusals(() -> governance.updateStateDigest(tx, ctx.pathParam("memberId"), stateDigest.get()));
                    ObjectNode out = Json.object();
                    out.put("stateDigest", digest);
                    return out;
                });
        registry.post("/gov/members/state-digests/{memberId}:ack", AuthPolicy.MEMBER_SIGNATURE)
                .summary("Acknowledge the state digest: envelope (msg_type \"ack\") of {\"state_digest\": hex}; "
                        + "answers {\"memberId\", \"status\": \"Active\"}")
                .readWrite((ctx, tx) -> {
                    requireSigner(ctx, ctx.pathParam("memberId"));
                    // ack returns the signer's member id (the path's, checked above), not a status:
                    // the answer's status is the member's own, read back after the ack (Active).
                    String memberId = refusals(() -> governance.ack(tx, ctx.body(), clock.instant()));
                    ObjectNode out = Json.object();
                    out.put("memberId", memberId);
                    out.put("status", GovReads.memberStatus(tx, memberId).map(Enum::name)
                            .orElseThrow(() -> new IllegalStateException("member " + memberId + " vanished on ack")));
                    return out;
                });
        registry.get("/gov/service/info", AuthPolicy.NO_AUTH)
                .summary("Service certificate and status")
                .readOnly((ctx, tx) -> parse(tx.read(GovMaps.SERVICE_INFO).get(GovMaps.SERVICE_KEY).orElse("{}")));
        registry.get("/gov/service/members", AuthPolicy.NO_AUTH)
                .summary("Members: id, certificate, status, member data")
                .readOnly((ctx, tx) -> listing(tx, GovMaps.MEMBER_CERTS, GovMaps.MEMBER_INFO, "memberId"));
        registry.get("/gov/service/users", AuthPolicy.NO_AUTH)
                .summary("Users: id, certificate, user data")
                .readOnly((ctx, tx) -> listing(tx, GovMaps.USER_CERTS, GovMaps.USER_INFO, "userId"));
        registry.get("/gov/service/nodes", AuthPolicy.NO_AUTH)
                .summary("Nodes: id, status, certificate")
                .readOnly((ctx, tx) -> {
                    ObjectNode out = Json.object();
                    ArrayNode list = out.putArray("value");
                    tx.read(GovMaps.NODES).forEach((id, json) -> list.add(((ObjectNode) parse(json)).put("nodeId", id)));
                    return out;
                });
        registry.get("/gov/service/jwt-issuers", AuthPolicy.NO_AUTH)
                .summary("JWT issuers whose bearer tokens authenticate users: issuer, public keys (JWKS), audience")
                .readOnly((ctx, tx) -> {
                    ObjectNode out = Json.object();
                    ArrayNode list = out.putArray("value");
                    tx.read(GovMaps.JWT_ISSUERS).forEach((iss, json) -> list.add(parse(json)));
                    return out;
                });
        registry.get("/gov/service/ca-cert-bundles", AuthPolicy.NO_AUTH)
                .summary("CA certificate bundles whose certificates authenticate users: name, PEM certificates")
                .readOnly((ctx, tx) -> {
                    ObjectNode out = Json.object();
                    ArrayNode list = out.putArray("value");
                    tx.read(GovMaps.CA_CERT_BUNDLES).forEach((name, pem) -> list.addObject().put("name", name)
                            .put("certificates", pem));
                    return out;
                });
        registry.get("/gov/service/platforms", AuthPolicy.NO_AUTH)
                .summary("Attestation platforms whose nodes may join (TEE manifest)")
                .readOnly((ctx, tx) -> {
                    ObjectNode out = Json.object();
                    ArrayNode list = out.putArray("value");
                    tx.read(GovMaps.NODE_PLATFORMS).forEach((name, json) -> list.add(((ObjectNode) parse(json))
                            .put("platform", name)));
                    return out;
                });
        registry.get("/gov/service/constitution", AuthPolicy.NO_AUTH)
                .summary("The constitution (JavaScript)")
                .readOnly((ctx, tx) -> {
                    ctx.header("content-type", "text/javascript; charset=utf-8");
                    return tx.read(GovMaps.CONSTITUTION).get(GovMaps.CONSTITUTION_KEY).orElse("")
                            .getBytes(StandardCharsets.UTF_8);
                });
    }

    private static ObjectNode listing(ReadTx tx, MapName<String, String> certs, MapName<String, String> info, String idField) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("value");
        tx.read(certs).forEach((id, pem) -> {
            ObjectNode o = list.addObject();
            o.put(idField, id);
            o.put("certificate", pem);
            tx.read(info).get(id).ifPresent(j -> o.setAll((ObjectNode) parse(j)));
        });
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored governance JSON does not parse", e);
        }
    }

    private static JsonNode status(ProposalStatus s) {
        return parse(s.toJson());
    }

    private static HttpError notFound(String proposalId) {
        return HttpError.notFound("ProposalNotFound", "no proposal " + proposalId);
    }

    /** Turns a governance refusal into its HTTP answer; the transaction is dropped. */
    private static <T> T refusals(Supplier<T> call) {
        try {
            return call.get();
        } catch (GovernanceRefusal r) {
            throw new HttpError(r.code().httpStatus(), r.code().name(), r.getMessage());
        }
    }

    /** The member id in the path must be the envelope's signer (kid). */
    private static void requireSigner(RequestContext ctx, String memberId) {
        String kid;
        try {
            kid = CoseSign1.decode(ctx.body()).kid().map(k -> new String(k, StandardCharsets.UTF_8)).orElse("");
        } catch (RuntimeException e) {
            throw new HttpError(400, "MALFORMED_ENVELOPE", "body is not a COSE Sign1 envelope");
        }
        if (!kid.equals(memberId)) {
            throw new HttpError(403, "SignerMismatch", "the envelope is signed by " + abbreviate(kid) + ", not by member "
                    + abbreviate(memberId));
        }
    }

    private static void requireCaller(Caller caller, String memberId) {
        if (!caller.id().equals(memberId)) {
            throw new HttpError(403, "CallerMismatch", "member " + abbreviate(caller.id())
                    + " cannot act for member " + abbreviate(memberId));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 16 ? s : s.substring(0, 16) + "...";
    }
}
