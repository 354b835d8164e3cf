package org.consort.governance;

/** A member's state: Accepted when added, Active once it has acknowledged the state digest. Immutable. */
public enum MemberStatus {
    Accepted, Active
}
