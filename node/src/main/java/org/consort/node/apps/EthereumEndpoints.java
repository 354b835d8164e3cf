package org.consort.node.apps;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.consort.common.Hex;
import org.consort.common.TxId;
import org.consort.ethereum.EthereumApp;
import org.consort.ethereum.WriteSubmitter;
import org.consort.kv.WriteTx;
import org.consort.node.auth.AuthPolicy;
import org.consort.node.endpoints.EndpointRegistry;
import org.consort.node.endpoints.RequestContext;
import org.consort.node.http.ApiHandler;
import org.consort.node.http.ForwardToPrimary;
import org.consort.node.http.HttpError;
import org.consort.node.replication.NotPrimaryException;
import org.consort.node.tx.TxEngine;
import org.consort.node.tx.ViewHistory;

/**
 * The Ethereum application's endpoints: JSON-RPC at {@code POST /app/ethereum} and the Consort
 * receipt of an Ethereum transaction at {@code GET /app/ethereum/receipt}. Both are for users
 * (client certificate or bearer JWT); the JSON-RPC answers only what the calling user may see.
 */
public final class EthereumEndpoints {
    public static final String PATH = "/app/ethereum";

    /** The node's receipt of a Consort transaction (JSON or COSE), 202 while unsigned. */
    public interface Receipts {
        Object receipt(RequestContext ctx, TxId id, String format);
    }

    private final EthereumApp app;
    private final Receipts receipts;
    private final ViewHistory views;
    private final BooleanSupplier isPrimary;

    public EthereumEndpoints(EthereumApp app, Receipts receipts, ViewHistory views, BooleanSupplier isPrimary) {
        this.app = app;
        this.receipts = receipts;
        this.views = views;
        this.isPrimary = isPrimary;
    }

    /**
     * The node's write path as the Ethereum sequencer needs it: {@link TxEngine#writeInternal},
     * keeping what the body's last run (the one that committed) returned.
     */
    public static WriteSubmitter writeSubmitter(TxEngine engine) {
        return new WriteSubmitter() {
            @Override
            public <T> Written<T> write(Function<WriteTx, T> body) throws Refused {
                List<T> last = new ArrayList<>(1);
                long seqno;
                try {
                    seqno = engine.writeInternal(tx -> {
                        last.clear();
                        last.add(body.apply(tx));
                    });
                } catch (HttpError | IllegalStateException | NotPrimaryException e) {
                    throw new Refused(e.getMessage());
                }
                return new Written<>(last.get(0), Math.max(seqno, 0));
            }
        };
    }

    public void register(EndpointRegistry registry) {
        registry.post(PATH, AuthPolicy.USER_CERT_OR_JWT)
                .summary("Ethereum JSON-RPC 2.0 (single call or batch); answers only what the calling user may see")
                .jsonBody()
                .noStore(ctx -> {
                    if (!isPrimary.getAsBoolean() && app.needsPrimary(ctx.body())) {
                        // Only the primary's sequencer makes blocks: the HTTP layer forwards the request there.
                        throw new ForwardToPrimary("eth_sendRawTransaction is served by the primary");
                    }
                    byte[] out = app.handle(ctx.caller().id(), ctx.body());
                    return out.length == 0 ? null : out;
                });
        registry.get(PATH + "/receipt", AuthPolicy.USER_CERT_OR_JWT)
                .summary("Receipt of the Consort transaction holding an Ethereum transaction's block (JSON, or COSE with "
                        + "?format=cose); 202 with Retry-After until a signature covers it")
                .query("tx_hash", "Ethereum transaction hash (0x + 64 hex digits)", true)
                .query("format", "json (default) or cose", false)
                .noStore(ctx -> {
                    String h = ctx.requireQuery("tx_hash");
                    if (!h.matches("0[xX][0-9a-fA-F]{64}")) {
                        throw HttpError.badRequest("tx_hash must be 0x followed by 64 hex digits");
                    }
                    OptionalLong seqno = app.seqnoOfTransaction(ctx.caller().id(), Hex.decode(h));
                    if (seqno.isEmpty()) {
                        throw HttpError.notFound("TransactionUnknown", "no Ethereum transaction " + h
                                + " that you may see is in a block");
                    }
                    TxId id = new TxId(Math.max(views.viewOf(seqno.getAsLong()), 0), seqno.getAsLong());
                    Object body = receipts.receipt(ctx, id, ctx.query("format").orElse("json"));
                    ctx.header(ApiHandler.TX_ID_HEADER, id.toString());
                    return body;
                });
    }
}
