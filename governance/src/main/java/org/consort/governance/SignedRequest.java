package org.consort.governance;

import com.upokecenter.cbor.CBORObject;
import com.upokecenter.cbor.CBORType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.consort.common.Hex;
import org.consort.crypto.Certificates;
import org.consort.crypto.CoseSign1;
import org.consort.crypto.Hashes;
import org.consort.crypto.Identity;
import org.consort.crypto.Pem;
import org.consort.kv.MapReader;
import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;

/**
 * A member's signed governance request: a COSE Sign1 envelope whose protected header carries
 * {@code alg}, {@code kid} (the member id as UTF-8 text), {@value #CREATED_AT} (seconds since
 * the epoch), {@value #MSG_TYPE} and, for ballots and withdrawals, {@value #PROPOSAL_ID}; the
 * payload is the request body (JSON).
 *
 * <p>{@link #sign} builds one (what the CLI and tests do); {@link #verify} checks one against
 * the governance maps and the node's clock; {@link #recordAccepted} remembers its digest so
 * the same bytes are refused for as long as they would otherwise still be fresh (the record
 * lives in {@link GovMaps#REQUEST_DIGESTS}, so it survives restarts). Instances are immutable.
 */
public record SignedRequest(String memberId, MessageType type, Optional<String> proposalId, long createdAtSeconds,
                            byte[] payload, String digestHex) {
    public static final String MSG_TYPE = "msg_type";
    public static final String CREATED_AT = "created_at";
    public static final String PROPOSAL_ID = "proposal_id";
    /** Longest accepted envelope, in bytes. */
    public static final int ENVELOPE_BYTES_MAX = 1 << 20;

    public SignedRequest {
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(proposalId, "proposalId");
        payload = payload.clone();
        Objects.requireNonNull(digestHex, "digestHex");
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** Signs a request as {@code member}; {@code proposalId} must be given exactly for ballots and withdrawals. */
    public static byte[] sign(Identity member, MessageType type, String proposalId, byte[] payload, Instant createdAt) {
        if (type.needsProposalId() != (proposalId != null)) {
            throw new IllegalArgumentException(type.wire() + " requests " + (type.needsProposalId() ? "need" : "take no")
                    + " proposal id");
        }
        CoseSign1.Builder b = CoseSign1.builder()
                .kid(member.id())
                .protectedHeader(MSG_TYPE, CBORObject.FromObject(type.wire()))
                .protectedHeader(CREATED_AT, CBORObject.FromObject(createdAt.getEpochSecond()))
                .payload(payload);
        if (proposalId != null) {
            b.protectedHeader(PROPOSAL_ID, CBORObject.FromObject(proposalId));
        }
        return b.sign(member.privateKey()).encode();
    }

    /**
     * Checks {@code envelope}: well formed; type {@code expected}; {@code proposal_id} present
     * (and equal to {@code expectedProposalId} when that is not null) for ballots and
     * withdrawals; {@code created_at} within {@code window} of {@code now}; signed by a known
     * member with the registered certificate; that member Active (or Accepted, for an ack);
     * not seen before. Reads only; throws {@link GovernanceRefusal} with the first failure.
     */
    public static SignedRequest verify(ReadTx tx, byte[] envelope, MessageType expected, String expectedProposalId,
                                       Instant now, Duration window) {
        Objects.requireNonNull(envelope, "envelope");
        if (envelope.length > ENVELOPE_BYTES_MAX) {
            throw new GovernanceRefusal(RefusalCode.MALFORMED_ENVELOPE, "envelope of " + envelope.length
                    + " bytes is larger than " + ENVELOPE_BYTES_MAX);
        }
        CoseSign1 msg;
        try {
            msg = CoseSign1.decode(envelope);
        } catch (RuntimeException e) {
            throw new GovernanceRefusal(RefusalCode.MALFORMED_ENVELOPE, "not a COSE Sign1 envelope: " + e.getMessage());
        }
        String type = textHeader(msg, MSG_TYPE);
        if (!type.equals(expected.wire())) {
            throw new GovernanceRefusal(RefusalCode.WRONG_MESSAGE_TYPE, "this endpoint takes '" + expected.wire()
                    + "' requests, got '" + type + "'");
        }
        Optional<String> proposalId = Optional.empty();
        if (expected.needsProposalId()) {
            String p = textHeader(msg, PROPOSAL_ID);
            if (expectedProposalId != null && !expectedProposalId.equals(p)) {
                throw new GovernanceRefusal(RefusalCode.PROPOSAL_ID_MISMATCH, "signed for proposal " + p
                        + " but sent for proposal " + expectedProposalId);
            }
            proposalId = Optional.of(p);
        }
        CBORObject created = msg.protectedValue(CREATED_AT).orElseThrow(() ->
                new GovernanceRefusal(RefusalCode.MISSING_HEADER, "protected header has no " + CREATED_AT));
        if (created.getType() != CBORType.Integer || !created.CanValueFitInInt64()) {
            throw new GovernanceRefusal(RefusalCode.MISSING_HEADER, CREATED_AT + " must be an integer (seconds)");
        }
        long createdAt = created.AsInt64Value();
        long skew = Math.abs(now.getEpochSecond() - createdAt);
        if (skew > window.toSeconds()) {
            throw new GovernanceRefusal(RefusalCode.STALE_REQUEST, CREATED_AT + " " + createdAt + " is " + skew
                    + " s from the node's time " + now.getEpochSecond() + " (window " + window.toSeconds() + " s)");
        }
        String memberId = msg.kid().map(k -> new String(k, StandardCharsets.UTF_8)).orElseThrow(() ->
                new GovernanceRefusal(RefusalCode.MISSING_HEADER, "protected header has no kid (member id)"));
        Optional<String> certPem = tx.read(GovMaps.MEMBER_CERTS).get(memberId);
        if (certPem.isEmpty()) {
            throw new GovernanceRefusal(RefusalCode.UNKNOWN_MEMBER, "'" + printable(memberId)
                    + "' is not a member of this service (unknown or retired)");
        }
        byte[] payload = msg.payload().orElseThrow(() ->
                new GovernanceRefusal(RefusalCode.MALFORMED_ENVELOPE, "payload must be embedded, not detached"));
        boolean valid;
        try {
            valid = msg.verify(Pem.readCertificate(certPem.get()).getPublicKey(), null);
        } catch (RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new GovernanceRefusal(RefusalCode.BAD_SIGNATURE, "signature does not verify with the registered"
                    + " certificate of member " + memberId);
        }
        MemberStatus status = GovReads.memberStatus(tx, memberId).orElseThrow(() ->
                new GovernanceRefusal(RefusalCode.UNKNOWN_MEMBER, "member " + memberId + " has no recorded state"));
        if (status != MemberStatus.Active && !(expected == MessageType.ACK && status == MemberStatus.Accepted)) {
            throw new GovernanceRefusal(RefusalCode.MEMBER_NOT_ACTIVE, "member " + memberId + " is " + status
                    + ": only Active members may send '" + expected.wire() + "' requests");
        }
        String digest = Hex.encode(Hashes.sha256(envelope));
        if (tx.read(GovMaps.REQUEST_DIGESTS).containsKey(digest)) {
            throw new GovernanceRefusal(RefusalCode.REPLAYED_REQUEST, "this exact request was already accepted");
        }
        return new SignedRequest(memberId, expected, proposalId, createdAt, payload, digest);
    }

    /**
     * Remembers this request's digest and forgets those older than twice the window (the
     * double margin keeps a digest while a node whose clock lags could still accept it).
     */
    public void recordAccepted(WriteTx tx, Instant now, Duration window) {
        MapReader<String, String> seen = tx.read(GovMaps.REQUEST_DIGESTS);
        long oldest = now.getEpochSecond() - 2 * window.toSeconds();
        List<String> expired = new ArrayList<>();
        seen.forEach((d, t) -> {
            if (Long.parseLong(t) < oldest) {
                expired.add(d);
            }
        });
        expired.forEach(d -> tx.write(GovMaps.REQUEST_DIGESTS).remove(d));
        tx.write(GovMaps.REQUEST_DIGESTS).put(digestHex, Long.toString(createdAtSeconds));
    }

    /** The member id of a certificate (its key id). */
    public static String memberIdOf(java.security.cert.X509Certificate cert) {
        return Certificates.keyId(cert);
    }

    private static String textHeader(CoseSign1 msg, String label) {
        CBORObject v = msg.protectedValue(label).orElseThrow(() ->
                new GovernanceRefusal(RefusalCode.MISSING_HEADER, "protected header has no " + label));
        if (v.getType() != CBORType.TextString) {
            throw new GovernanceRefusal(RefusalCode.MISSING_HEADER, label + " must be text");
        }
        return v.AsString();
    }

    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
