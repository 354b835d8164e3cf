package org.consort.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.consort.client.ConsortClient;
import org.consort.client.MemberClient;
import org.consort.crypto.Certificates;
import org.consort.crypto.EcCurve;
import org.consort.crypto.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Governance of a 3-node network of real processes, walked through on one sandbox. Members send
 * their requests to a backup (which forwards them) and every outcome is checked on every node:
 * envelopes that are forged, from a stranger, stale or replayed on another node are refused and
 * recorded nowhere; a proposal with wrong arguments is refused by validate; a constitution and a
 * ballot that loop forever are stopped by the caps, their proposals Failed and the network
 * unharmed; a unanimity constitution makes 2 of 3 votes insufficient; a member added by vote
 * votes once Active and its vote then counts; a user added by vote, a user admitted by a CA
 * bundle and a user with a JWT of a trusted issuer write through a backup and read from another
 * node; bad tokens are refused with their reason and write nothing.
 */
class GovernanceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration VOTE = Duration.ofSeconds(60);
    private static final String ISSUER = "https://idp.consortium.test";

    @TempDir
    Path tmp;

    private final SecureRandom random = new SecureRandom();
    private Path serviceCert;
    private final List<ConsortClient> anyone = new ArrayList<>();

    @Test
    void membersGovernAThreeNodeNetworkAndAdmitUsersByCertificateCaBundleAndJwt() throws Exception {
        Path dir = tmp.resolve("sandbox");
        try (ConsortProcess sandbox = ConsortProcess.start("sandbox", "--nodes", "3", "--dir", dir.toString(), "--users", "1")) {
            sandbox.awaitOutput("Try: curl", Duration.ofSeconds(300));
            JsonNode net = JSON.readTree(dir.resolve("network.json").toFile());
            serviceCert = Path.of(net.get("serviceCert").asText());
            List<String> urls = new ArrayList<>();
            int primary = -1;
            for (JsonNode n : net.withArray("nodes")) {
                urls.add(n.get("url").asText());
                if (n.get("primary").asBoolean()) {
                    primary = urls.size() - 1;
                }
                anyone.add(ConsortClient.connect(n.get("url").asText(), serviceCert, null, null));
            }
            assertThat(primary).as("a primary in network.json").isNotNegative();
            String backupUrl = urls.get((primary + 1) % 3);
            String otherUrl = urls.get((primary + 2) % 3);
            List<MemberClient> members = new ArrayList<>();
            for (JsonNode m : net.withArray("members")) {
                members.add(MemberClient.connect(backupUrl, serviceCert, Path.of(m.get("cert").asText()),
                        Path.of(m.get("key").asText())));
            }
            String user0 = net.at("/users/0/id").asText();

            // --- Refused envelopes are recorded nowhere, on any node -------------------------------
            int proposalsBefore = proposalCount(anyone.get(0));
            String setData = action("set_user_data", Map.of("user_id", user0, "user_data", Map.of("team", "blue")));
            byte[] envelope = members.get(0).sign("proposal", null, setData.getBytes());
            byte[] forged = envelope.clone();
            forged[forged.length - 5] ^= 1;
            assertRefused(postCose(backupUrl, "/gov/members/proposals:create", forged), 401, "BAD_SIGNATURE");
            Path strangerCert = tmp.resolve("stranger_cert.pem");
            Path strangerKey = tmp.resolve("stranger_privk.pem");
            writeIdentity("stranger", strangerCert, strangerKey);
            MemberClient stranger = MemberClient.connect(backupUrl, serviceCert, strangerCert, strangerKey);
            assertRefused(stranger.propose(setData), 401, "UNKNOWN_MEMBER");
            MemberClient lagging = new MemberClient(members.get(0).http(), Pem.readPrivateKey(Files.readString(
                    Path.of(net.at("/members/0/key").asText()))), Pem.readCertificate(Files.readString(
                    Path.of(net.at("/members/0/cert").asText()))), InstantSource.fixed(Instant.now().minus(Duration.ofMinutes(10))));
            assertRefused(lagging.propose(setData), 401, "STALE_REQUEST");
            ConsortClient.Response accepted = postCose(backupUrl, "/gov/members/proposals:create", envelope);
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
            String blue = accepted.json().path("proposalId").asText();
            // The same bytes sent again, through the other backup and to the primary: refused as replayed.
            awaitOnEveryNode("the proposal replicated", c -> proposalState(c, blue).equals("Open"));
            assertRefused(postCose(otherUrl, "/gov/members/proposals:create", envelope), 401, "REPLAYED_REQUEST");
            assertRefused(postCose(urls.get(primary), "/gov/members/proposals:create", envelope), 401, "REPLAYED_REQUEST");
            awaitOnEveryNode("only the accepted envelope is recorded", c -> proposalCount(c) == proposalsBefore + 1);
            vote(members.get(1), blue, "Open");
            vote(members.get(2), blue, "Accepted");
            awaitOnEveryNode("user data applied", c -> userData(c, user0).path("team").asText().equals("blue"));

            // --- Proposals that fail ---------------------------------------------------------------
            ConsortClient.Response invalid = members.get(0).propose(action("set_recovery_threshold",
                    Map.of("recovery_threshold", "two")));
            assertRefused(invalid, 400, "PROPOSAL_INVALID");
            assertThat(invalid.json().at("/error/message").asText()).contains("recovery_threshold must be an integer");
            String looping = "let spins = 0;\nwhile (true) { spins++; }\n"
                    + "export function validate() { return { valid: true, description: 'OK' }; }\n"
                    + "export function resolve() { return 'Accepted'; }\nexport function apply() {}\n";
            String loopId = propose(members.get(0), action("set_constitution", Map.of("constitution", looping)));
            vote(members.get(0), loopId, "Open");
            JsonNode failed = vote(members.get(1), loopId, "Failed");
            assertThat(failed.at("/failure/reason").asText()).contains("was stopped");
            String spinId = propose(members.get(0), action("set_user_data", Map.of("user_id", user0,
                    "user_data", Map.of("team", "spin"))));
            JsonNode spun = members.get(2).vote(spinId, "export function vote() { let i = 0; for (;;) { i++; } }").json();
            assertThat(spun.path("state").asText()).as(spun.toString()).isEqualTo("Failed");
            assertThat(spun.at("/failure/reason").asText()).contains("ballot").contains("was stopped");
            awaitOnEveryNode("both proposals Failed, the constitution unchanged", c -> proposalState(c, loopId).equals("Failed")
                    && proposalState(c, spinId).equals("Failed") && constitution(c).contains("Math.floor(n / 2) + 1")
                    && userData(c, user0).path("team").asText().equals("blue"));
            ConsortClient user = ConsortClient.connect(backupUrl, serviceCert, Path.of(net.at("/users/0/cert").asText()),
                    Path.of(net.at("/users/0/key").asText()));
            writeAndReadEverywhere(user, 1, "the network is unharmed");

            // --- Unanimity -------------------------------------------------------------------------
            String unanimity = constitution(anyone.get(0)).replace("return Math.floor(n / 2) + 1;", "return n;");
            assertThat(unanimity).contains("return n;");
            passEverywhere(members, action("set_constitution", Map.of("constitution", unanimity)), VOTE);
            awaitOnEveryNode("the unanimity constitution", c -> constitution(c).equals(unanimity));
            String green = propose(members.get(0), action("set_user_data", Map.of("user_id", user0,
                    "user_data", Map.of("team", "green"))));
            vote(members.get(0), green, "Open");
            vote(members.get(1), green, "Open");
            assertThat(proposalState(anyone.get(primary), green)).as("2 of 3 no longer pass").isEqualTo("Open");
            vote(members.get(2), green, "Accepted");
            awaitOnEveryNode("3 of 3 pass", c -> userData(c, user0).path("team").asText().equals("green"));

            // --- A member added by vote votes once Active ------------------------------------------
            Path m3Cert = tmp.resolve("member3_cert.pem");
            Path m3Key = tmp.resolve("member3_privk.pem");
            writeIdentity("member3", m3Cert, m3Key);
            passEverywhere(members, action("set_member", Map.of("cert", Files.readString(m3Cert))), VOTE);
            MemberClient member3 = MemberClient.connect(otherUrl, serviceCert, m3Cert, m3Key);
            String red = propose(members.get(0), action("set_user_data", Map.of("user_id", user0,
                    "user_data", Map.of("team", "red"))));
            assertRefused(member3.vote(red, MemberClient.ACCEPT_BALLOT), 403, "MEMBER_NOT_ACTIVE");
            ConsortClient.Response activated = member3.activate();
            assertThat(activated.status()).as(activated.text()).isEqualTo(200);
            awaitOnEveryNode("member3 Active", c -> memberStatus(c, member3.memberId()).equals("Active"));
            for (MemberClient m : members) {
                vote(m, red, "Open"); // unanimity of the 4 Active members now
            }
            vote(member3, red, "Accepted");
            awaitOnEveryNode("member3's vote decided it", c -> userData(c, user0).path("team").asText().equals("red"));
            members.add(member3);

            // --- A user added by vote --------------------------------------------------------------
            Path carolCert = tmp.resolve("carol_cert.pem");
            Path carolKey = tmp.resolve("carol_privk.pem");
            writeIdentity("carol", carolCert, carolKey);
            ConsortClient carol = ConsortClient.connect(backupUrl, serviceCert, carolCert, carolKey);
            assertThat(carol.postJson("/app/log/private", Map.of("id", 10, "msg", "not yet")).status()).isEqualTo(403);
            passEverywhere(members, action("set_user", Map.of("cert", Files.readString(carolCert))), VOTE);
            writeAndReadEverywhere(carol, 10, "carol, admitted by vote");

            // --- A user admitted by its organisation's CA ------------------------------------------
            KeyPair caKey = EcCurve.P384.generateKeyPair(random);
            Instant from = Instant.now().minus(Duration.ofMinutes(5));
            X509Certificate ca = Certificates.selfSignedService(caKey, "Org A Users CA", from, Duration.ofDays(30), random);
            KeyPair danaKey = EcCurve.P256.generateKeyPair(random);
            X509Certificate danaCert = Certificates.nodeCertificate(danaKey.getPublic(), "dana", caKey.getPrivate(), ca, from,
                    Duration.ofDays(7), new Certificates.SubjectAltNames(List.of(), List.of()), random);
            Path danaCertFile = tmp.resolve("dana_cert.pem");
            Path danaKeyFile = tmp.resolve("dana_privk.pem");
            Files.writeString(danaCertFile, Pem.certificate(danaCert));
            Files.writeString(danaKeyFile, Pem.privateKey(danaKey.getPrivate()));
            ConsortClient dana = ConsortClient.connect(backupUrl, serviceCert, danaCertFile, danaKeyFile);
            ConsortClient.Response danaEarly = dana.postJson("/app/log/private", Map.of("id", 20, "msg", "not yet"));
            assertRefused(danaEarly, 403, "UnknownClientCertificate");
            passEverywhere(members, action("set_ca_cert_bundle", Map.of("name", "org-a", "cert_bundle", Pem.certificate(ca))),
                    VOTE);
            awaitOnEveryNode("the bundle", c -> c.get("/gov/service/ca-cert-bundles").text().contains("org-a"));
            writeAndReadEverywhere(dana, 20, "dana, admitted by the org-a CA");

            // --- A user with a JWT of a trusted issuer ---------------------------------------------
            RSAKey idp = new RSAKeyGenerator(2048).keyID("idp-1").generate();
            passEverywhere(members, action("set_jwt_issuer", Map.of("issuer", ISSUER, "audience", "consort",
                    "jwks", JSON.readTree(new JWKSet(idp.toPublicJWK()).toString(true)))), VOTE);
            awaitOnEveryNode("the issuer", c -> c.get("/gov/service/jwt-issuers").text().contains(ISSUER));
            ConsortClient viaBackup = anyone.get((primary + 1) % 3);
            String erin = jwt(idp, JWSAlgorithm.RS256, ISSUER, "erin", "consort", Instant.now().plus(Duration.ofMinutes(10)));
            ConsortClient.Response erinWrote = bearer(viaBackup, "POST", "/app/log/private",
                    "{\"id\": 30, \"msg\": \"from erin\"}", erin);
            assertThat(erinWrote.status()).as("a JWT write through a backup: %s", erinWrote.text()).isEqualTo(200);
            String erinTx = erinWrote.transactionId().orElseThrow();
            assertThat(viaBackup.awaitStatus(erinTx, Duration.ofSeconds(30))).isEqualTo("Committed");
            for (ConsortClient c : anyone) {
                awaitTrue("erin reads her record on " + c.baseUri(), () -> bearer(c, "GET", "/app/log/private?id=30", null, erin)
                        .json().path("msg").asText().equals("from erin"));
            }

            // Bad tokens, through the backup: each refused with its reason, nothing written.
            RSAKey forger = new RSAKeyGenerator(2048).keyID("idp-1").generate();
            Map<String, String> bad = new java.util.LinkedHashMap<>();
            bad.put("TokenExpired", jwt(idp, JWSAlgorithm.RS256, ISSUER, "erin", "consort", Instant.now().minus(Duration.ofMinutes(5))));
            bad.put("UnknownTokenIssuer", jwt(idp, JWSAlgorithm.RS256, "https://rogue.test", "erin", "consort",
                    Instant.now().plus(Duration.ofMinutes(10))));
            bad.put("InvalidTokenSignature", jwt(forger, JWSAlgorithm.RS256, ISSUER, "erin", "consort",
                    Instant.now().plus(Duration.ofMinutes(10))));
            bad.put("UnsignedToken", new PlainJWT(new JWTClaimsSet.Builder().issuer(ISSUER).subject("erin").audience("consort")
                    .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10)))).build()).serialize());
            bad.put("WrongTokenAudience", jwt(idp, JWSAlgorithm.RS256, ISSUER, "erin", "another-service",
                    Instant.now().plus(Duration.ofMinutes(10))));
            for (Map.Entry<String, String> b : bad.entrySet()) {
                ConsortClient.Response r = bearer(viaBackup, "POST", "/app/log/private", "{\"id\": 30, \"msg\": \"overwritten\"}",
                        b.getValue());
                assertRefused(r, 401, b.getKey());
                assertThat(r.json().at("/error/message").asText()).as(b.getKey()).isNotBlank().doesNotContain("Exception");
                assertThat(r.transactionId()).isEmpty();
            }
            // A later write of erin's commits; then every node still has erin's record as she wrote it.
            String later = bearer(viaBackup, "POST", "/app/log/private", "{\"id\": 31, \"msg\": \"later\"}", erin)
                    .transactionId().orElseThrow();
            assertThat(viaBackup.awaitStatus(later, Duration.ofSeconds(30))).isEqualTo("Committed");
            for (ConsortClient c : anyone) {
                awaitTrue("nothing overwritten on " + c.baseUri(), () -> bearer(c, "GET", "/app/log/private?id=31", null, erin)
                        .status() == 200 && bearer(c, "GET", "/app/log/private?id=30", null, erin).json().path("msg").asText()
                        .equals("from erin"));
            }
            assertThat(sandbox.stop(Duration.ofSeconds(60))).isZero();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static String action(String name, Map<String, Object> args) throws Exception {
        return JSON.writeValueAsString(Map.of("actions", List.of(Map.of("name", name, "args", args))));
    }

    /**
     * Members pass the proposal; then every node has applied it. A backup authenticates callers
     * with its own copy of the store, so a user admitted a moment ago on the primary is not known
     * there before it has caught up.
     */
    private void passEverywhere(List<MemberClient> members, String proposal, Duration timeout) throws Exception {
        String id = MemberClient.pass(members, proposal, timeout);
        awaitOnEveryNode("proposal " + id + " Accepted", c -> proposalState(c, id).equals("Accepted"));
    }

    private static String propose(MemberClient m, String proposal) throws Exception {
        ConsortClient.Response r = m.propose(proposal);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.json().path("proposalId").asText();
    }

    private static JsonNode vote(MemberClient m, String proposalId, String expectedState) throws Exception {
        ConsortClient.Response r = m.vote(proposalId, MemberClient.ACCEPT_BALLOT);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json().path("state").asText()).as(r.text()).isEqualTo(expectedState);
        return r.json();
    }

    private static void assertRefused(ConsortClient.Response r, int status, String code) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.json().at("/error/code").asText()).as(r.text()).isEqualTo(code);
    }

    private ConsortClient.Response postCose(String url, String path, byte[] envelope) throws Exception {
        ConsortClient c = ConsortClient.connect(url, serviceCert, null, null);
        return c.send(HttpRequest.newBuilder(URI.create(url + path)).header("content-type", "application/cose")
                .POST(HttpRequest.BodyPublishers.ofByteArray(envelope)));
    }

    private static ConsortClient.Response bearer(ConsortClient c, String method, String path, String body, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(c.baseUri().resolve(path)).header("authorization", "Bearer " + token);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return c.send(b);
    }

    private static String jwt(RSAKey key, JWSAlgorithm alg, String iss, String sub, String aud, Instant exp) throws Exception {
        SignedJWT t = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), new JWTClaimsSet.Builder()
                .issuer(iss).subject(sub).audience(aud).issueTime(new Date()).expirationTime(Date.from(exp)).build());
        t.sign(new RSASSASigner(key));
        return t.serialize();
    }

    private void writeIdentity(String name, Path cert, Path key) throws Exception {
        KeyPair kp = EcCurve.P384.generateKeyPair(random);
        Files.writeString(cert, Pem.certificate(Certificates.selfSigned(kp, name, Instant.now().minus(Duration.ofMinutes(5)),
                Duration.ofDays(30), random)));
        Files.writeString(key, Pem.privateKey(kp.getPrivate()));
    }

    /** Writes through {@code c}'s node (a backup), waits for the commit, reads the record on every node with the same credentials. */
    private void writeAndReadEverywhere(ConsortClient c, int id, String what) throws Exception {
        ConsortClient.Response w = c.postJson("/app/log/private", Map.of("id", id, "msg", what));
        assertThat(w.status()).as("%s writes: %s", what, w.text()).isEqualTo(200);
        assertThat(c.awaitStatus(w.transactionId().orElseThrow(), Duration.ofSeconds(30))).isEqualTo("Committed");
        assertThat(c.get("/app/log/private?id=" + id).json().path("msg").asText()).isEqualTo(what);
        awaitOnEveryNode(what + " committed everywhere", n -> {
            String status = n.get("/node/tx?transaction_id=" + w.transactionId().orElseThrow()).json().path("status").asText();
            return status.equals("Committed");
        });
    }

    private static int proposalCount(ConsortClient c) throws Exception {
        return c.get("/gov/members/proposals").json().path("value").size();
    }

    private static String proposalState(ConsortClient c, String id) throws Exception {
        ConsortClient.Response r = c.get("/gov/members/proposals/" + id);
        return r.status() == 200 ? r.json().path("state").asText() : "(" + r.status() + ")";
    }

    private static String constitution(ConsortClient c) throws Exception {
        return c.get("/gov/service/constitution").text();
    }

    private static JsonNode userData(ConsortClient c, String userId) throws Exception {
        for (JsonNode u : c.get("/gov/service/users").json().path("value")) {
            if (u.path("userId").asText().equals(userId)) {
                return u.path("userData");
            }
        }
        return JSON.createObjectNode();
    }

    private static String memberStatus(ConsortClient c, String memberId) throws Exception {
        for (JsonNode m : c.get("/gov/service/members").json().path("value")) {
            if (m.path("memberId").asText().equals(memberId)) {
                return m.path("status").asText();
            }
        }
        return "(none)";
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private interface NodeCheck {
        boolean holds(ConsortClient node) throws Exception;
    }

    private void awaitOnEveryNode(String what, NodeCheck check) throws Exception {
        for (ConsortClient c : anyone) {
            awaitTrue(what + " on " + c.baseUri(), () -> check.holds(c));
        }
    }

    private static void awaitTrue(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(50);
        }
    }
}
