package org.consort.node.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.consort.crypto.Pem;
import org.consort.governance.GovMaps;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;
import org.consort.node.http.HttpError;
import org.junit.jupiter.api.Test;

/** Client certificate chains against the CA bundles in the store (JDK PKIX), at the node's clock. */
class CaBundleTrustTest {
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Duration YEAR = Duration.ofDays(365);
    static final Instant FROM = NOW.minus(Duration.ofDays(1));

    final Store store = new Store(StoreConfig.defaults());
    final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    final CaBundleTrust trust = new CaBundleTrust(() -> now.get());

    void bundle(String name, TestCerts.Issued... cas) {
        StringBuilder pem = new StringBuilder();
        for (TestCerts.Issued c : cas) {
            pem.append(Pem.certificate(c.cert()));
        }
        WriteTx tx = store.writeTx();
        tx.write(GovMaps.CA_CERT_BUNDLES).put(name, pem.toString());
        store.commit(tx);
    }

    void removeBundle(String name) {
        WriteTx tx = store.writeTx();
        tx.write(GovMaps.CA_CERT_BUNDLES).remove(name);
        store.commit(tx);
    }

    String bundleOf(X509Certificate... chain) {
        return trust.check(chain, store.readTx()).map(CaBundleTrust.Match::bundle).orElse(null);
    }

    HttpError refused(X509Certificate... chain) {
        HttpError e = catchThrowableOfType(HttpError.class, () -> trust.check(chain, store.readTx()));
        assertThat(e).as("chain was admitted").isNotNull();
        assertThat(e.status()).isEqualTo(403);
        return e;
    }

    @Test
    void aLeafIssuedByABundlesCaDirectlyOrThroughAnIntermediateIsAdmitted() {
        TestCerts.Issued orgA = TestCerts.rootCa("Org A Root", FROM, YEAR);
        TestCerts.Issued orgB = TestCerts.rootCa("Org B Root", FROM, YEAR);
        assertThat(trust.check(new X509Certificate[] {orgA.cert()}, store.readTx())).as("no bundle: not decided here").isEmpty();
        bundle("org-a", orgA);
        bundle("org-b", orgB);
        TestCerts.Issued alice = TestCerts.leaf("alice", orgA, FROM, YEAR);
        assertThat(bundleOf(alice.cert())).isEqualTo("org-a");
        TestCerts.Issued issuing = TestCerts.intermediate("Org B Issuing", orgB, FROM, YEAR, true);
        TestCerts.Issued bob = TestCerts.leaf("bob", issuing, FROM, YEAR);
        assertThat(bundleOf(bob.cert(), issuing.cert())).isEqualTo("org-b");
        // Without the intermediate there is no path.
        assertThat(refused(bob.cert()).getMessage()).contains("no CA bundle admits it");
        // A leaf without extended key usage is fine too.
        assertThat(bundleOf(TestCerts.leaf("carol", orgA, FROM, YEAR, null).cert())).isEqualTo("org-a");
    }

    @Test
    void otherCasNonCaIssuersCaLeavesAndServerOnlyLeavesAreRefused() {
        TestCerts.Issued orgA = TestCerts.rootCa("Org A Root", FROM, YEAR);
        TestCerts.Issued other = TestCerts.rootCa("Somebody Else", FROM, YEAR);
        bundle("org-a", orgA);
        assertThat(refused(TestCerts.leaf("eve", other, FROM, YEAR).cert()).code()).isEqualTo("UnknownClientCertificate");
        // An end-entity certificate of the bundle's CA cannot issue users (basic constraints).
        TestCerts.Issued notCa = TestCerts.intermediate("Not a CA", orgA, FROM, YEAR, false);
        TestCerts.Issued mallory = TestCerts.leaf("mallory", notCa, FROM, YEAR);
        assertThat(refused(mallory.cert(), notCa.cert()).getMessage()).contains("no CA bundle admits it");
        // A CA certificate is not a user.
        TestCerts.Issued sub = TestCerts.intermediate("Sub CA", orgA, FROM, YEAR, true);
        assertThat(refused(sub.cert()).getMessage()).contains("is a CA certificate");
        // A server-only certificate is not a TLS client's.
        assertThat(refused(TestCerts.leaf("web", orgA, FROM, YEAR, KeyPurposeId.id_kp_serverAuth).cert()).getMessage())
                .contains("extended key usage");
    }

    @Test
    void validityIsCheckedAtTheNodesClockEveryTimeAndBundlesCanBeRemoved() {
        TestCerts.Issued orgA = TestCerts.rootCa("Org A Root", FROM, YEAR);
        bundle("org-a", orgA);
        TestCerts.Issued shortLived = TestCerts.leaf("temp", orgA, FROM, Duration.ofDays(2));
        assertThat(bundleOf(shortLived.cert())).isEqualTo("org-a");
        now.set(NOW.plus(Duration.ofDays(3)));
        assertThat(refused(shortLived.cert()).code()).as("cached path, checked again").isEqualTo("ExpiredClientCertificate");
        now.set(NOW);
        TestCerts.Issued future = TestCerts.leaf("later", orgA, NOW.plus(Duration.ofDays(1)), YEAR);
        assertThat(refused(future.cert()).code()).isEqualTo("ExpiredClientCertificate");
        // An expired CA admits no one.
        TestCerts.Issued oldCa = TestCerts.rootCa("Old Root", NOW.minus(Duration.ofDays(30)), Duration.ofDays(10));
        bundle("old", oldCa);
        TestCerts.Issued stale = TestCerts.leaf("stale", oldCa, NOW.minus(Duration.ofDays(29)), YEAR);
        refused(stale.cert());

        removeBundle("org-a");
        TestCerts.Issued alice = TestCerts.leaf("alice", orgA, FROM, YEAR);
        assertThat(refused(alice.cert()).code()).isEqualTo("UnknownClientCertificate");
        assertThat(refused(shortLived.cert()).code()).as("no stale cached path").isEqualTo("UnknownClientCertificate");
    }
}
