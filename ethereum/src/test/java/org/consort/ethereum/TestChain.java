package org.consort.ethereum;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.consort.kv.CommitResult;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;

/**
 * The Ethereum application on a real store in one process: the write path is the store's own
 * optimistic commit with retries (what the node's TxEngine does minus ledger and HTTP). The
 * clock is a settable one so block timestamps and filter expiry are deterministic.
 */
final class TestChain implements AutoCloseable {
    static final String ALICE_USER = "a".repeat(64);
    static final String BOB_USER = "b".repeat(64);
    static final String CAROL_USER = "c".repeat(64);
    static final BigInteger FUNDS = BigInteger.TEN.pow(24);

    final TestWallet alice = new TestWallet(1);
    final TestWallet bob = new TestWallet(2);
    final TestWallet carol = new TestWallet(3);
    final AtomicLong nowMs = new AtomicLong(1_700_000_000_000L);
    final InstantSource clock = () -> Instant.ofEpochMilli(nowMs.get());
    final Store store;
    final EthereumApp app;
    final long chainId;
    private long ids;

    TestChain() {
        this(EthereumLimits.defaults(), "0");
    }

    TestChain(EthereumLimits limits, String gasPriceWei) {
        this(limits, gasPriceWei, new StoreConfig(100_000));
    }

    TestChain(EthereumLimits limits, String gasPriceWei, StoreConfig storeConfig) {
        store = new Store(storeConfig);
        EthereumConfig config = new EthereumConfig(null, null, null, gasPriceWei, null,
                Map.of(alice.address.toString(), FUNDS.toString(), bob.address.toString(), FUNDS.toString()),
                List.of(new EthereumConfig.UserBinding(ALICE_USER, List.of(alice.address.toString())),
                        new EthereumConfig.UserBinding(BOB_USER, List.of(bob.address.toString())),
                        new EthereumConfig.UserBinding(CAROL_USER, List.of(carol.address.toString()))),
                limits);
        chainId = config.chainId();
        app = new EthereumApp(store, this::write, config, clock, new java.util.SplittableRandom(42));
        app.start(clock.instant().getEpochSecond(), this::write); // writes genesis: the store is empty
    }

    <T> WriteSubmitter.Written<T> write(Function<WriteTx, T> body) throws WriteSubmitter.Refused {
        for (int attempt = 0; attempt < 16; attempt++) {
            WriteTx tx = store.writeTx();
            T result = body.apply(tx);
            if (!tx.hasWrites()) {
                return new WriteSubmitter.Written<>(result, 0);
            }
            if (store.commit(tx) instanceof CommitResult.Committed c) {
                store.globalCommit(c.version());
                return new WriteSubmitter.Written<>(result, c.version());
            }
        }
        throw new WriteSubmitter.Refused("conflicts");
    }

    /** One call; returns the whole answer object. */
    JsonNode rpc(String user, String method, Object... params) {
        ObjectNode req = JsonSupport.MAPPER.createObjectNode();
        req.put("jsonrpc", "2.0");
        req.put("id", ++ids);
        req.put("method", method);
        ArrayNode p = req.putArray("params");
        for (Object o : params) {
            p.add(JsonSupport.MAPPER.valueToTree(o));
        }
        return raw(user, JsonSupport.bytes(req));
    }

    JsonNode raw(String user, byte[] body) {
        byte[] out = app.handle(user, body);
        return out.length == 0 ? null : JsonSupport.parse(new String(out, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The result of a call that must succeed. */
    JsonNode result(String user, String method, Object... params) {
        JsonNode r = rpc(user, method, params);
        if (r.has("error")) {
            throw new AssertionError(method + " failed: " + r.get("error"));
        }
        return r.get("result");
    }

    /** The error of a call that must fail. */
    JsonNode error(String user, String method, Object... params) {
        JsonNode r = rpc(user, method, params);
        if (!r.has("error")) {
            throw new AssertionError(method + " should have failed but answered " + r.get("result"));
        }
        return r.get("error");
    }

    long nonce(String user, TestWallet w) {
        return Long.decode(result(user, "eth_getTransactionCount", w.address.toString(), "pending").asText());
    }

    String send(String user, byte[] raw) {
        return result(user, "eth_sendRawTransaction", TestWallet.hex(raw)).asText();
    }

    @Override
    public void close() {
        app.close();
    }
}
