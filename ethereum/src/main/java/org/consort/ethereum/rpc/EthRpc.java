package org.consort.ethereum.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.consort.ethereum.EthereumApp;
import org.consort.ethereum.EthereumLimits;
import org.consort.ethereum.JsonSupport;
import org.consort.ethereum.Sequencer;
import org.consort.ethereum.chain.Candidate;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.chain.StoredTransaction;
import org.consort.ethereum.exec.CallExecutor;
import org.consort.ethereum.state.KvWorldState;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.tx.AccessListEntry;
import org.consort.evm.tx.InvalidTransactionException;
import org.consort.evm.tx.RawTransactions;
import org.consort.evm.tx.SignedTransaction;
import org.consort.evm.tx.TransactionProcessor;
import org.consort.evm.tx.TransactionRejectedException;
import org.consort.evm.tx.TransactionResult;
import org.consort.evm.vm.Log;
import org.consort.kv.ReadTx;
import org.consort.kv.Store;
import org.consort.kv.VersionUnavailable;

/**
 * The Ethereum JSON-RPC methods, one function each, over the store and the sequencer. Every
 * method answers only what its caller may see (see {@link org.consort.ethereum.access.Visibility}).
 * Thread-safe: each call gets its own {@link CallContext}.
 */
public final class EthRpc {
    /** A JSON-RPC method: parameters (a JSON array) to result. */
    @FunctionalInterface
    public interface Method {
        JsonNode call(CallContext ctx, ArrayNode params);
    }

    /**
     * A method whose answer comes later: {@link #start} checks the call and sets it going (it
     * throws {@link RpcError} for what it refuses at once), and the answer is awaited afterwards.
     * A batch starts all its calls of such methods, then {@link #submitQueued hands} their
     * transactions to the sequencer together, then awaits the answers, so that the transactions of
     * one batch go into the same block instead of one block each.
     */
    @FunctionalInterface
    public interface StartedMethod {
        Started start(CallContext ctx, ArrayNode params);
    }

    /** A call under way. */
    @FunctionalInterface
    public interface Started {
        /** The answer, waiting at most until {@code deadlineNanos} ({@link System#nanoTime()}); throws {@link RpcError}. */
        JsonNode await(long deadlineNanos);
    }

    public static final String CLIENT_VERSION = "Consort/v0.1.0/java" + Runtime.version().feature();

    private final Store store;
    private final Sequencer sequencer;
    private final Filters filters;
    private final EthereumLimits limits;
    private final Map<String, Method> methods = new TreeMap<>();
    private final Map<String, StartedMethod> started = new TreeMap<>();

    public EthRpc(Store store, Sequencer sequencer, Filters filters, EthereumLimits limits) {
        this.store = store;
        this.sequencer = sequencer;
        this.filters = filters;
        this.limits = limits;
        register();
    }

    public Optional<Method> method(String name) {
        return Optional.ofNullable(methods.get(name));
    }

    /** The method {@code name} if its answer may be awaited after the rest of a batch has started. */
    public Optional<StartedMethod> startedMethod(String name) {
        return Optional.ofNullable(started.get(name));
    }

    /** How long a call waits for its transaction's block before answering with the hash alone. */
    public long submitWaitMs() {
        return limits.submitWaitMs();
    }

    public java.util.Set<String> methodNames() {
        return methods.keySet();
    }

