package org.consort.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.consort.node.http.Json;

/**
 * A node as the service records it in {@code public:consort.gov.nodes.info} (key: node id, the
 * key id of its certificate): its status, the certificate the service endorsed (once trusted),
 * the self-signed certificate it asked to join with, where it serves clients and where it
 * replicates, and the evidence it was admitted on.
 *
 * @param status      {@code Pending} (asked to join), {@code Trusted} (voted in), {@code Retired}
 * @param cert        PEM of the node certificate the service endorsed; empty until endorsed
 * @param joinCert    PEM of the self-signed certificate it joined with; empty for the first node
 * @param url         base URL of its HTTPS API
 * @param raftAddress host:port of its replication endpoint
 * @param platform    attestation platform of its evidence
 * @param measurement measurement of its code
 */
public record NodeRecord(String status, Optional<String> cert, Optional<String> joinCert, String url, String raftAddress,
                         String platform, String measurement) {
    public static final String PENDING = "Pending";
    public static final String TRUSTED = "Trusted";
    public static final String RETIRED = "Retired";

    public boolean isTrusted() {
        return status.equals(TRUSTED);
    }

    /** Trusted and endorsed: a member of the network that others connect to. */
    public boolean isEndorsed() {
        return isTrusted() && cert.isPresent();
    }

    /** Host of {@link #url}. */
    public String host() {
        return java.net.URI.create(url).getHost();
    }

    public NodeRecord withStatus(String s) {
        return new NodeRecord(s, cert, joinCert, url, raftAddress, platform, measurement);
    }

    public NodeRecord withCert(String pem) {
        return new NodeRecord(status, Optional.of(pem), joinCert, url, raftAddress, platform, measurement);
    }

    public String toJson() {
        ObjectNode o = Json.object();
        o.put("status", status);
        cert.ifPresent(c -> o.put("cert", c));
        joinCert.ifPresent(c -> o.put("joinCert", c));
        o.put("url", url);
        o.put("host", host());
        o.put("raftAddress", raftAddress);
        o.put("platform", platform);
        o.put("measurement", measurement);
        return new String(Json.bytes(o), StandardCharsets.UTF_8);
    }

    /**
     * Reads the JSON governance keeps, which governance actions may have changed (only
     * {@code status}); fields absent from records of older versions read as empty.
     */
    public static NodeRecord fromJson(String json) {
        JsonNode o = Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
        return new NodeRecord(o.path("status").asText(""), optional(o, "cert"), optional(o, "joinCert"),
                o.path("url").asText("https://" + o.path("host").asText("127.0.0.1")), o.path("raftAddress").asText(""),
                o.path("platform").asText(""), o.path("measurement").asText(""));
    }

    private static Optional<String> optional(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || !v.isTextual() || v.asText().isEmpty() ? Optional.empty() : Optional.of(v.asText());
    }
}
