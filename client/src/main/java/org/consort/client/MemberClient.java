package org.consort.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.upokecenter.cbor.CBORObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.consort.crypto.Certificates;
import org.consort.crypto.CoseSign1;
import org.consort.crypto.Pem;

/**
 * A member's side of governance: signs each state-changing request as a COSE Sign1 envelope
 * (protected header: alg, kid = member id, {@code msg_type}, {@code created_at} and, for ballots
 * and withdrawals, {@code proposal_id}) with a key that never leaves this process, and sends it
 * to {@code /gov}. Thread-safe.
 */
public final class MemberClient {
    /** A ballot that votes for the proposal. */
    public static final String ACCEPT_BALLOT = "export function vote(proposal, proposerId) { return true; }";
    /** A ballot that votes against the proposal. */
    public static final String REJECT_BALLOT = "export function vote(proposal, proposerId) { return false; }";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ConsortClient http;
    private final PrivateKey key;
    private final String memberId;
    private final InstantSource clock;

    public MemberClient(ConsortClient http, PrivateKey key, X509Certificate cert, InstantSource clock) {
        this.http = http;
        this.key = key;
        this.memberId = Certificates.keyId(cert);
        this.clock = clock;
    }

    /** Connects with the member's certificate and key files (PEM). */
    public static MemberClient connect(String url, Path serviceCert, Path cert, Path key) throws IOException {
        ConsortClient http = ConsortClient.connect(url, serviceCert, cert, key);
        return new MemberClient(http, Pem.readPrivateKey(Files.readString(key)), Pem.readCertificate(Files.readString(cert)),
                InstantSource.system());
    }

    public String memberId() {
        return memberId;
    }

    public ConsortClient http() {
        return http;
    }

    /** A signed envelope of {@code payload}; {@code proposalId} only for ballots and withdrawals. */
    public byte[] sign(String msgType, String proposalId, byte[] payload) {
        CoseSign1.Builder b = CoseSign1.builder()
                .kid(memberId)
                .protectedHeader("msg_type", CBORObject.FromObject(msgType))
                .protectedHeader("created_at", CBORObject.FromObject(clock.instant().getEpochSecond()))
                .payload(payload);
        if (proposalId != null) {
            b.protectedHeader("proposal_id", CBORObject.FromObject(proposalId));
        }
        return b.sign(key).encode();
    }

    /** Creates a proposal ({@code {"actions": [...]}}); the answer has {@code proposalId} and {@code state}. */
    public ConsortClient.Response propose(String proposalJson) throws IOException, InterruptedException {
        return post("/gov/members/proposals:create", sign("proposal", null, proposalJson.getBytes(StandardCharsets.UTF_8)));
    }

    /** Votes with a JavaScript ballot ({@link #ACCEPT_BALLOT}, {@link #REJECT_BALLOT} or any {@code vote} function). */
    public ConsortClient.Response vote(String proposalId, String ballotJs) throws IOException, InterruptedException {
        byte[] body = JSON.writeValueAsBytes(java.util.Map.of("ballot", ballotJs));
        return post("/gov/members/proposals/" + proposalId + "/ballots/" + memberId + ":submit",
                sign("ballot", proposalId, body));
    }

    public ConsortClient.Response withdraw(String proposalId) throws IOException, InterruptedException {
        return post("/gov/members/proposals/" + proposalId + ":withdraw", sign("withdrawal", proposalId, new byte[0]));
    }

