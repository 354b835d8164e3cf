package org.consort.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.consort.common.TxId;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;
import org.consort.node.service.ServiceMaps;
import org.consort.node.tx.TxStatus;

/** The built-in endpoints under {@code /node} and the API documents. */
final class NodeEndpoints {
    static final String VERSION = versionString();

    private NodeEndpoints() {
    }

    static void register(EndpointRegistry registry, Node node) {
        registry.get("/node/state", AuthPolicy.NO_AUTH)
                .summary("This node's id, state and last signed seqno")
                .noStore(ctx -> {
                    ObjectNode o = Json.object();
                    o.put("nodeId", node.nodeId());
                    o.put("state", node.state());
                    o.put("view", node.views().currentView());
                    o.put("primary", node.isPrimary());
                    node.primaryId().ifPresent(id -> o.put("primaryId", id));
                    o.put("lastSeqno", node.lastSeqno());
                    o.put("lastSignedSeqno", node.lastSignedSeqno());
                    o.put("committedSeqno", node.committedSeqno());
                    o.put("startupSeqno", node.startupSeqno());
                    o.put("ledgerSecretVersion", node.ledgerSecretVersion());
                    return o;
                });
        registry.get("/node/version", AuthPolicy.NO_AUTH)
                .summary("Software version and platform of this node")
                .noStore(ctx -> {
                    ObjectNode o = Json.object();
                    o.put("version", VERSION);
                    o.put("platform", "virtual");
                    o.put("javaVersion", Runtime.version().toString());
                    return o;
                });
        registry.get("/node/commit", AuthPolicy.NO_AUTH)
                .summary("The TxID of the latest committed transaction")
                .noStore(ctx -> {
                    long seqno = node.committedSeqno();
                    ObjectNode o = Json.object();
                    o.put("transactionId", new TxId(Math.max(node.views().viewOf(seqno), 0), seqno).toString());
                    return o;
                });
        registry.get("/node/tx", AuthPolicy.NO_AUTH)
                .summary("Status of a transaction: Unknown, Pending, Committed or Invalid")
                .query("transaction_id", "TxID (view.seqno)", true)
                .noStore(ctx -> {
                    TxId id = parseTxId(ctx.requireQuery("transaction_id"));
                    TxStatus status = node.views().status(id, node.lastSeqno(), node.committedSeqno());
                    ObjectNode o = Json.object();
                    o.put("transactionId", id.toString());
                    o.put("status", status.name());
                    return o;
                });
        registry.get("/node/network", AuthPolicy.NO_AUTH)
                .summary("The service: its certificate, status, current view and primary")
                .readOnly((ctx, tx) -> {
                    ObjectNode o = Json.object();
                    String info = tx.read(ServiceMaps.SERVICE_INFO).get(ServiceMaps.SERVICE_KEY).orElse("{}");
                    ObjectNode service = (ObjectNode) Json.parseObject(info.getBytes(StandardCharsets.UTF_8));
                    o.put("serviceCertificate", service.path("cert").asText());
                    o.put("serviceStatus", service.path("status").asText());
                    o.put("currentView", node.views().currentView());
                    node.primaryId().ifPresent(id -> o.put("primaryId", id));
                    ArrayNode nodes = o.putArray("nodes");
                    tx.read(ServiceMaps.NODES).forEach((id, json) -> {
                        ObjectNode n = (ObjectNode) Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
                        n.put("nodeId", id);
                        n.remove("cert");
                        n.remove("joinCert");
                        nodes.add(n);
                    });
                    return o;
                });
        registry.get("/node/network/nodes", AuthPolicy.NO_AUTH)
                .summary("The nodes of the network: id, status, host, whether primary")
                .readOnly((ctx, tx) -> {
                    ObjectNode o = Json.object();
                    ArrayNode nodes = o.putArray("nodes");
                    tx.read(ServiceMaps.NODES).forEach((id, json) -> nodes.add(nodeView(id, json, node)));
                    return o;
                });
        registry.get("/node/network/nodes/primary", AuthPolicy.NO_AUTH)
                .summary("The primary node")
                .readOnly((ctx, tx) -> {
                    String primary = node.primaryId().orElseThrow(() -> new HttpError(503, "NoPrimary",
                            "no primary is known to this node right now; retry shortly", 1L));
                    return nodeView(primary, tx.read(ServiceMaps.NODES).get(primary)
                            .orElseThrow(() -> new HttpError(503, "NoPrimary", "the primary is not in this node's node list yet", 1L)),
                            node);
                });
        registry.get("/node/metrics", AuthPolicy.NO_AUTH)
                .summary("Metrics in Prometheus text format")
                .noStore(ctx -> {
                    ctx.header("content-type", "text/plain; version=0.0.4; charset=utf-8");
                    return node.metrics().scrape().getBytes(StandardCharsets.UTF_8);
                });
        registry.get("/node/api", AuthPolicy.NO_AUTH)
                .summary("OpenAPI document of the /node endpoints")
                .noStore(ctx -> registry.openApi("/node", "Consort node API", VERSION));
        registry.get("/app/api", AuthPolicy.NO_AUTH)
                .summary("OpenAPI document of the /app endpoints")
                .noStore(ctx -> registry.openApi("/app", "Consort application API", VERSION));
        registry.get("/app/receipt", AuthPolicy.USER_CERT)
                .summary("Receipt of a committed transaction (JSON, or COSE with ?format=cose); "
                        + "202 with Retry-After until a signature covers it")
                .query("transaction_id", "TxID (view.seqno)", true)
                .query("format", "json (default) or cose", false)
                .noStore(ctx -> node.receipt(ctx, parseTxId(ctx.requireQuery("transaction_id")),
                        ctx.query("format").orElse("json")));
    }

    private static ObjectNode nodeView(String id, String json, Node node) {
        ObjectNode stored = (ObjectNode) Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
        ObjectNode n = Json.object();
        n.put("nodeId", id);
        n.put("status", stored.path("status").asText());
        n.put("host", stored.path("host").asText());
        n.put("url", stored.path("url").asText());
        n.put("primary", node.primaryId().map(id::equals).orElse(false));
        return n;
    }

    static TxId parseTxId(String text) {
        try {
            return TxId.parse(text);
        } catch (IllegalArgumentException e) {
            throw HttpError.badRequest(e.getMessage());
        }
    }

    private static String versionString() {
        String v = NodeEndpoints.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-development" : v;
    }
}
