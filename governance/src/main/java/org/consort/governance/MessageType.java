package org.consort.governance;

/** The {@code msg_type} of a signed governance request; each endpoint accepts exactly one. Immutable. */
public enum MessageType {
    PROPOSAL("proposal"),
    BALLOT("ballot"),
    WITHDRAWAL("withdrawal"),
    ACK("ack"),
    RECOVERY_SHARE("recovery_share");

    private final String wire;

    MessageType(String wire) {
        this.wire = wire;
    }

    /** The text carried in the protected header. */
    public String wire() {
        return wire;
    }

    /** Whether this request carries a {@code proposal_id} header. */
    public boolean needsProposalId() {
        return this == BALLOT || this == WITHDRAWAL;
    }
}
