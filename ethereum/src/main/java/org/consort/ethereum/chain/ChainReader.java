package org.consort.ethereum.chain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.consort.ethereum.EthereumMaps;
import org.consort.ethereum.JsonSupport;
import org.consort.ethereum.NetworkSettings;
import org.consort.evm.Address;
import org.consort.kv.ReadTx;

/**
 * Reads the chain (blocks, transactions, receipts, settings, user bindings) from one snapshot of
 * the store. Read-only; works on a {@link ReadTx} or, inside the sequencer, a write transaction
 * seen through its read interface. Not thread-safe (as its transaction).
 */
public final class ChainReader {
    /**
     * Parsed forms of stored JSON values remembered, at most this many of each kind (the stored
     * text is the key, so an entry is never stale; when full, the cache starts again empty).
     * Lock-free to read: every JSON-RPC call asks for the settings and its caller's addresses.
     */
    static final int PARSED_CACHE_ENTRIES_MAX = 1024;
    private static final java.util.concurrent.ConcurrentHashMap<String, NetworkSettings> SETTINGS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<String, Set<Address>> ADDRESSES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static <V> V parsed(java.util.concurrent.ConcurrentHashMap<String, V> cache, String json,
            java.util.function.Function<String, V> parse) {
        V v = cache.get(json);
        if (v == null) {
            if (cache.size() >= PARSED_CACHE_ENTRIES_MAX) {
                cache.clear();
            }
            v = cache.computeIfAbsent(json, parse);
        }
        return v;
    }

    private final ReadTx tx;

    public ChainReader(ReadTx tx) {
        this.tx = tx;
    }

    public ReadTx tx() {
        return tx;
    }

    /** Number of the latest block; -1 before genesis. */
    public long headNumber() {
        return tx.read(EthereumMaps.HEAD).get(EthereumMaps.HEAD_KEY).orElse(-1L);
    }

    public Optional<StoredBlock> block(long number) {
        if (number < 0) {
            return Optional.empty();
        }
        return tx.read(EthereumMaps.BLOCKS).get(number).map(StoredBlock::decode);
    }

    public Optional<StoredBlock> head() {
        return block(headNumber());
    }

    public OptionalLong blockNumberOf(byte[] hash) {
        Optional<Long> n = tx.read(EthereumMaps.BLOCK_NUMBERS).get(hash);
        return n.isPresent() ? OptionalLong.of(n.get()) : OptionalLong.empty();
    }

    public Optional<StoredBlock> block(byte[] hash) {
        OptionalLong n = blockNumberOf(hash);
        return n.isPresent() ? block(n.getAsLong()) : Optional.empty();
    }

    /**
     * The store version (Consort seqno) that wrote block {@code number}: its state is
     * {@code store.readTxAt(version)}. Only meaningful on a read-only snapshot.
     */
    public OptionalLong versionOf(long number) {
        return tx.read(EthereumMaps.BLOCKS).lastWriteVersion(number);
    }

    public Optional<StoredTransaction> transaction(byte[] hash) {
        return tx.read(EthereumMaps.TRANSACTIONS).get(hash).map(StoredTransaction::decode);
    }

    public NetworkSettings settings() {
        String json = tx.read(EthereumMaps.NETWORK).get(EthereumMaps.NETWORK_KEY)
                .orElseThrow(() -> new IllegalStateException("the Ethereum network settings are missing from the store"));
        return parsed(SETTINGS, json, NetworkSettings::fromJson);
    }

    /** The addresses {@code userId} may act as, in the order governance gave them. */
    public Set<Address> addressesOf(String userId) {
        Optional<String> json = tx.read(EthereumMaps.USER_ADDRESSES).get(userId);
        if (json.isEmpty()) {
            return Set.of();
        }
        return parsed(ADDRESSES, json.get(), k -> {
            Set<Address> out = new LinkedHashSet<>();
            for (var n : JsonSupport.parse(json.get())) {
                out.add(Address.fromHex(n.asText()));
            }
            return java.util.Collections.unmodifiableSet(out);
        });
    }

    /** The log at {@code p}. */
    public Optional<IndexedLog> log(LogPointer p) {
        return transaction(p.transactionHash()).map(t -> new IndexedLog(t, p.logIndexInTransaction()));
    }

    /** The logs of block {@code number}, in order. */
    public List<IndexedLog> logsOf(StoredBlock block) {
        List<IndexedLog> out = new ArrayList<>();
        for (byte[] h : block.transactionHashes()) {
            transaction(h).ifPresent(t -> {
                for (int i = 0; i < t.logs().size(); i++) {
                    out.add(new IndexedLog(t, i));
                }
            });
        }
        return out;
    }
}
