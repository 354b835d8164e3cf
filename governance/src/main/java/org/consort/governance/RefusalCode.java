package org.consort.governance;

/** Why a governance request was refused, with the HTTP status an endpoint should answer. Immutable. */
public enum RefusalCode {
    MALFORMED_ENVELOPE(400),
    MISSING_HEADER(400),
    WRONG_MESSAGE_TYPE(400),
    PROPOSAL_ID_MISMATCH(400),
    STALE_REQUEST(401),
    REPLAYED_REQUEST(401),
    UNKNOWN_MEMBER(401),
    BAD_SIGNATURE(401),
    MEMBER_NOT_ACTIVE(403),
    NOT_PROPOSER(403),
    BAD_PAYLOAD(400),
    PROPOSAL_INVALID(400),
    PROPOSAL_NOT_FOUND(404),
    PROPOSAL_NOT_OPEN(409),
    ALREADY_VOTED(409),
    WRONG_STATE_DIGEST(400),
    WRONG_RECOVERY_SHARE(400),
    NOT_A_RECOVERY_MEMBER(403),
    NO_RECOVERY_SHARES(409);

    private final int httpStatus;

    RefusalCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
