package org.consort.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.consort.client.ConsortClient;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Pem;
import org.consort.node.config.NodeConfig;

/** Credentials and a node config in a temporary folder, for in-process node tests. */
final class TestNetwork {
    final Path dir;
    final Path memberCert;
    final Path memberKey;
    final Path userCert;
    final Path userKey;
    final Path strangerCert;
    final Path strangerKey;
    final NodeConfig config;

    TestNetwork(Path dir, int signatureIntervalEntries) throws IOException {
        this.dir = dir;
        SecureRandom random = new SecureRandom();
        memberCert = dir.resolve("member_cert.pem");
        memberKey = dir.resolve("member_privk.pem");
        userCert = dir.resolve("user_cert.pem");
        userKey = dir.resolve("user_privk.pem");
        strangerCert = dir.resolve("stranger_cert.pem");
        strangerKey = dir.resolve("stranger_privk.pem");
        write(memberCert, memberKey, "member0", random);
        write(userCert, userKey, "user0", random);
        write(strangerCert, strangerKey, "stranger", random);
        config = new NodeConfig(dir.resolve("node0").toString(), dir.resolve("node0/ledger").toString(), "127.0.0.1", 0,
                List.of(memberCert.toString()), List.of(userCert.toString()), signatureIntervalEntries, 20, 64L * 1024, true,
                null, 0, null, new NodeConfig.Replication(null, null, null, 300, 600, null, null), null);
    }

    private static void write(Path cert, Path key, String cn, SecureRandom random) throws IOException {
        KeyPair kp = EcCurve.P256.generateKeyPair(random);
        X509Certificate c = Certificates.selfSigned(kp, cn, Instant.now().minusSeconds(60), Duration.ofDays(1), random);
        Files.writeString(cert, Pem.certificate(c));
        Files.writeString(key, Pem.privateKey(kp.getPrivate()));
    }

    Path serviceCert() {
        return Path.of(config.nodeDir(), NodeFiles.SERVICE_CERT);
    }

    ConsortClient user(Node node) throws IOException {
        return ConsortClient.connect("https://127.0.0.1:" + node.port(), serviceCert(), userCert, userKey);
    }

    ConsortClient member(Node node) throws IOException {
        return ConsortClient.connect("https://127.0.0.1:" + node.port(), serviceCert(), memberCert, memberKey);
    }

    ConsortClient stranger(Node node) throws IOException {
        return ConsortClient.connect("https://127.0.0.1:" + node.port(), serviceCert(), strangerCert, strangerKey);
    }

    org.consort.client.MemberClient memberClient(Node node) throws IOException {
        return org.consort.client.MemberClient.connect("https://127.0.0.1:" + node.port(), serviceCert(), memberCert, memberKey);
    }

    /** Opens the service as its member would: ack the state digest, propose, vote. */
    void open(Node node) throws Exception {
        org.consort.client.MemberClient.openService(List.of(memberClient(node)), java.time.Duration.ofSeconds(30));
    }

    /** Waits until every entry is covered by a signature, so that no entry is on its way. */
    static void awaitSigned(Node node) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (node.lastSignedSeqno() < node.lastSeqno()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("entries stay unsigned: " + node.lastSignedSeqno() + " < " + node.lastSeqno());
            }
            Thread.sleep(5);
        }
    }

    ConsortClient anonymous(Node node) throws IOException {
        return ConsortClient.connect("https://127.0.0.1:" + node.port(), serviceCert(), null, null);
    }
}
