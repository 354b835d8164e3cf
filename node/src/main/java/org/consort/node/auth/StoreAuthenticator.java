package org.consort.node.auth;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.node.http.HttpError;
import org.consort.node.service.ServiceMaps;

/**
 * Matches the TLS client certificate against the users and members registered in the store
 * (latest committed-locally state). The TLS layer accepts any client certificate; whether it
 * means anything is decided here, per endpoint.
 */
public final class StoreAuthenticator implements Authenticator {
    /** Certificates already matched against a registered PEM, at most this many remembered. */
    public static final int MATCH_CACHE_ENTRIES_MAX = 10_000;

    private final Store store;
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, String> ids =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, String> matched =
            new java.util.concurrent.ConcurrentHashMap<>();

    public StoreAuthenticator(Store store) {
        this.store = store;
    }

    /** The id of a caller: the key id of its certificate (hex SHA-256 of the public key info). */
    public static String certificateId(X509Certificate cert) {
        return Certificates.keyId(cert);
    }

    @Override
    public Caller authenticate(AuthPolicy policy, X509Certificate[] chain) {
        if (policy == AuthPolicy.NO_AUTH || policy == AuthPolicy.MEMBER_SIGNATURE) {
            return Caller.ANONYMOUS;
        }
        if (chain == null || chain.length == 0) {
            throw new HttpError(401, "MissingClientCertificate",
                    "this endpoint requires a TLS client certificate (" + describe(policy) + ")");
        }
        X509Certificate cert = chain[0];
        String id = ids.computeIfAbsent(cert, StoreAuthenticator::certificateId);
        if (ids.size() > MATCH_CACHE_ENTRIES_MAX) {
            ids.clear();
        }
        if (policy == AuthPolicy.ANY_CERT) {
            try {
                cert.checkValidity();
            } catch (java.security.cert.CertificateException e) {
                throw new HttpError(403, "ExpiredClientCertificate", "the client certificate is expired or not yet valid");
            }
            return new Caller(Caller.Kind.CERTIFICATE, id, cert);
        }
        ReadTx tx = store.readTx();
        if (policy == AuthPolicy.USER_CERT || policy == AuthPolicy.USER_OR_MEMBER_CERT) {
            if (matches(tx, ServiceMaps.USER_CERTS, id, cert)) {
                requireOpen(tx);
                return new Caller(Caller.Kind.USER, id, cert);
            }
        }
        if (policy == AuthPolicy.MEMBER_CERT || policy == AuthPolicy.USER_OR_MEMBER_CERT) {
            if (matches(tx, ServiceMaps.MEMBER_CERTS, id, cert)) {
                return new Caller(Caller.Kind.MEMBER, id, cert);
            }
        }
        throw new HttpError(403, "UnknownClientCertificate",
                "the client certificate " + id.substring(0, 16) + "... is not registered as " + describe(policy));
    }

    private boolean matches(ReadTx tx, MapName<String, String> map, String id, X509Certificate cert) {
        Optional<String> pem = tx.read(map).get(id);
        // Same key is not enough: the registered certificate itself must be presented. Parsing
        // the registered PEM is the costly part, so a match is remembered for as long as the
        // registered PEM stays the same string.
        if (pem.isEmpty()) {
            return false;
        }
        String registered = pem.get();
        if (!registered.equals(matched.get(cert))) {
            if (!sameCertificate(registered, cert)) {
                return false;
            }
            if (matched.size() >= MATCH_CACHE_ENTRIES_MAX) {
                matched.clear();
            }
            matched.put(cert, registered);
        }
        // Expiry is checked here because the TLS layer accepts any certificate.
        try {
            cert.checkValidity();
            return true;
        } catch (java.security.cert.CertificateException e) {
            throw new HttpError(403, "ExpiredClientCertificate", "the client certificate is expired or not yet valid");
        }
    }

    /** The service info text last parsed and its status: the info rarely changes, requests are many. */
    private volatile Object[] lastServiceInfo = {null, java.util.Optional.empty()};

    /** Users are served only once members have opened the service. */
    @SuppressWarnings("unchecked")
    private void requireOpen(ReadTx tx) {
        String info = tx.read(ServiceMaps.SERVICE_INFO).get(ServiceMaps.SERVICE_KEY).orElse(null);
        Object[] last = lastServiceInfo;
        java.util.Optional<org.consort.governance.ServiceStatus> status;
        if (info != null && info.equals(last[0])) {
            status = (java.util.Optional<org.consort.governance.ServiceStatus>) last[1];
        } else {
            status = org.consort.governance.GovReads.serviceStatus(tx);
            lastServiceInfo = new Object[] {info, status};
        }
        if (status.isEmpty() || status.get() != org.consort.governance.ServiceStatus.Open) {
            throw new HttpError(403, "ServiceNotOpen", "the service is not open to users (status "
                    + status.map(Enum::name).orElse("unknown") + "); its members must open it");
        }
    }

    private static boolean sameCertificate(String pem, X509Certificate cert) {
        try {
            return java.util.Arrays.equals(Pem.readCertificate(pem).getEncoded(), cert.getEncoded());
        } catch (CertificateEncodingException | RuntimeException e) {
            return false;
        }
    }

    private static String describe(AuthPolicy policy) {
        return switch (policy) {
            case USER_CERT -> "a user";
            case MEMBER_CERT -> "a member";
            case USER_OR_MEMBER_CERT -> "a user or a member";
            case ANY_CERT -> "any certificate holder";
            case NO_AUTH, MEMBER_SIGNATURE -> "anyone";
        };
    }
}
