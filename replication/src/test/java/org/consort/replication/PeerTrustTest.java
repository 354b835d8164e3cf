package org.consort.replication;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import org.consort.crypto.Identity;
import org.junit.jupiter.api.Test;

class PeerTrustTest {
    final TestPki service = new TestPki(21, "service");
    final TestPki rogue = new TestPki(22, "service");
    final Identity a = service.newNode("a");
    final Identity b = service.newNode("b");

    static X509Certificate[] chain(Identity i) {
        return new X509Certificate[] {i.certificate()};
    }

    @Test
    void acceptsOnlyMembersEndorsedByTheService() throws Exception {
        PeerTrust trust = new PeerTrust(service.serviceCertificate(), List.of(a.id()), InstantSource.system());
        assertThatCode(() -> trust.checkClientTrusted(chain(a), "EC")).doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(b), "EC")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("not a member");
        Identity impostor = rogue.newNode("a");
        assertThatThrownBy(() -> trust.checkClientTrusted(chain(impostor), "EC")).isInstanceOf(CertificateException.class)
                .hasMessageContaining("not endorsed by the service");
        assertThatThrownBy(() -> trust.checkClientTrusted(new X509Certificate[0], "EC"))
                .hasMessageContaining("no certificate");
    }

    @Test
    void admittedPeersAreTrustedUntilTheMembershipIsReplaced() throws Exception {
        PeerTrust trust = new PeerTrust(service.serviceCertificate(), List.of(a.id()), InstantSource.system());
        trust.admit(b.id());
        trust.checkServerTrusted(chain(b), "EC");
        trust.setMembers(List.of(b.id()));
        trust.checkServerTrusted(chain(b), "EC");
        assertThatThrownBy(() -> trust.checkServerTrusted(chain(a), "EC")).hasMessageContaining("not a member");
    }

    @Test
    void aCertificateOutsideItsValidityIsRefused() {
        InstantSource later = InstantSource.fixed(a.certificate().getNotAfter().toInstant().plusSeconds(3600));
        PeerTrust trust = new PeerTrust(service.serviceCertificate(), List.of(a.id()), later);
        assertThatThrownBy(() -> trust.checkClientTrusted(chain(a), "EC")).hasMessageContaining("not valid at");
    }
}
