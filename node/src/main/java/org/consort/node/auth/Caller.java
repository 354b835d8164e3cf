package org.consort.node.auth;

import java.security.cert.X509Certificate;

/**
 * Who sent a request, as established by the authentication policy of the endpoint.
 *
 * @param kind    what kind of identity matched
 * @param id      the identity's id (hex SHA-256 of the certificate's DER), or empty for anonymous
 * @param certificate the client certificate presented over TLS, or null
 */
public record Caller(Kind kind, String id, X509Certificate certificate) {
    /** CERTIFICATE: an unregistered certificate holder, identified by its key id only. */
    public enum Kind { ANONYMOUS, CERTIFICATE, USER, MEMBER }

    public static final Caller ANONYMOUS = new Caller(Kind.ANONYMOUS, "", null);
}
