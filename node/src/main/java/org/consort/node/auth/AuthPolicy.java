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
    /**
     * A user's TLS client certificate: registered as a user by governance, or issued (directly or
     * through intermediates sent in the handshake) by a CA of a governance CA bundle.
     */
    USER_CERT,
    /**
     * A user as {@link #USER_CERT}, or an {@code Authorization: Bearer} JWT signed by an issuer
     * governance set ({@code set_jwt_issuer}). A request that carries the header is judged by its
     * token alone.
     */
    USER_CERT_OR_JWT,
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
