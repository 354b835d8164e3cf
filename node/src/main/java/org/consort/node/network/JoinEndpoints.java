package org.consort.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.consort.crypto.Pem;
import org.consort.governance.GovMaps;
import org.consort.kv.WriteTx;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;
import org.consort.replication.Peer;

/**
 * {@code POST /node/join}, served by the primary (backups forward it): a new node presents its
 * certificate over TLS, its addresses and its attestation evidence. The first request records it
 * as {@code Pending} if its measurement is one governance allows; members then vote
 * {@code transition_node_to_trusted}; the primary endorses its certificate; the next request
 * answers with the endorsed certificate, the replication group and the network secrets sealed to
 * the node's key. A request with {@code raftReady} asks the primary to add the node to the group.
 */
public final class JoinEndpoints {
    /** Longest URL or address a node may give. */
    public static final int ADDRESS_CHARS_MAX = 256;

    /** What the node offers the join protocol. */
    public interface Service {
        X509Certificate serviceCert();

        UUID groupId();

        /** The replication group's current members. */
        List<Peer> peers();

        /** What the group adds to its log terms to make views (non-zero after a recovery). */
        long viewOffset();

        /** The secrets a trusted node receives. */
        NetworkSecrets networkSecrets();

        /** Adds the node to the replication group, in the background; does nothing if it is a member. */
        void addToGroup(Peer peer);
    }

    private final Service service;

    public JoinEndpoints(Service service) {
        this.service = service;
    }

    public void register(EndpointRegistry registry) {
        registry.post("/node/join", AuthPolicy.ANY_CERT)
                .summary("A new node asks to join: {\"url\", \"raftAddress\", \"attestation\": {\"platform\", \"measurement\", "
                        + "\"reportData\"}, \"raftReady\"}; answers its status, and once it is trusted its endorsed "
                        + "certificate, the replication group and the network secrets sealed to its key")
                .jsonBody()
                .readWrite(this::join);
    }

    private Object join(RequestContext ctx, WriteTx tx) {
        ObjectNode body = ctx.json();
        String id = ctx.caller().id();
        X509Certificate presented = ctx.caller().certificate();
        Optional<NodeRecord> existing = tx.read(GovMaps.NODES).get(id).map(NodeRecord::fromJson);
        if (existing.isEmpty()) {
            NodeRecord record = admit(body, presented, tx);
            tx.write(GovMaps.NODES).put(id, record.toJson());
            ctx.status(202);
            return status(id, record.status());
        }
        NodeRecord r = existing.get();
        if (r.status().equals(NodeRecord.RETIRED)) {
            throw new HttpError(403, "NodeRetired", "node " + id + " was retired from this service and cannot join again");
        }
        if (!r.isEndorsed()) {
            ctx.status(202);
            return status(id, r.status());
        }
        // Only the holder of the key it joined with receives the secrets.
        if (r.joinCert().isEmpty() || !Pem.certificate(presented).equals(Pem.certificate(Pem.readCertificate(r.joinCert().get())))) {
            throw new HttpError(403, "NotTheJoiningNode", "this certificate is not the one node " + id + " joined with");
        }
        Peer self = peer(id, r.raftAddress());
        if (body.path("raftReady").asBoolean(false)) {
            service.addToGroup(self);
        }
        ObjectNode out = status(id, r.status());
        out.put("cert", r.cert().get());
        out.put("serviceCert", Pem.certificate(service.serviceCert()));
        out.put("groupId", service.groupId().toString());
        out.put("viewOffset", service.viewOffset());
        ArrayNode peers = out.putArray("peers");
        for (Peer p : service.peers()) {
            peers.addObject().put("nodeId", p.id()).put("raftAddress", p.address());
        }
        out.put("networkSecrets", service.networkSecrets().seal(presented.getPublicKey(), id));
        return out;
    }

    private NodeRecord admit(ObjectNode body, X509Certificate presented, WriteTx tx) {
        String url = address(body, "url");
        String raftAddress = address(body, "raftAddress");
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest("field 'url' is not a URL: " + e.getMessage());
        }
        if (!"https".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 1) {
            throw HttpError.badRequest("field 'url' must be https://host:port");
        }
        peer("check", raftAddress);
        VirtualAttestation.Evidence evidence;
        try {
            evidence = VirtualAttestation.Evidence.fromJson(body.get("attestation"));
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
        if (!tx.read(GovMaps.NODE_PLATFORMS).containsKey(evidence.platform())) {
            java.util.List<String> platforms = new java.util.ArrayList<>();
            tx.read(GovMaps.NODE_PLATFORMS).forEach((name, j) -> platforms.add(name));
            throw new HttpError(403, "PlatformNotAllowed", "attestation platform '" + evidence.platform()
                    + "' is not allowed to join this service (allowed: " + (platforms.isEmpty() ? "none" : String.join(", ", platforms))
                    + "); members allow a platform with add_platform");
        }
        Optional<String> allowed = tx.read(GovMaps.NODE_CODE_IDS).get(evidence.measurement().toLowerCase(java.util.Locale.ROOT));
        JsonNode code = allowed.map(j -> (JsonNode) Json.parseObject(j.getBytes(StandardCharsets.UTF_8))).orElse(null);
        if (code == null || !code.path("platform").asText().equals(evidence.platform())
                || !code.path("status").asText().equals("AllowedToJoin")) {
            throw new HttpError(403, "MeasurementNotAllowed", "measurement " + evidence.measurement() + " on platform "
                    + evidence.platform() + " is not allowed to join this service (add_node_measurement)");
        }
        if (!evidence.reportData().equalsIgnoreCase(VirtualAttestation.reportData(presented.getPublicKey()))) {
            throw new HttpError(403, "EvidenceMismatch", "the attestation evidence does not bind the key of the TLS certificate");
        }
        return new NodeRecord(NodeRecord.PENDING, Optional.empty(), Optional.of(Pem.certificate(presented)), url, raftAddress,
                evidence.platform(), evidence.measurement().toLowerCase(java.util.Locale.ROOT));
    }

    private static String address(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > ADDRESS_CHARS_MAX) {
            throw HttpError.badRequest("field '" + field + "' must be a string of at most " + ADDRESS_CHARS_MAX + " characters");
        }
        return v.asText();
    }

    private static Peer peer(String id, String raftAddress) {
        int colon = raftAddress.lastIndexOf(':');
        try {
            return new Peer(id, raftAddress.substring(0, colon), Integer.parseInt(raftAddress.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw HttpError.badRequest("field 'raftAddress' must be host:port, got '" + raftAddress + "'");
        }
    }

    private static ObjectNode status(String id, String status) {
        ObjectNode o = Json.object();
        o.put("nodeId", id);
        o.put("status", status);
        return o;
    }
}
