package org.consort.governance;

/**
 * A proposal's state. Only Open proposals take ballots or withdrawals; every other state is
 * final. Dropped: still open when a new constitution was applied. Failed: the constitution or
 * an action threw, or a script hit a resource cap. Immutable.
 */
public enum ProposalState {
    Open, Accepted, Rejected, Withdrawn, Failed, Dropped;

    public boolean isFinal() {
        return this != Open;
    }
}
