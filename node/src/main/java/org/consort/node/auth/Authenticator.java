package org.consort.node.auth;

import java.security.cert.X509Certificate;

/** Establishes the caller of a request under an endpoint's auth policy. Thread-safe. */
public interface Authenticator {
    /**
     * @param chain         the TLS client certificate chain (leaf first), or null when the client sent none
     * @param authorization the request's {@code Authorization} header, or null
     * @throws org.consort.node.http.HttpError 401 when a required certificate or token is missing or
     *         a token is not valid, 403 when a certificate is not registered for this policy
     */
    Caller authenticate(AuthPolicy policy, X509Certificate[] chain, String authorization);

    /** As {@link #authenticate(AuthPolicy, X509Certificate[], String)} for a request without an Authorization header. */
    default Caller authenticate(AuthPolicy policy, X509Certificate[] chain) {
        return authenticate(policy, chain, null);
    }
}