    /**
     * Recovery: fetches this member's share (encrypted to its encryption key), decrypts it here
     * with {@code encryptionKey} (RSA-OAEP-256; the key never leaves this machine) and submits it in
     * a signed {@code recovery_share} envelope. The answer says how many shares are in and whether
     * the threshold is reached.
     */
    public ConsortClient.Response submitRecoveryShare(PrivateKey encryptionKey) throws IOException, InterruptedException {
        ConsortClient.Response fetched = http.get("/gov/recovery/encrypted-share/" + memberId);
        if (fetched.status() != 200) {
            return fetched;
        }
        byte[] share;
        try {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPPadding");
            c.init(javax.crypto.Cipher.DECRYPT_MODE, encryptionKey, new javax.crypto.spec.OAEPParameterSpec("SHA-256", "MGF1",
                    java.security.spec.MGF1ParameterSpec.SHA256, javax.crypto.spec.PSource.PSpecified.DEFAULT));
            share = c.doFinal(java.util.Base64.getDecoder().decode(fetched.json().path("encryptedShare").asText()));
        } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("cannot decrypt this member's recovery share with the given key: " + e.getMessage(), e);
        }
        byte[] body = JSON.writeValueAsBytes(java.util.Map.of("share", java.util.Base64.getEncoder().encodeToString(share)));
        java.util.Arrays.fill(share, (byte) 0);
        return post("/gov/recovery/members/" + memberId + ":recover", sign("recovery_share", null, body));
    }

    public ConsortClient.Response proposal(String proposalId) throws IOException, InterruptedException {
        return http.get("/gov/members/proposals/" + proposalId);
    }

    public ConsortClient.Response proposals() throws IOException, InterruptedException {
        return http.get("/gov/members/proposals");
    }

    /**
     * Becomes Active: fetches the state digest (authenticated by the member's TLS certificate)
     * and acknowledges it with a signed envelope. Returns the ack's answer.
     */
    public ConsortClient.Response activate() throws IOException, InterruptedException {
        ConsortClient.Response update = http.send(HttpRequest.newBuilder(uri("/gov/members/state-digests/" + memberId + ":update"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (update.status() != 200) {
            return update;
        }
        String digest = update.json().path("stateDigest").asText();
        byte[] body = JSON.writeValueAsBytes(java.util.Map.of("state_digest", digest));
        return post("/gov/members/state-digests/" + memberId + ":ack", sign("ack", null, body));
    }

    private ConsortClient.Response post(String path, byte[] envelope) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).header("content-type", "application/cose")
                .POST(HttpRequest.BodyPublishers.ofByteArray(envelope)));
    }

    private URI uri(String path) {
        return http.baseUri().resolve(path);
    }

    /**
     * Opens a new service as its first members would: each member acknowledges the state
     * digest, the first proposes {@code transition_service_to_open}, and members vote for it
     * until it is accepted. Returns the proposal id.
     */
    public static String openService(java.util.List<MemberClient> members, Duration timeout)
            throws IOException, InterruptedException {
        return openService(members, "", timeout);
    }

    /**
     * As {@link #openService(java.util.List, Duration)}, with {@code actionsBefore} (JSON action
     * objects separated by commas, or empty) in the same proposal, before the opening.
     */
    public static String openService(java.util.List<MemberClient> members, String actionsBefore, Duration timeout)
            throws IOException, InterruptedException {
        for (MemberClient m : members) {
            ConsortClient.Response r = m.activate();
            if (r.status() != 200) {
                throw new IOException("member " + m.memberId() + " could not become Active: " + r.status() + " " + r.text());
            }
        }
        return pass(members, "{\"actions\": [" + (actionsBefore.isEmpty() ? "" : actionsBefore + ", ")
                + "{\"name\": \"transition_service_to_open\", \"args\": {}}]}", timeout);
    }

    /**
     * The first member proposes {@code proposalJson} and members vote for it, in order, until it
     * is accepted. Returns the proposal id; IOException when it is refused or not accepted.
     */
    public static String pass(java.util.List<MemberClient> members, String proposalJson, Duration timeout)
            throws IOException, InterruptedException {
        ConsortClient.Response created = members.get(0).propose(proposalJson);
        if (created.status() != 200) {
            throw new IOException("proposal refused: " + created.status() + " " + created.text());
        }
        String id = created.json().path("proposalId").asText();
        if (created.json().path("state").asText().equals("Accepted")) {
            return id;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (MemberClient m : members) {
            ConsortClient.Response v = m.vote(id, ACCEPT_BALLOT);
            String state = v.status() == 200 ? v.json().path("state").asText() : "";
            if (state.equals("Accepted")) {
                return id;
            }
            if (v.status() != 200 || System.nanoTime() > deadline) {
                throw new IOException("vote on proposal " + id + " failed: " + v.status() + " " + v.text());
            }
        }
        throw new IOException("proposal " + id + " was not accepted by all members' votes");
    }

    /** Members vote {@code transition_node_to_trusted} for a node that asked to join. */
    public static String trustNode(java.util.List<MemberClient> members, String nodeId, Duration timeout)
            throws IOException, InterruptedException {
        return pass(members, "{\"actions\": [{\"name\": \"transition_node_to_trusted\", \"args\": {\"node_id\": \""
                + nodeId + "\"}}]}", timeout);
    }

    /** Members vote {@code remove_node}: the node is retired and leaves the replication group. */
    public static String retireNode(java.util.List<MemberClient> members, String nodeId, Duration timeout)
            throws IOException, InterruptedException {
        return pass(members, "{\"actions\": [{\"name\": \"remove_node\", \"args\": {\"node_id\": \""
                + nodeId + "\"}}]}", timeout);
    }
}