    private void register() {
        methods.put("web3_clientVersion", (c, p) -> text(CLIENT_VERSION));
        methods.put("web3_sha3", (c, p) -> text(Hex.data(org.consort.crypto.Hashes.keccak256(
                Hex.parseData(str(p, 0, "data"), "data", limits.requestBodyBytesMax())))));
        methods.put("net_version", (c, p) -> text(Long.toString(c.settings().chainId())));
        methods.put("net_listening", (c, p) -> BooleanNode.TRUE);
        methods.put("net_peerCount", (c, p) -> text("0x0"));
        methods.put("eth_chainId", (c, p) -> text(Hex.quantity(c.settings().chainId())));
        methods.put("eth_blockNumber", (c, p) -> text(Hex.quantity(c.head().number())));
        methods.put("eth_syncing", (c, p) -> BooleanNode.FALSE);
        methods.put("eth_mining", (c, p) -> BooleanNode.FALSE);
        methods.put("eth_hashrate", (c, p) -> text("0x0"));
        methods.put("eth_accounts", (c, p) -> JsonSupport.MAPPER.createArrayNode());
        methods.put("eth_gasPrice", (c, p) -> text(Hex.quantity(c.settings().gasPriceWei())));
        methods.put("eth_maxPriorityFeePerGas", (c, p) -> text("0x0"));
        methods.put("eth_feeHistory", this::feeHistory);
        methods.put("eth_getBalance", this::getBalance);
        methods.put("eth_getTransactionCount", this::getTransactionCount);
        methods.put("eth_getCode", this::getCode);
        methods.put("eth_getStorageAt", (c, p) -> {
            throw new RpcError(RpcError.METHOD_NOT_SUPPORTED, "eth_getStorageAt is not available: contract storage is "
                    + "confidential; read it through the contract's own view functions with eth_call");
        });
        methods.put("eth_call", this::call);
        methods.put("eth_estimateGas", this::estimateGas);
        started.put("eth_sendRawTransaction", this::startRawTransaction);
        methods.put("eth_sendRawTransaction", (c, p) -> {
            Started s = startRawTransaction(c, p);
            submitQueued(c);
            return s.await(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.submitWaitMs()));
        });
        for (String m : List.of("eth_sendTransaction", "eth_sign", "eth_signTransaction", "eth_signTypedData_v4")) {
            methods.put(m, (c, p) -> {
                throw new RpcError(RpcError.METHOD_NOT_SUPPORTED, m + " is not available: the node holds no keys; "
                        + "sign locally and send with eth_sendRawTransaction");
            });
        }
        methods.put("eth_getTransactionByHash", this::getTransactionByHash);
        methods.put("eth_getTransactionReceipt", this::getTransactionReceipt);
        methods.put("eth_getBlockByNumber", (c, p) -> blockJson(c, blockByParam(c, p, 0), bool(p, 1, "full")));
        methods.put("eth_getBlockByHash", (c, p) -> blockJson(c, c.chain().block(hash(p, 0, "block hash").toBytes()),
                bool(p, 1, "full")));
        methods.put("eth_getBlockTransactionCountByNumber", (c, p) -> txCount(c, blockByParam(c, p, 0)));
        methods.put("eth_getBlockTransactionCountByHash", (c, p) ->
                txCount(c, c.chain().block(hash(p, 0, "block hash").toBytes())));
        methods.put("eth_getTransactionByBlockNumberAndIndex", (c, p) -> txByIndex(c, blockByParam(c, p, 0), p));
        methods.put("eth_getTransactionByBlockHashAndIndex", (c, p) ->
                txByIndex(c, c.chain().block(hash(p, 0, "block hash").toBytes()), p));
        methods.put("eth_getUncleCountByBlockNumber", (c, p) -> text("0x0"));
        methods.put("eth_getUncleCountByBlockHash", (c, p) -> text("0x0"));
        methods.put("eth_getUncleByBlockNumberAndIndex", (c, p) -> NullNode.instance);
        methods.put("eth_getUncleByBlockHashAndIndex", (c, p) -> NullNode.instance);
        methods.put("eth_getLogs", this::getLogs);
        methods.put("eth_newFilter", this::newFilter);
        methods.put("eth_newBlockFilter", (c, p) -> text(filters.install(c.userId(), new Filters.Blocks(),
                c.head().number() + 1)));
        methods.put("eth_newPendingTransactionFilter", (c, p) -> {
            throw new RpcError(RpcError.METHOD_NOT_SUPPORTED, "pending transaction filters are not available: "
                    + "transactions are in a block as soon as eth_sendRawTransaction answers");
        });
        methods.put("eth_getFilterChanges", this::getFilterChanges);
        methods.put("eth_getFilterLogs", this::getFilterLogs);
        methods.put("eth_uninstallFilter", (c, p) -> BooleanNode.valueOf(filters.uninstall(c.userId(), str(p, 0, "filter id"))));
        methods.put("eth_subscribe", this::subscribe);
        methods.put("eth_unsubscribe", (c, p) -> {
            if (c.session() == null) {
                throw new RpcError(RpcError.METHOD_NOT_SUPPORTED, "subscriptions need a WebSocket connection");
            }
            return BooleanNode.valueOf(c.session().unsubscribe(str(p, 0, "subscription id")));
        });
    }

    // ---- parameters ----------------------------------------------------------------------

    private static JsonNode param(ArrayNode p, int i) {
        return i < p.size() ? p.get(i) : null;
    }

    private static String str(ArrayNode p, int i, String what) {
        JsonNode n = param(p, i);
        if (n == null || !n.isTextual()) {
            throw RpcError.invalidParams("missing value for required argument " + i + " (" + what + ")");
        }
        return n.asText();
    }

    private static boolean bool(ArrayNode p, int i, String what) {
        JsonNode n = param(p, i);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw RpcError.invalidParams("argument " + i + " (" + what + ") must be a boolean");
        }
        return n.asBoolean();
    }

    private static Address address(ArrayNode p, int i, String what) {
        return Hex.parseAddress(str(p, i, what), what);
    }

    private static Word hash(ArrayNode p, int i, String what) {
        return Hex.parseWord32(str(p, i, what), what);
    }

    private static TextNode text(String s) {
        return TextNode.valueOf(s);
    }

    // ---- blocks and state ------------------------------------------------------------------

    /** A block number from a tag, a QUANTITY or an EIP-1898 object; empty when there is no such block. */
    private OptionalLong blockNumber(CallContext c, JsonNode n) {
        long head = c.head().number();
        if (n == null || n.isNull()) {
            return OptionalLong.of(head);
        }
        if (n.isObject()) {
            JsonNode h = n.get("blockHash");
            JsonNode num = n.get("blockNumber");
            if ((h == null) == (num == null)) {
                throw RpcError.invalidParams("a block object needs exactly one of blockHash and blockNumber");
            }
            if (h != null) {
                OptionalLong found = c.chain().blockNumberOf(Hex.parseWord32(h.asText(null), "blockHash").toBytes());
                if (found.isEmpty()) {
                    throw RpcError.server("header for hash not found");
                }
                return found;
            }
            return blockNumber(c, num);
        }
        if (!n.isTextual()) {
            throw RpcError.invalidParams("block must be a tag, a hex number or an object");
        }
        String s = n.asText();
        switch (s) {
            case "latest", "pending" -> {
                return OptionalLong.of(head);
            }
            case "earliest" -> {
                return OptionalLong.of(0);
            }
            case "safe", "finalized" -> {
                return OptionalLong.of(committedBlock(c));
            }
            default -> {
                long v = Hex.parseLong(s, "block number");
                return v <= head ? OptionalLong.of(v) : OptionalLong.empty();
            }
        }
    }

    /** The latest block whose Consort transaction is committed (never lost): Ethereum's "finalized". */
    private long committedBlock(CallContext c) {
        long committed = store.globalCommitVersion();
        long lo = 0;
        long hi = c.head().number();
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (c.chain().versionOf(mid).orElse(Long.MAX_VALUE) <= committed) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private Optional<StoredBlock> blockByParam(CallContext c, ArrayNode p, int i) {
        JsonNode n = param(p, i);
        if (n == null) {
            throw RpcError.invalidParams("missing value for required argument " + i + " (block)");
        }
        OptionalLong num = blockNumber(c, n);
        return num.isPresent() ? c.chain().block(num.getAsLong()) : Optional.empty();
    }

    /** The state after block {@code number}: the latest snapshot for the head, else the store's history. */
    private ReadTx stateAt(CallContext c, long number) {
        if (number == c.head().number()) {
            return c.latest();
        }
        long version = c.chain().versionOf(number).orElseThrow(() -> RpcError.server("header not found"));
        try {
            return store.readTxAt(version);
        } catch (VersionUnavailable e) {
            throw RpcError.server("historical state of block " + number + " is not available: this node keeps the state"
                    + " of the last " + EthereumApp.STATE_BLOCKS_KEPT + " blocks");
        }
    }

    private record StateRef(StoredBlock block, KvWorldState world) {
    }

    private StateRef state(CallContext c, JsonNode blockParam) {
        OptionalLong n = blockNumber(c, blockParam);
        if (n.isEmpty()) {
            throw RpcError.server("header not found");
        }
        if (n.getAsLong() == c.head().number()) {
            return new StateRef(c.head(), c.world());
        }
        StoredBlock b = c.chain().block(n.getAsLong()).orElseThrow(() -> RpcError.server("header not found"));
        return new StateRef(b, new KvWorldState(stateAt(c, n.getAsLong())));
    }

    /** Whose account data may the caller read: its own addresses, and contracts that let it see them. */
    private static void requireReadable(CallContext c, Address a, String what) {
        if (c.addresses().contains(a)) {
            return;
        }
        if (c.world().code(a).length > 0 && c.visibility().contractAllows(a)) {
            return;
        }
        throw RpcError.unauthorized(what + " of " + a + " is confidential: it is not one of your addresses"
                + " and not a contract that lets you read it");
    }

    private JsonNode getBalance(CallContext c, ArrayNode p) {
        Address a = address(p, 0, "address");
        requireReadable(c, a, "the balance");
        return text(Hex.quantity(state(c, param(p, 1)).world().balance(a)));
    }

    private JsonNode getTransactionCount(CallContext c, ArrayNode p) {
        Address a = address(p, 0, "address");
        requireReadable(c, a, "the nonce");
        JsonNode tag = param(p, 1);
        long nonce = state(c, tag).world().nonce(a);
        if (tag != null && tag.isTextual() && tag.asText().equals("pending")) {
            nonce = Math.max(nonce, sequencer.pendingNonce(a).orElse(0));
        }
        return text(Hex.quantity(nonce));
    }

    private JsonNode getCode(CallContext c, ArrayNode p) {
        Address a = address(p, 0, "address");
        return text(Hex.data(state(c, param(p, 1)).world().code(a)));
    }

    private JsonNode feeHistory(CallContext c, ArrayNode p) {
        JsonNode countNode = param(p, 0);
        long count;
        if (countNode != null && countNode.isIntegralNumber()) {
            count = countNode.asLong();
        } else {
            count = Hex.parseLong(str(p, 0, "block count"), "block count");
        }
        if (count < 1 || count > limits.feeHistoryBlocksMax()) {
            throw RpcError.invalidParams("block count must be 1.." + limits.feeHistoryBlocksMax());
        }
        OptionalLong newest = blockNumber(c, param(p, 1) == null ? TextNode.valueOf("latest") : param(p, 1));
        if (newest.isEmpty()) {
            throw RpcError.server("header not found");
        }
        JsonNode percentiles = param(p, 2);
        int rewards = 0;
        if (percentiles != null && !percentiles.isNull()) {
            if (!percentiles.isArray() || percentiles.size() > 100) {
                throw RpcError.invalidParams("reward percentiles must be an array of at most 100 numbers");
            }
            double last = -1;
            for (JsonNode x : percentiles) {
                if (!x.isNumber() || x.asDouble() < 0 || x.asDouble() > 100 || x.asDouble() < last) {
                    throw RpcError.invalidParams("reward percentiles must be increasing numbers from 0 to 100");
                }
                last = x.asDouble();
            }
            rewards = percentiles.size();
        }
        long last = newest.getAsLong();
        long first = Math.max(0, last - count + 1);
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        o.put("oldestBlock", Hex.quantity(first));
        ArrayNode baseFees = o.putArray("baseFeePerGas");
        ArrayNode ratios = o.putArray("gasUsedRatio");
        ArrayNode blobFees = o.putArray("baseFeePerBlobGas");
        ArrayNode blobRatios = o.putArray("blobGasUsedRatio");
        ArrayNode reward = rewards > 0 ? o.putArray("reward") : null;
        for (long n = first; n <= last; n++) {
            StoredBlock b = c.chain().block(n).orElseThrow(() -> RpcError.server("header not found"));
            baseFees.add(Hex.quantity(b.baseFee()));
            ratios.add(b.gasLimit() == 0 ? 0.0 : (double) b.gasUsed() / b.gasLimit());
            blobFees.add("0x1");
            blobRatios.add(0.0);
            if (reward != null) {
                ArrayNode r = reward.addArray();
                for (int i = 0; i < rewards; i++) {
                    r.add("0x0");
                }
            }
        }
        baseFees.add(Hex.quantity(c.settings().baseFee()));
        blobFees.add("0x1");
        return o;
    }

    // ---- calls ---------------------------------------------------------------------------

    private CallExecutor.Call parseCall(CallContext c, JsonNode o, long defaultGas) {
        if (o == null || !o.isObject()) {
            throw RpcError.invalidParams("the call must be a transaction object");
        }
        Address from;
        JsonNode f = o.get("from");
        if (f == null || f.isNull()) {
            if (c.addresses().isEmpty()) {
                throw RpcError.unauthorized("no Ethereum address is bound to your user");
            }
            from = c.addresses().iterator().next();
        } else {
            from = Hex.parseAddress(f.asText(null), "from");
            if (!c.addresses().contains(from)) {
                throw RpcError.unauthorized("'from' " + from + " is not one of the addresses bound to your user");
            }
        }
        Optional<Address> to = Optional.empty();
        JsonNode t = o.get("to");
        if (t != null && !t.isNull()) {
            to = Optional.of(Hex.parseAddress(t.asText(null), "to"));
        }
        long gas = defaultGas;
        if (o.hasNonNull("gas")) {
            gas = Hex.parseLong(o.get("gas").asText(null), "gas");
            if (gas > limits.callGasMax()) {
                throw RpcError.invalidParams("gas " + gas + " is above the call gas limit of " + limits.callGasMax());
            }
        }
        Optional<Word> gasPrice = optionalWord(o, "gasPrice");
        Optional<Word> maxFee = optionalWord(o, "maxFeePerGas");
        Optional<Word> maxPriority = optionalWord(o, "maxPriorityFeePerGas");
        if (gasPrice.isPresent() && (maxFee.isPresent() || maxPriority.isPresent())) {
            throw RpcError.invalidParams("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
        }
        Word value = optionalWord(o, "value").orElse(Word.ZERO);
        byte[] data = new byte[0];
        JsonNode input = o.hasNonNull("input") ? o.get("input") : o.get("data");
        if (o.hasNonNull("input") && o.hasNonNull("data") && !o.get("input").asText().equals(o.get("data").asText())) {
            throw RpcError.invalidParams("both 'data' and 'input' are set and not equal");
        }
        if (input != null && !input.isNull()) {
            data = Hex.parseData(input.asText(null), "input", limits.rawTransactionBytesMax());
        }
        List<AccessListEntry> accessList = new ArrayList<>();
        JsonNode al = o.get("accessList");
        if (al != null && !al.isNull()) {
            if (!al.isArray() || al.size() > limits.filterAddressesMax()) {
                throw RpcError.invalidParams("accessList must be an array of at most " + limits.filterAddressesMax() + " entries");
            }
            for (JsonNode e : al) {
                List<Word> keys = new ArrayList<>();
                JsonNode ks = e.path("storageKeys");
                if (ks.isArray()) {
                    for (JsonNode k : ks) {
                        keys.add(Hex.parseWord32(k.asText(null), "storage key"));
                    }
                }
                accessList.add(new AccessListEntry(Hex.parseAddress(e.path("address").asText(null), "access list address"), keys));
            }
        }
        return new CallExecutor.Call(from, to, gas, gasPrice, maxFee, maxPriority, value, data, accessList);
    }

    private static Optional<Word> optionalWord(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(Word.fromBigInteger(Hex.parseQuantity(n.asText(null), field)));
    }

    private long defaultCallGas(StateRef s) {
        return Math.min(limits.callGasMax(), Math.max(s.block().gasLimit(), 21_000));
    }

    private JsonNode call(CallContext c, ArrayNode p) {
        if (param(p, 2) != null && !param(p, 2).isNull()) {
            throw RpcError.invalidParams("state overrides are not supported: rewriting a contract's code or storage "
                    + "in a call would let a caller get around the contract's own access rules");
        }
        StateRef s = state(c, param(p, 1));
        CallExecutor.Call call = parseCall(c, param(p, 0), defaultCallGas(s));
        TransactionResult r = execute(s, c, call);
        if (!r.success()) {
            throw executionError(r);
        }
        return text(Hex.data(r.output()));
    }

    private TransactionResult execute(StateRef s, CallContext c, CallExecutor.Call call) {
        try {
            return CallExecutor.run(s.world(), s.block(), c.settings(), call);
        } catch (InvalidTransactionException e) {
            throw RpcError.server(clientMessage(e.getMessage()));
        }
    }

    static String clientMessage(String reason) {
        return reason.startsWith("insufficient funds") ? "insufficient funds for gas * price + value" : reason;
    }

    /** Code 3 with the revert data for a revert (and the reason of an Error(string)); -32000 for other failures. */
    static RpcError executionError(TransactionResult r) {
        if ("revert".equals(r.error())) {
            byte[] out = r.output();
            String reason = revertReason(out);
            return new RpcError(RpcError.EXECUTION_REVERTED, reason == null ? "execution reverted"
                    : "execution reverted: " + reason, Hex.data(out));
        }
        return RpcError.server(r.error() == null ? "execution failed" : r.error());
    }

    /** The message of a Solidity {@code Error(string)} revert, or null. */
    static String revertReason(byte[] out) {
        if (out.length < 68 || (out[0] & 0xff) != 0x08 || (out[1] & 0xff) != 0xc3 || (out[2] & 0xff) != 0x79
                || (out[3] & 0xff) != 0xa0) {
            return null;
        }
        try {
            int len = new BigInteger(1, java.util.Arrays.copyOfRange(out, 36, 68)).intValueExact();
            if (len < 0 || 68 + len > out.length || len > 1024) {
                return null;
            }
            return new String(out, 68, len, StandardCharsets.UTF_8);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    private JsonNode estimateGas(CallContext c, ArrayNode p) {
        StateRef s = state(c, param(p, 1));
        long cap = defaultCallGas(s);
        CallExecutor.Call call = parseCall(c, param(p, 0), cap);
        cap = Math.min(cap, call.gas());
        CallExecutor.Call atCap = withGas(call, cap);
        TransactionResult r = execute(s, c, atCap);
        if (!r.success()) {
            throw executionError(r);
        }
        long intrinsic = new TransactionProcessor(c.settings().fork()).intrinsicGas(new org.consort.evm.tx.Transaction(0,
                call.from(), Word.ZERO, Word.ZERO, Word.ZERO, Word.ZERO, Word.of(cap), call.to(), call.value(), call.data(),
                call.accessList(), Word.ZERO, List.of()));
        long lo = Math.max(intrinsic, r.gasUsed()) - 1;
        long hi = cap;
        // The gas used is usually enough (no refund, no 63/64 reserve): try it first.
        if (lo + 1 < hi && succeeds(s, c, withGas(call, lo + 1))) {
            return text(Hex.quantity(lo + 1));
        }
        while (lo + 1 < hi) {
            long mid = lo + (hi - lo) / 2;
            if (succeeds(s, c, withGas(call, mid))) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return text(Hex.quantity(hi));
    }

    private boolean succeeds(StateRef s, CallContext c, CallExecutor.Call call) {
        try {
            return CallExecutor.run(s.world(), s.block(), c.settings(), call).success();
        } catch (InvalidTransactionException e) {
            return false;
        }
    }

    private static CallExecutor.Call withGas(CallExecutor.Call c, long gas) {
        return new CallExecutor.Call(c.from(), c.to(), gas, c.gasPrice(), c.maxFeePerGas(), c.maxPriorityFeePerGas(),
                c.value(), c.data(), c.accessList());
    }

    // ---- transactions --------------------------------------------------------------------

    /** A transaction its call has checked, waiting to be handed to the sequencer with the rest of its request's. */
    static final class Queued {
        final Candidate candidate;
        CompletableFuture<Sequencer.Outcome> outcome;
        RpcError refused;

        Queued(Candidate candidate) {
            this.candidate = candidate;
        }
    }

    /**
     * Hands the transactions that the calls on {@code c} have checked to the sequencer, together
     * and in call order (so they share a block when it has room). When the pool cannot take them
     * all, none is queued and each of their calls answers "transaction pool is full".
     */
    public void submitQueued(CallContext c) {
        List<Queued> queued = c.queued();
        if (queued.isEmpty()) {
            return;
        }
        List<Candidate> candidates = new ArrayList<>(queued.size());
        queued.forEach(q -> candidates.add(q.candidate));
        try {
            List<CompletableFuture<Sequencer.Outcome>> outcomes = sequencer.submitAll(candidates);
            for (int i = 0; i < queued.size(); i++) {
                queued.get(i).outcome = outcomes.get(i);
            }
        } catch (Sequencer.PoolFull e) {
            RpcError full = new RpcError(RpcError.LIMIT_EXCEEDED, e.getMessage());
            queued.forEach(q -> q.refused = full);
        }
        queued.clear();
    }

    /** Checks a raw transaction and queues it on {@code c} for {@link #submitQueued}; its answer (the hash once it is in a block, or the refusal) is awaited. */
    private Started startRawTransaction(CallContext c, ArrayNode p) {
        String hex = str(p, 0, "raw transaction");
        if ((hex.length() - 2) / 2 > limits.rawTransactionBytesMax()) {
            throw RpcError.server("oversized data: transaction size " + (hex.length() - 2) / 2 + ", limit "
                    + limits.rawTransactionBytesMax());
        }
        byte[] raw = Hex.parseData(hex, "raw transaction", limits.rawTransactionBytesMax());
        SignedTransaction signed;
        try {
            signed = RawTransactions.decode(raw, c.settings().fork(), c.settings().chainId());
        } catch (TransactionRejectedException e) {
            throw RpcError.server(rejection(e, c.settings().chainId()));
        }
        if (signed.chainId().isEmpty()) {
            throw RpcError.server("only replay-protected (EIP-155) transactions allowed over RPC");
        }
        if (signed.transaction().type() == 3) {
            throw RpcError.server("transaction type not supported: blob transactions need blobs, which this network does not carry");
        }
        Address sender = signed.transaction().sender();
        if (!c.addresses().contains(sender)) {
            throw RpcError.unauthorized("the transaction is signed by " + sender
                    + ", which is not one of the addresses bound to your user");
        }
        if (c.chain().transaction(signed.hash().toBytes()).isPresent()) {
            throw RpcError.server("already known");
        }
        Queued queued = new Queued(new Candidate(raw, signed));
        c.queued().add(queued);
        String txHash = Hex.data(signed.hash().toBytes());
        return deadlineNanos -> {
            if (queued.refused != null) {
                throw queued.refused;
            }
            if (queued.outcome == null) {
                throw new IllegalStateException("a transaction was checked but never handed to the sequencer");
            }
            Sequencer.Outcome o;
            try {
                o = queued.outcome.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return text(txHash); // still queued: the receipt appears once it is in a block
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RpcError.server("interrupted");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            return switch (o) {
                case Sequencer.Outcome.Included in -> text(txHash);
                case Sequencer.Outcome.Rejected r -> throw RpcError.server(r.message());
                case Sequencer.Outcome.NotWritten n -> throw RpcError.server("transaction not written, retry: " + n.message());
            };
        };
    }

    /** A decoding failure in the words Ethereum clients recognise (geth's). */
    static String rejection(TransactionRejectedException e, long chainId) {
        String detail = e.getMessage();
        return switch (e.reason()) {
            case INVALID_CHAINID -> "invalid chain id for signer: this network's chain id is " + chainId + " (" + detail + ")";
            case INVALID_SIGNATURE_VRS, EC_RECOVERY_FAIL -> "invalid transaction v, r, s values: " + detail;
            case INTRINSIC_GAS_TOO_LOW -> "intrinsic gas too low: " + detail;
            case INITCODE_SIZE_EXCEEDED -> "max initcode size exceeded: " + detail;
            case TYPE_NOT_SUPPORTED -> "transaction type not supported: " + detail;
            case NONCE_TOO_BIG, NONCE_OVERFLOW -> "nonce has max value: " + detail;
            case PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS -> "max priority fee per gas higher than max fee per gas";
            case GASLIMIT_PRICE_PRODUCT_OVERFLOW, GASPRICE_OVERFLOW, PRIORITY_OVERFLOW, VALUE_OVERFLOW,
                 GASLIMIT_OVERFLOW -> "invalid transaction: " + detail;
            default -> "rlp: invalid transaction encoding: " + detail;
        };
    }

    private JsonNode getTransactionByHash(CallContext c, ArrayNode p) {
        Optional<StoredTransaction> t = c.chain().transaction(hash(p, 0, "transaction hash").toBytes());
        if (t.isEmpty() || !c.visibility().canSee(t.get())) {
            return NullNode.instance;
        }
        return Views.transaction(t.get());
    }

    private JsonNode getTransactionReceipt(CallContext c, ArrayNode p) {
        Optional<StoredTransaction> t = c.chain().transaction(hash(p, 0, "transaction hash").toBytes());
        if (t.isEmpty() || !c.visibility().canSee(t.get())) {
            return NullNode.instance;
        }
        return Views.receipt(t.get(), visibleLogs(c, t.get()));
    }

    private static List<IndexedLog> visibleLogs(CallContext c, StoredTransaction t) {
        List<IndexedLog> out = new ArrayList<>();
        for (int i = 0; i < t.logs().size(); i++) {
            IndexedLog l = new IndexedLog(t, i);
            if (c.visibility().canSee(l)) {
                out.add(l);
            }
        }
        return out;
    }

    private static List<StoredTransaction> visibleTransactions(CallContext c, StoredBlock b) {
        List<StoredTransaction> out = new ArrayList<>();
        for (byte[] h : b.transactionHashes()) {
            c.chain().transaction(h).filter(t -> c.visibility().canSee(t)).ifPresent(out::add);
        }
        return out;
    }

    private static JsonNode blockJson(CallContext c, Optional<StoredBlock> block, boolean full) {
        if (block.isEmpty()) {
            return NullNode.instance;
        }
        List<StoredTransaction> visible = visibleTransactions(c, block.get());
        List<Log> logs = new ArrayList<>();
        for (StoredTransaction t : visible) {
            visibleLogs(c, t).forEach(l -> logs.add(l.log()));
        }
        return Views.block(block.get(), visible, full, logs);
    }

    private static JsonNode txCount(CallContext c, Optional<StoredBlock> block) {
        return block.<JsonNode>map(b -> text(Hex.quantity(visibleTransactions(c, b).size()))).orElse(NullNode.instance);
    }

    private static JsonNode txByIndex(CallContext c, Optional<StoredBlock> block, ArrayNode p) {
        long index = Hex.parseLong(str(p, 1, "index"), "index");
        if (block.isEmpty() || index >= block.get().transactionHashes().size()) {
            return NullNode.instance;
        }
        Optional<StoredTransaction> t = c.chain().transaction(block.get().transactionHashes().get((int) index));
        return t.filter(x -> c.visibility().canSee(x)).<JsonNode>map(Views::transaction).orElse(NullNode.instance);
    }

    // ---- logs and filters ----------------------------------------------------------------

    private record Range(long from, long to) {
    }

    private Range range(CallContext c, JsonNode f, boolean forFilter) {
        JsonNode bh = f.get("blockHash");
        if (bh != null && !bh.isNull()) {
            if (f.hasNonNull("fromBlock") || f.hasNonNull("toBlock")) {
                throw RpcError.invalidParams("blockHash cannot be used with fromBlock or toBlock");
            }
            if (forFilter) {
                throw RpcError.invalidParams("a filter cannot watch one blockHash; use eth_getLogs");
            }
            OptionalLong n = c.chain().blockNumberOf(Hex.parseWord32(bh.asText(null), "blockHash").toBytes());
            if (n.isEmpty()) {
                throw RpcError.server("unknown block");
            }
            return new Range(n.getAsLong(), n.getAsLong());
        }
        long head = c.head().number();
        long from = bound(c, f.get("fromBlock"), head);
        long to = bound(c, f.get("toBlock"), head);
        return new Range(from, to);
    }

    private long bound(CallContext c, JsonNode n, long head) {
        if (n == null || n.isNull()) {
            return head;
        }
        if (n.isTextual() && n.asText().startsWith("0x")) {
            return Hex.parseLong(n.asText(), "block number");
        }
        return blockNumber(c, n).orElse(head);
    }

    private List<IndexedLog> logs(CallContext c, long from, long to, LogCriteria criteria) {
        long last = Math.min(to, c.head().number());
        if (from > last) {
            return List.of();
        }
        if (last - from + 1 > limits.logsBlockRangeMax()) {
            throw new RpcError(RpcError.LIMIT_EXCEEDED, "block range " + from + ".." + last + " is longer than "
                    + limits.logsBlockRangeMax() + " blocks (logsBlockRangeMax)");
        }
        return org.consort.ethereum.rpc.LogFinder.find(c.chain(), from, last, criteria, c.visibility(),
                limits.logsResultsMax());
    }

    private static ArrayNode logsJson(List<IndexedLog> logs) {
        ArrayNode out = JsonSupport.MAPPER.createArrayNode();
        logs.forEach(l -> out.add(Views.log(l)));
        return out;
    }

    private static JsonNode filterObject(ArrayNode p) {
        JsonNode f = param(p, 0);
        if (f == null || !f.isObject()) {
            throw RpcError.invalidParams("the filter must be an object");
        }
        return f;
    }

    private JsonNode getLogs(CallContext c, ArrayNode p) {
        JsonNode f = filterObject(p);
        Range r = range(c, f, false);
        if (r.from() > r.to()) {
            throw RpcError.invalidParams("invalid block range: fromBlock " + r.from() + " is after toBlock " + r.to());
        }
        return logsJson(logs(c, r.from(), r.to(), LogCriteria.parse(f, limits.filterAddressesMax())));
    }

    private JsonNode newFilter(CallContext c, ArrayNode p) {
        JsonNode f = filterObject(p);
        LogCriteria criteria = LogCriteria.parse(f, limits.filterAddressesMax());
        Long from = explicitBlock(c, f.get("fromBlock"));
        Long to = explicitBlock(c, f.get("toBlock"));
        if (from != null && to != null && from > to) {
            throw RpcError.invalidParams("invalid block range: fromBlock " + from + " is after toBlock " + to);
        }
        long next = Math.max(c.head().number() + 1, from == null ? 0 : from);
        return text(filters.install(c.userId(), new Filters.Logs(criteria, from, to), next));
    }

    /** A fixed block of a filter, or null for "latest at the time of each poll". */
    private Long explicitBlock(CallContext c, JsonNode n) {
        if (n == null || n.isNull() || n.isTextual() && (n.asText().equals("latest") || n.asText().equals("pending"))) {
            return null;
        }
        if (n.isTextual() && n.asText().startsWith("0x")) {
            return Hex.parseLong(n.asText(), "block number");
        }
        return blockNumber(c, n).orElse(c.head().number());
    }

    private Filters.Filter filter(CallContext c, ArrayNode p) {
        return filters.get(c.userId(), str(p, 0, "filter id")).orElseThrow(() -> RpcError.server("filter not found"));
    }

    private JsonNode getFilterChanges(CallContext c, ArrayNode p) {
        Filters.Filter f = filter(c, p);
        long head = c.head().number();
        synchronized (f) {
            long from = f.nextBlock();
            switch (f.kind) {
                case Filters.Blocks b -> {
                    ArrayNode out = JsonSupport.MAPPER.createArrayNode();
                    long last = Math.min(head, from + limits.blockHashesOnPollMax() - 1);
                    for (long n = from; n <= last; n++) {
                        c.chain().block(n).ifPresent(x -> out.add(Hex.data(x.hash())));
                    }
                    f.advanceTo(last + 1);
                    return out;
                }
                case Filters.Logs l -> {
                    long to = Math.min(head, l.toBlock() == null ? head : l.toBlock());
                    to = Math.min(to, from + limits.logsBlockRangeMax() - 1);
                    List<IndexedLog> found = from > to ? List.of() : logs(c, from, to, l.criteria());
                    f.advanceTo(Math.max(from, to + 1));
                    return logsJson(found);
                }
            }
        }
    }

    private JsonNode getFilterLogs(CallContext c, ArrayNode p) {
        Filters.Filter f = filter(c, p);
        if (!(f.kind instanceof Filters.Logs l)) {
            throw RpcError.invalidParams("filter is not a log filter");
        }
        long head = c.head().number();
        long from = l.fromBlock() == null ? head : l.fromBlock();
        long to = l.toBlock() == null ? head : l.toBlock();
        return logsJson(logs(c, from, to, l.criteria()));
    }

    private JsonNode subscribe(CallContext c, ArrayNode p) {
        if (c.session() == null) {
            throw new RpcError(RpcError.METHOD_NOT_SUPPORTED, "subscriptions need a WebSocket connection (wss:// on the "
                    + "same path); over HTTP use filters (eth_newFilter, eth_getFilterChanges)");
        }
        String kind = str(p, 0, "subscription kind");
        return switch (kind) {
            case "newHeads" -> text(c.session().subscribe(new Subscriptions.NewHeads()));
            case "logs" -> {
                JsonNode f = param(p, 1);
                if (f != null && !f.isNull() && !f.isObject()) {
                    throw RpcError.invalidParams("the logs filter must be an object");
                }
                LogCriteria criteria = f == null || f.isNull() ? new LogCriteria(java.util.Set.of(), List.of())
                        : LogCriteria.parse(f, limits.filterAddressesMax());
                yield text(c.session().subscribe(new Subscriptions.Logs(criteria)));
            }
            default -> throw RpcError.invalidParams("unsupported subscription '" + Hex.abbreviate(kind)
                    + "': newHeads and logs are available");
        };
    }

    // ---- for the node ----------------------------------------------------------------------

    /**
     * The store version (Consort seqno) of the block holding transaction {@code hash}, if the caller
     * may see that transaction.
     */
    public OptionalLong seqnoOfTransaction(CallContext c, byte[] hash) {
        Optional<StoredTransaction> t = c.chain().transaction(hash);
        if (t.isEmpty() || !c.visibility().canSee(t.get())) {
            return OptionalLong.empty();
        }
        return c.chain().versionOf(t.get().blockNumber());
    }
}
