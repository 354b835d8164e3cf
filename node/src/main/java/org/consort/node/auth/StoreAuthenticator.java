package org.consort.node.auth;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.Optional;
import org.consort.crypto.Certificates;
import org.consort.crypto.Pem;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.node.http.HttpError;
import org.consort.node.service.ServiceMaps;

/**
 * Establishes callers from the governance state in the store (latest committed-locally state):
 * TLS client certificates registered as users or members, certificates issued by a CA of a CA
 * bundle ({@link CaBundleTrust}), and bearer JWTs of governance's issuers ({@link JwtVerifier}).
 * The TLS layer accepts any client certificate; whether it means anything is decided here, per
 * endpoint. Times (certificate validity, token expiry) come from the node's clock.
 */
public final class StoreAuthenticator implements Authenticator {
    /** Certificates already matched against a registered PEM, at most this many remembered. */
    public static final int MATCH_CACHE_ENTRIES_MAX = 10_000;

    private final Store store;
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, String> ids =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<X509Certificate, String> matched =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final InstantSource clock;
    private final JwtVerifier jwt;
    private final CaBundleTrust caBundles;

    public StoreAuthenticator(Store store) {
        this(store, InstantSource.system());
    }

    public StoreAuthenticator(Store store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
        this.jwt = new JwtVerifier(clock);
        this.caBundles = new CaBundleTrust(clock);
    }

    /** The id of a caller: the key id of its certificate (hex SHA-256 of the public key info). */
    public static String certificateId(X509Certificate cert) {
        return Certificates.keyId(cert);
    }

    @Override
    public Caller authenticate(AuthPolicy policy, X509Certificate[] chain, String authorization) {
        if (policy == AuthPolicy.NO_AUTH || policy == AuthPolicy.MEMBER_SIGNATURE) {
            return Caller.ANONYMOUS;
        }
        if (policy == AuthPolicy.USER_CERT_OR_JWT && authorization != null && !authorization.isBlank()) {
            String token = bearerToken(authorization);
            ReadTx tx = store.readTx();
            Caller caller = jwt.verify(token, tx);
            requireOpen(tx);
            return caller;
        }
        if (chain == null || chain.length == 0) {
            throw new HttpError(401, "MissingClientCertificate", policy == AuthPolicy.USER_CERT_OR_JWT
                    ? "this endpoint requires a user's TLS client certificate or an 'Authorization: Bearer <JWT>' header"
                    : "this endpoint requires a TLS client certificate (" + describe(policy) + ")");
        }
        X509Certificate cert = chain[0];
        String id = ids.computeIfAbsent(cert, StoreAuthenticator::certificateId);
        if (ids.size() > MATCH_CACHE_ENTRIES_MAX) {
            ids.clear();
        }
        if (policy == AuthPolicy.ANY_CERT) {
            requireValid(cert);
            return new Caller(Caller.Kind.CERTIFICATE, id, cert);
        }
        ReadTx tx = store.readTx();
        boolean users = policy == AuthPolicy.USER_CERT || policy == AuthPolicy.USER_CERT_OR_JWT
                || policy == AuthPolicy.USER_OR_MEMBER_CERT;
        if (users) {
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
        if (users) {
            Optional<CaBundleTrust.Match> admitted = caBundles.check(chain, tx);
            if (admitted.isPresent()) {
                requireOpen(tx);
                return new Caller(Caller.Kind.USER, id, cert, Caller.Method.CA_BUNDLE, Optional.of(admitted.get().bundle()),
                        Optional.of(cert.getSubjectX500Principal().getName()), java.util.Map.of());
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
        requireValid(cert);
        return true;
    }

    private void requireValid(X509Certificate cert) {
        try {
            cert.checkValidity(java.util.Date.from(clock.instant()));
        } catch (java.security.cert.CertificateException e) {
            throw new HttpError(403, "ExpiredClientCertificate", "the client certificate is expired or not yet valid");
        }
    }

    /** The token of an {@code Authorization: Bearer <token>} header; 401 for any other scheme. */
    static String bearerToken(String authorization) {
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw new HttpError(401, "UnsupportedAuthorization", "the Authorization header must be 'Bearer <JWT>'; "
                    + "other schemes are not accepted");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw new HttpError(401, "InvalidToken", "the Authorization header has no token after 'Bearer'");
        }
        return token;
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
            case USER_CERT, USER_CERT_OR_JWT -> "a user";
            case MEMBER_CERT -> "a member";
            case USER_OR_MEMBER_CERT -> "a user or a member";
            case ANY_CERT -> "any certificate holder";
            case NO_AUTH, MEMBER_SIGNATURE -> "anyone";
        };
    }
}
