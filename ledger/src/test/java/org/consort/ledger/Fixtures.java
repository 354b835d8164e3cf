package org.consort.ledger;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Identity;

/** Deterministic identities and secrets for ledger tests. */
final class Fixtures {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final InstantSource CLOCK = InstantSource.fixed(NOW);

    final SecureRandom random;
    final Identity service;
    final Identity node;
    final LedgerSecrets secrets;

    Fixtures(long seed) {
        random = seeded(seed);
        KeyPair sk = EcCurve.P384.generateKeyPair(random);
        X509Certificate sc = Certificates.selfSignedService(sk, "Consort test service", NOW.minusSeconds(3600), Duration.ofDays(365), random);
        service = new Identity(sk.getPrivate(), sc);
        KeyPair nk = EcCurve.P384.generateKeyPair(random);
        X509Certificate nc = Certificates.nodeCertificate(nk.getPublic(), "node0", sk.getPrivate(), sc, NOW.minusSeconds(3600),
                Duration.ofDays(30), Certificates.SubjectAltNames.localhost(), random);
        node = new Identity(nk.getPrivate(), nc);
        secrets = LedgerSecrets.generate(random);
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static LedgerConfig config(long chunkSize) {
        return LedgerConfig.defaults(CLOCK).withChunkSizeBytes(chunkSize);
    }

    static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
