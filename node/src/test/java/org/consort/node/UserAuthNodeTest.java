package org.consort.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Pem;
import org.consort.node.auth.TestCerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Users that governance admits without registering their certificate, over real HTTPS on one
 * node: holders of a certificate from a CA bundle's CA, and bearers of a JWT from a trusted
 * issuer; and joins refused for a platform that is not allowed.
 */
class UserAuthNodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISS = "https://login.example";

    @TempDir
    Path dir;
    TestNetwork net;
    Node node;
    MemberClient member;

    @BeforeEach
    void start() throws Exception {
        net = new TestNetwork(dir, 10);
        node = Node.start(net.config);
        member = net.memberClient(node);
        MemberClient.openService(List.of(member), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private String url() {
        return "https://127.0.0.1:" + node.port();
    }

    private void pass(String action, Object args) throws Exception {
        MemberClient.pass(List.of(member), JSON.writeValueAsString(Map.of("actions", List.of(Map.of("name", action,
                "args", args)))), Duration.ofSeconds(30));
    }

    private static ConsortClient.Response withToken(ConsortClient c, String method, String path, String body, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.baseUri().resolve(path)).header("authorization", "Bearer " + token);
        if (body != null) {
            b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return c.send(b);
    }

    /** A WebSocket to the JSON-RPC path with a bearer token and no client certificate; text frames go to {@code frames}. */
    private java.util.concurrent.CompletableFuture<java.net.http.WebSocket> webSocket(String token,
            java.util.concurrent.BlockingQueue<String> frames) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .sslContext(org.consort.crypto.TlsContexts.client(null, null,
                        Pem.readCertificate(Files.readString(net.serviceCert()))))
                .sslParameters(org.consort.crypto.TlsContexts.parameters()).build();
        return http.newWebSocketBuilder().header("authorization", "Bearer " + token)
                .buildAsync(java.net.URI.create("wss://127.0.0.1:" + node.port() + "/app/ethereum"),
                        new java.net.http.WebSocket.Listener() {
                            private final StringBuilder text = new StringBuilder();

                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                    CharSequence data, boolean last) {
                                text.append(data);
                                if (last) {
                                    frames.add(text.toString());
                                    text.setLength(0);
                                }
                                w.request(1);
                                return null;
                            }
                        });
    }

    private static String token(ECKey key, String iss, String sub, Instant exp) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(iss).subject(sub).audience("consort").expirationTime(Date.from(exp)).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    @Test
    void aJwtBearerWritesReadsAndActsAsItsBoundAddressWhileBadTokensWriteNothing() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        ConsortClient anonymous = net.anonymous(node);
        String early = token(key, ISS, "alice", Instant.now().plusSeconds(600));
        ConsortClient.Response unknown = withToken(anonymous, "POST", "/app/log/private", "{\"id\":1,\"msg\":\"x\"}", early);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.json().at("/error/code").asText()).isEqualTo("UnknownTokenIssuer");

        pass("set_jwt_issuer", Map.of("issuer", ISS, "jwks", JSON.readTree(new JWKSet(key.toPublicJWK()).toString(true)),
                "audience", "consort"));
        assertThat(anonymous.get("/gov/service/jwt-issuers").json().at("/value/0/issuer").asText()).isEqualTo(ISS);
        String alice = token(key, ISS, "alice", Instant.now().plusSeconds(600));
        ConsortClient.Response written = withToken(anonymous, "POST", "/app/log/private", "{\"id\":1,\"msg\":\"from alice\"}", alice);
        assertThat(written.status()).as(written.text()).isEqualTo(200);
        assertThat(written.transactionId()).isPresent();
        ConsortClient.Response read = withToken(anonymous, "GET", "/app/log/private?id=1", null, alice);
        assertThat(read.json().path("msg").asText()).isEqualTo("from alice");
        // Without a token or a certificate: 401 that names both ways in.
        ConsortClient.Response none = anonymous.get("/app/log/private?id=1");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().at("/error/message").asText()).contains("Bearer");

        TestNetwork.awaitSigned(node);
        long before = node.lastSeqno();
        ECKey other = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        for (String bad : List.of(token(key, ISS, "alice", Instant.now().minusSeconds(3600)),
                token(other, ISS, "alice", Instant.now().plusSeconds(600)),
                token(key, "https://elsewhere.example", "alice", Instant.now().plusSeconds(600)))) {
            ConsortClient.Response r = withToken(anonymous, "POST", "/app/log/private", "{\"id\":1,\"msg\":\"overwritten\"}", bad);
            assertThat(r.status()).as(r.text()).isEqualTo(401);
            assertThat(r.text()).doesNotContain("Exception").doesNotContain("\tat ");
        }
        ConsortClient.Response basic = anonymous.send(HttpRequest.newBuilder(anonymous.baseUri().resolve("/app/log/private?id=1"))
                .header("authorization", "Basic YWxpY2U6c2VjcmV0"));
        assertThat(basic.json().at("/error/code").asText()).isEqualTo("UnsupportedAuthorization");
        assertThat(node.lastSeqno()).as("refused tokens write nothing").isEqualTo(before);
        assertThat(withToken(anonymous, "GET", "/app/log/private?id=1", null, alice).json().path("msg").asText())
                .isEqualTo("from alice");

        // The Ethereum application binds the JWT user by its id, issuer#subject.
        String address = "0x00000000000000000000000000000000000000a1";
        String rpc = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBalance\",\"params\":[\"" + address + "\",\"latest\"]}";
        assertThat(withToken(anonymous, "POST", "/app/ethereum", rpc, alice).json().has("error")).isTrue();
        pass("set_user_ethereum_addresses", Map.of("user_id", ISS + "#alice", "addresses", List.of(address)));
        ConsortClient.Response balance = withToken(anonymous, "POST", "/app/ethereum", rpc, alice);
        assertThat(balance.json().path("result").asText()).as(balance.text()).isEqualTo("0x0");
        String bob = token(key, ISS, "bob", Instant.now().plusSeconds(600));
        assertThat(withToken(anonymous, "POST", "/app/ethereum", rpc, bob).json().has("error")).as("bob is not bound").isTrue();

        // The same bearer opens a WebSocket on the JSON-RPC path; a bad token is refused at the upgrade.
        java.util.concurrent.LinkedBlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = webSocket(alice, frames).join();
        ws.sendText("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_subscribe\",\"params\":[\"newHeads\"]}", true).join();
        String subscribed = frames.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(JSON.readTree(subscribed).path("result").asText()).as(subscribed).startsWith("0x");
        ws.sendText(rpc, true).join();
        String viaSocket = frames.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(JSON.readTree(viaSocket).path("result").asText()).as(viaSocket).isEqualTo("0x0");
        ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").join();
        String expired = token(key, ISS, "alice", Instant.now().minusSeconds(3600));
        assertThat(webSocket(expired, frames)).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().havingRootCause().withMessageContaining("401");

        // Once the issuer is removed its tokens are refused.
        pass("remove_jwt_issuer", Map.of("issuer", ISS));
        assertThat(withToken(anonymous, "GET", "/app/log/private?id=1", null, alice).status()).isEqualTo(401);
    }

    @Test
    void aCertificateFromABundlesCaIsAUserUntilTheBundleIsRemoved() throws Exception {
        Instant from = Instant.now().minus(Duration.ofHours(1));
        TestCerts.Issued ca = TestCerts.rootCa("Org A Root", from, Duration.ofDays(30));
        TestCerts.Issued dana = TestCerts.leaf("dana", ca, from, Duration.ofDays(10));
        TestCerts.Issued eve = TestCerts.leaf("eve", TestCerts.rootCa("Elsewhere", from, Duration.ofDays(30)), from,
                Duration.ofDays(10));
        ConsortClient danaClient = client(dana, "dana");
        ConsortClient eveClient = client(eve, "eve");
        assertThat(danaClient.postJson("/app/log/public", Map.of("id", 5, "msg", "too early")).status()).isEqualTo(403);

        pass("set_ca_cert_bundle", Map.of("name", "org-a", "cert_bundle", Pem.certificate(ca.cert())));
        ConsortClient.Response w = danaClient.postJson("/app/log/public", Map.of("id", 5, "msg", "from dana"));
        assertThat(w.status()).as(w.text()).isEqualTo(200);
        assertThat(danaClient.get("/app/log/public?id=5").json().path("msg").asText()).isEqualTo("from dana");
        ConsortClient.Response refused = eveClient.postJson("/app/log/public", Map.of("id", 5, "msg", "from eve"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().at("/error/message").asText()).contains("no CA bundle admits it");
        // A CA-admitted user is not a member.
        MemberClient danaAsMember = MemberClient.connect(url(), net.serviceCert(), dir.resolve("dana_cert.pem"),
                dir.resolve("dana_privk.pem"));
        assertThat(danaAsMember.propose("{\"actions\": [{\"name\": \"trigger_snapshot\", \"args\": {}}]}").status())
                .isEqualTo(401);

        pass("remove_ca_cert_bundle", Map.of("name", "org-a"));
        assertThat(danaClient.get("/app/log/public?id=5").status()).isEqualTo(403);
    }

    @Test
    void aNodeOfAPlatformThatIsNotAllowedCannotAskToJoin() throws Exception {
        ConsortClient stranger = net.stranger(node);
        assertThat(net.anonymous(node).get("/gov/service/platforms").json().at("/value/0/platform").asText()).isEqualTo("virtual");
        ConsortClient.Response sev = join(stranger, "sev-snp");
        assertThat(sev.status()).isEqualTo(403);
        assertThat(sev.json().at("/error/code").asText()).isEqualTo("PlatformNotAllowed");
        assertThat(sev.json().at("/error/message").asText()).contains("'sev-snp'").contains("allowed: virtual").contains("add_platform");

        pass("add_platform", Map.of("platform", "sev-snp"));
        ConsortClient.Response measured = join(stranger, "sev-snp");
        assertThat(measured.json().at("/error/code").asText()).as("the platform passes; its code is not allowed")
                .isEqualTo("MeasurementNotAllowed");

        pass("remove_platform", Map.of("platform", "virtual"));
        ConsortClient.Response virtual = join(stranger, "virtual");
        assertThat(virtual.status()).isEqualTo(403);
        assertThat(virtual.json().at("/error/message").asText()).contains("'virtual'").contains("allowed: sev-snp");
    }

    private ConsortClient.Response join(ConsortClient c, String platform) throws Exception {
        return c.postJson("/node/join", Map.of("url", "https://127.0.0.1:1", "raftAddress", "127.0.0.1:2",
                "attestation", Map.of("platform", platform, "measurement", "abcd", "reportData", "00")));
    }

    private ConsortClient client(TestCerts.Issued who, String name) throws Exception {
        Path cert = dir.resolve(name + "_cert.pem");
        Path key = dir.resolve(name + "_privk.pem");
        Files.writeString(cert, Pem.certificate(who.cert()));
        Files.writeString(key, Pem.privateKey(who.key().getPrivate()));
        return ConsortClient.connect(url(), net.serviceCert(), cert, key);
    }
}
