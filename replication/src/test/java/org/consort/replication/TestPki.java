package org.consort.replication;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;

/** A service identity that issues node identities, for tests. */
public final class TestPki {
    private final SecureRandom random;
    private final KeyPair serviceKey;
    private final X509Certificate serviceCertificate;
    private final Instant now = Instant.now();

    public TestPki(long seed, String name) {
        this.random = seeded(seed);
        this.serviceKey = EcCurve.P384.generateKeyPair(random);
        this.serviceCertificate = Certificates.selfSignedService(serviceKey, name, now.minusSeconds(60), Duration.ofDays(1), random);
    }

    private static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate serviceCertificate() {
        return serviceCertificate;
    }

    /** A node identity endorsed by this service. */
    public Identity newNode(String name) {
        KeyPair k = EcCurve.P384.generateKeyPair(random);
        X509Certificate c = Certificates.nodeCertificate(k.getPublic(), name, serviceKey.getPrivate(), serviceCertificate,
                now.minusSeconds(60), Duration.ofDays(1), Certificates.SubjectAltNames.localhost(), random);
        return new Identity(k.getPrivate(), c);
    }
}
