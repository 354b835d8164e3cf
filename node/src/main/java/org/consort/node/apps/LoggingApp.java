package org.consort.node.apps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.consort.kv.Codec;
import org.consort.kv.MapName;
import org.consort.kv.ReadTx;
import org.consort.node.Limits;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.HttpError;
import org.consort.node.http.Json;

/**
 * The logging application, the canonical sample of a confidential ledger: users write
 * messages by id, privately (encrypted in the ledger) or publicly (plaintext in the ledger),
 * read them back, delete them, and read a message as of an earlier transaction with a receipt.
 * Users call it with their certificate or with a bearer JWT.
 */
public final class LoggingApp {
    /** Private records: encrypted in the ledger. */
    public static final MapName<Long, String> PRIVATE_RECORDS = MapName.of("records", Codec.int64(), Codec.utf8());
    /** Public records: plaintext in the ledger. */
    public static final MapName<Long, String> PUBLIC_RECORDS = MapName.of("public:records", Codec.int64(), Codec.utf8());

    private final Limits limits;
    private final HistoricalReads historical;

    public LoggingApp(Limits limits, HistoricalReads historical) {
        this.limits = limits;
        this.historical = historical;
    }

    public void register(EndpointRegistry registry) {
        for (boolean priv : new boolean[] {true, false}) {
            String scope = priv ? "private" : "public";
            MapName<Long, String> map = priv ? PRIVATE_RECORDS : PUBLIC_RECORDS;
            String base = "/app/log/" + scope;
            registry.post(base, AuthPolicy.USER_CERT_OR_JWT)
                    .summary("Write a " + scope + " record: {\"id\": integer >= 0, \"msg\": string}")
                    .jsonBody()
                    .readWrite((ctx, tx) -> {
                        Record r = parseRecord(ctx);
                        tx.write(map).put(r.id, r.msg);
                        ObjectNode out = Json.object();
                        out.put("id", r.id);
                        return out;
                    });
            registry.get(base, AuthPolicy.USER_CERT_OR_JWT)
                    .summary("Read the current " + scope + " record with this id")
                    .query("id", "record id", true)
                    .readOnly((ctx, tx) -> {
                        long id = requireId(ctx);
                        String msg = tx.read(map).get(id)
                                .orElseThrow(() -> HttpError.notFound("ResourceNotFound", "no " + scope + " record with id " + id));
                        ObjectNode out = Json.object();
                        out.put("msg", msg);
                        return out;
                    });
            registry.delete(base, AuthPolicy.USER_CERT_OR_JWT)
                    .summary("Delete the " + scope + " record with this id")
                    .query("id", "record id", true)
                    .readWrite((ctx, tx) -> {
                        long id = requireId(ctx);
                        var w = tx.write(map);
                        boolean existed = w.containsKey(id);
                        if (existed) {
                            w.remove(id);
                        }
                        ObjectNode out = Json.object();
                        out.put("deleted", existed);
                        return out;
                    });
            registry.get(base + "/historical", AuthPolicy.USER_CERT_OR_JWT)
                    .summary("Read the " + scope + " record as it was right after a committed transaction, "
                            + "with that transaction's receipt; 202 with Retry-After until it is committed and signed")
                    .query("id", "record id", true)
                    .query("transaction_id", "TxID (view.seqno)", true)
                    .noStore(ctx -> historical.read(ctx, map, requireId(ctx), ctx.requireQuery("transaction_id")));
        }
    }

    private record Record(long id, String msg) {
    }

    private Record parseRecord(RequestContext ctx) {
        ObjectNode body = ctx.json();
        JsonNode id = body.get("id");
        JsonNode msg = body.get("msg");
        if (id == null || !id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() < 0) {
            throw HttpError.badRequest("field 'id' must be a non-negative integer");
        }
        if (msg == null || !msg.isTextual()) {
            throw HttpError.badRequest("field 'msg' must be a string");
        }
        if (msg.asText().getBytes(StandardCharsets.UTF_8).length > limits.logMessageBytesMax()) {
            throw new HttpError(413, "RequestTooLarge", "field 'msg' exceeds " + limits.logMessageBytesMax() + " bytes");
        }
        return new Record(id.asLong(), msg.asText());
    }

    private static long requireId(RequestContext ctx) {
        long id = ctx.requireLongQuery("id");
        if (id < 0) {
            throw HttpError.badRequest("query parameter 'id' must be non-negative");
        }
        return id;
    }

    /** Reads a record as of a transaction and attaches its receipt; provided by the node. */
    public interface HistoricalReads {
        Object read(RequestContext ctx, MapName<Long, String> map, long id, String transactionId);
    }

    /** Helper for implementations: the record's value in a snapshot. */
    public static Optional<String> valueAt(ReadTx tx, MapName<Long, String> map, long id) {
        return tx.read(map).get(id);
    }
}
