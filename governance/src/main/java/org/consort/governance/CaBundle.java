package org.consort.governance;

import java.security.cert.X509Certificate;
import java.util.List;
import org.consort.crypto.Pem;

/**
 * A CA certificate bundle as governance registers it ({@code set_ca_cert_bundle}): PEM text of
 * 1 to {@value #CERTIFICATES_MAX} certificates, each a CA (basic constraints with CA true and,
 * when it has a key usage, keyCertSign). A TLS client certificate that chains to one of them is
 * a user; the node checks the chain (see {@code org.consort.node.auth.CaBundleTrust}).
 *
 * <p>Stateless; thread-safe.
 */
public final class CaBundle {
    /** Certificates one bundle may hold at most. */
    public static final int CERTIFICATES_MAX = 64;
    /** The bit of {@link X509Certificate#getKeyUsage()} for keyCertSign. */
    private static final int KEY_CERT_SIGN = 5;

    private CaBundle() {
    }

    /** The bundle's certificates; IllegalArgumentException saying which one is not a CA. */
    public static List<X509Certificate> parse(String name, String pem) {
        List<X509Certificate> certs;
        try {
            certs = Pem.readCertificates(pem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CA bundle " + name + " is not PEM certificates: " + e.getMessage());
        }
        if (certs.isEmpty() || certs.size() > CERTIFICATES_MAX) {
            throw new IllegalArgumentException("CA bundle " + name + " must hold 1 to " + CERTIFICATES_MAX
                    + " certificates, not " + certs.size());
        }
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            String which = "certificate " + (i + 1) + " of CA bundle " + name + " (" + c.getSubjectX500Principal().getName() + ")";
            if (c.getBasicConstraints() < 0) {
                throw new IllegalArgumentException(which + " is not a CA: its basic constraints do not say CA");
            }
            boolean[] usage = c.getKeyUsage();
            if (usage != null && (usage.length <= KEY_CERT_SIGN || !usage[KEY_CERT_SIGN])) {
                throw new IllegalArgumentException(which + " may not sign certificates: its key usage lacks keyCertSign");
            }
        }
        return certs;
    }
}
