package org.consort.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import org.consort.crypto.Hpke;
import org.consort.crypto.Pem;
import org.consort.ledger.LedgerSecrets;
import org.consort.node.http.Json;

/**
 * What a trusted node needs to take part and that never travels in the clear: the service
 * identity's private key (a primary endorses joining nodes with it) and every ledger secret.
 * The primary seals them with HPKE to the joining node's own public key, bound to its node id,
 * so only the holder of that key opens them, whoever relays the answer.
 *
 * @param serviceKey    the service identity's private key
 * @param ledgerSecrets every ledger secret version
 */
public record NetworkSecrets(PrivateKey serviceKey, LedgerSecrets ledgerSecrets) {
    /** HPKE info string: these bytes are network secrets for a joining node, format 1. */
    static final String INFO = "consort/network-secrets/v1";

    /** Sealed to {@code nodeKey} for node {@code nodeId}, base64. */
    public String seal(PublicKey nodeKey, String nodeId) {
        ObjectNode o = Json.object();
        o.put("serviceKey", Pem.privateKey(serviceKey));
        o.put("ledgerSecrets", ledgerSecrets.toJson());
        byte[] sealed = Hpke.seal(nodeKey, INFO, nodeId.getBytes(StandardCharsets.UTF_8), Json.bytes(o));
        return Base64.getEncoder().encodeToString(sealed);
    }

    /** Opens what {@link #seal} made for this node; IllegalArgumentException when it does not open or parse. */
    public static NetworkSecrets open(String sealedBase64, PublicKey nodeKey, PrivateKey nodePrivateKey, String nodeId) {
        byte[] plain;
        try {
            plain = Hpke.open(nodeKey, nodePrivateKey, INFO, nodeId.getBytes(StandardCharsets.UTF_8),
                    Base64.getDecoder().decode(sealedBase64));
        } catch (Hpke.OpenFailedException e) {
            throw new IllegalArgumentException("the network secrets are not sealed to this node's key: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the network secrets are not base64: " + e.getMessage(), e);
        }
        JsonNode o = Json.parseObject(plain);
        return new NetworkSecrets(Pem.readPrivateKey(o.path("serviceKey").asText()),
                LedgerSecrets.fromJson(o.path("ledgerSecrets").asText()));
    }
}
