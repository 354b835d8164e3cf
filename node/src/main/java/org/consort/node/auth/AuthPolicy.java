package org.consort.node.auth;

/**
 * Who may call an endpoint. Each endpoint declares exactly one; there is no default, so a
 * new endpoint cannot be public by omission.
 */
public enum AuthPolicy {
    /** Anyone who can reach the node (TLS still required). */
    NO_AUTH,
    /**
     * Any valid TLS client certificate, registered or not; the caller is identified by its key
     * id. For nodes asking to join, which prove their key before the service knows them.
     */
    ANY_CERT,
    /** A TLS client certificate registered as a user by governance. */
    USER_CERT,
    /** A TLS client certificate registered as a member by governance. */
    MEMBER_CERT,
    /** A registered user or member certificate. */
    USER_OR_MEMBER_CERT,
    /**
     * A COSE Sign1 envelope in the body, signed by a member with its registered key, of the
     * endpoint's message type, recent and not replayed. TLS accepts anyone; the governance
     * handler verifies the envelope before anything is written.
     */
    MEMBER_SIGNATURE
}
