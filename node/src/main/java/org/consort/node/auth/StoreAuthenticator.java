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
    private final Store store;

    public StoreAuthenticator(Store store) {
        this.store = store;
    }

    /** The id of a caller: the key id of its certificate (hex SHA-256 of the public key info). */
    public static String certificateId(X509Certificate cert) {
        return Certificates.keyId(cert);
    }

    @Override
    public Caller authenticate(AuthPolicy policy, X509Certificate[] chain) {
        if (policy == AuthPolicy.NO_AUTH) {
            return Caller.ANONYMOUS;
        }
        if (chain == null || chain.length == 0) {
            throw new HttpError(401, "MissingClientCertificate",
                    "this endpoint requires a TLS client certificate (" + describe(policy) + ")");
        }
        X509Certificate cert = chain[0];
        String id = certificateId(cert);
        ReadTx tx = store.readTx();
        if (policy == AuthPolicy.USER_CERT || policy == AuthPolicy.USER_OR_MEMBER_CERT) {
            if (matches(tx, ServiceMaps.USER_CERTS, id, cert)) {
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

    private static boolean matches(ReadTx tx, MapName<String, String> map, String id, X509Certificate cert) {
        Optional<String> pem = tx.read(map).get(id);
        // Same key is not enough: the registered certificate itself must be presented. Expiry is
        // checked here because the TLS layer accepts any certificate.
        if (pem.isEmpty() || !sameCertificate(pem.get(), cert)) {
            return false;
        }
        try {
            cert.checkValidity();
            return true;
        } catch (java.security.cert.CertificateException e) {
            throw new HttpError(403, "ExpiredClientCertificate", "the client certificate is expired or not yet valid");
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
            case NO_AUTH -> "anyone";
        };
    }
}
