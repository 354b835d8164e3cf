package org.consort.node.auth;

import java.security.cert.X509Certificate;

/** Establishes the caller of a request under an endpoint's auth policy. Thread-safe. */
public interface Authenticator {
    /**
     * @param chain the TLS client certificate chain, or null when the client sent none
     * @throws org.consort.node.http.HttpError 401 when a required certificate is missing,
     *         403 when it is not registered for this policy
     */
    Caller authenticate(AuthPolicy policy, X509Certificate[] chain);
}
