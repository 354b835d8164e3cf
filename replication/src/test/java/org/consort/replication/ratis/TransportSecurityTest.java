package org.consort.replication.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.consort.crypto.Identity;
import org.consort.replication.Peer;
import org.consort.replication.PeerTrust;
import org.consort.replication.RecordingStateMachine;
import org.consort.replication.ReplicationConfig;
import org.consort.replication.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class TransportSecurityTest {
    @TempDir
    Path dir;

    /**
     * Connects with TLS as {@code client}, speaks the HTTP/2 preface and returns the first
     * bytes of the server's answer; a refused certificate surfaces as an IOException.
     */
    static int talk(Cluster.Member server, Cluster c, Identity client, java.security.cert.X509Certificate clientService)
            throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        PeerTrust serverCheck = new PeerTrust(c.pki.serviceCertificate(), List.of(server.peer.id()), InstantSource.system());
        ctx.init(new KeyManager[] {PeerTrust.keyManager(client, clientService)}, new TrustManager[] {serverCheck}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.peer.port())) {
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[] {"h2"});
            s.setSSLParameters(p);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS frame
            out.flush();
            InputStream in = s.getInputStream();
            byte[] answer = new byte[9];
            int n = in.read(answer);
            if (n < 0) {
                throw new IOException("server closed the connection");
            }
            return n;
        }
    }

    @Test
    @Timeout(90)
    void onlyMembersEndorsedByTheServiceCanTalkOrJoin() throws Exception {
        try (Cluster c = new Cluster(dir, 3, 31, cfg -> cfg).startAll()) {
            Cluster.Member leader = c.awaitLeader(Duration.ofSeconds(20));
            long term = leader.log.currentTerm();
            Cluster.Member member = c.running().stream().filter(m -> m != leader).findFirst().orElseThrow();

            // A member's own certificate is accepted: the server answers with HTTP/2 settings.
            assertThat(talk(leader, c, member.identity, c.pki.serviceCertificate())).isPositive();

            // A node certificate from another service (same names, different issuer key) is refused.
            TestPki rogueService = new TestPki(32, "consort-test-service");
            Identity rogue = rogueService.newNode("node9");
            assertThatThrownBy(() -> talk(leader, c, rogue, rogueService.serviceCertificate())).isInstanceOf(IOException.class);

            // A certificate the service endorsed, but for a node that is not a member, is refused too.
            Identity outsider = c.pki.newNode("outsider");
            assertThatThrownBy(() -> talk(leader, c, outsider, c.pki.serviceCertificate())).isInstanceOf(IOException.class);

            // A rogue replication server that lists the members as its peers cannot disturb or join them.
            Peer roguePeer = new Peer(rogue.id(), "127.0.0.1", Cluster.freePort());
            List<Peer> peers = new ArrayList<>(c.initial);
            peers.add(roguePeer);
            RecordingStateMachine rogueSm = new RecordingStateMachine();
            ReplicationConfig rc = ReplicationConfig.defaults(c.group, roguePeer, peers, dir.resolve("rogue"))
                    .withElectionTimeouts(Duration.ofMillis(300), Duration.ofMillis(600));
            try (RatisReplicatedLog rogueLog = RatisReplicatedLog.start(rc, rogue, rogueService.serviceCertificate(), rogueSm,
                    InstantSource.system())) {
                leader.log.propose(new byte[8]).get(20, TimeUnit.SECONDS);
                Thread.sleep(3000);
                assertThat(rogueLog.leaderId()).isEmpty();
                assertThat(rogueSm.applied()).isEmpty();
            }
            assertThat(leader.log.isLeaderReady()).isTrue();
            assertThat(leader.log.currentTerm()).isEqualTo(term);
            assertThat(leader.log.peers()).extracting(Peer::id).doesNotContain(roguePeer.id());
        }
    }
}
