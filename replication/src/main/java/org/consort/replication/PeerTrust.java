package org.consort.replication;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import org.consort.crypto.Certificates;
import org.consort.crypto.Identity;

/**
 * TLS trust for node-to-node connections, both directions: a peer is accepted only when its
 * certificate was issued by the service certificate, is valid now, and its key id is the id
 * of a trusted peer (a current member, or one about to be added). This binds the TLS
 * connection to the peer list, which the replication engine alone does not do.
 *
 * <p>Host names are not checked: the key id pins the peer more tightly than a name would.
 *
 * <p>Threading: thread-safe; the trusted set is replaced atomically and read on every
 * handshake.
 */
public final class PeerTrust extends X509ExtendedTrustManager {
    private final X509Certificate serviceCertificate;
    private final InstantSource clock;
    private volatile Set<String> members;
    private final Set<String> admitted = new HashSet<>();

    public PeerTrust(X509Certificate serviceCertificate, Collection<String> memberIds, InstantSource clock) {
        this.serviceCertificate = Objects.requireNonNull(serviceCertificate, "serviceCertificate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.members = Set.copyOf(memberIds);
    }

    /** Replaces the member set (after a membership change); admitted peers that became members are forgotten. */
    public synchronized void setMembers(Collection<String> memberIds) {
        members = Set.copyOf(memberIds);
        admitted.removeAll(members);
    }

    /** Trusts a peer that is not a member yet (it is about to be added). */
    public synchronized void admit(String peerId) {
        admitted.add(Objects.requireNonNull(peerId, "peerId"));
    }

    /** True when a certificate with this key id would be accepted. */
    public synchronized boolean isTrusted(String peerId) {
        return members.contains(peerId) || admitted.contains(peerId);
    }

    /** Throws {@link CertificateException} saying why when {@code chain} is not a trusted peer. */
    public void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("peer presented no certificate");
        }
        X509Certificate leaf = chain[0];
        try {
            Certificates.checkIssuedBy(leaf, serviceCertificate, clock.instant());
        } catch (Certificates.CertificateCheckException e) {
            throw new CertificateException("peer certificate '" + leaf.getSubjectX500Principal().getName()
                    + "' is not endorsed by the service: " + e.getMessage());
        }
        String id = Certificates.keyId(leaf);
        if (!isTrusted(id)) {
            throw new CertificateException("peer certificate with key id " + id + " is endorsed by the service but is not"
                    + " a member of the replication group");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[] {serviceCertificate};
    }

    /** A key manager presenting {@code node}'s certificate followed by the service certificate. */
    public static X509KeyManager keyManager(Identity node, X509Certificate serviceCertificate) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] password = new char[0];
            ks.setKeyEntry("node", node.privateKey(), password,
                    new X509Certificate[] {node.certificate(), serviceCertificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509KeyManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X.509 key manager available");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the node's TLS key manager: " + e.getMessage(), e);
        }
    }
}
