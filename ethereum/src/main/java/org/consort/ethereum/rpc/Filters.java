package org.consort.ethereum.rpc;

import java.time.InstantSource;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.consort.ethereum.EthereumLimits;

/**
 * The filters installed on this node ({@code eth_newFilter}, {@code eth_newBlockFilter}). Node-local
 * (not replicated: a client polls the node it installed the filter on), owned by the user who
 * installed it (another user gets "filter not found"), bounded in number overall and per user,
 * and removed when not polled for {@link EthereumLimits#filterIdleMs()}. Ids are 128 random bits
 * from the random source given. Thread-safe.
 */
public final class Filters {

    /** What a filter watches. {@code fromBlock}/{@code toBlock} null mean "latest at the time of the query". */
    public sealed interface Kind {
    }

    public record Blocks() implements Kind {
    }

    public record Logs(LogCriteria criteria, Long fromBlock, Long toBlock) implements Kind {
    }

    /** An installed filter: its owner, what it watches, and the first block its next poll looks at. */
    public static final class Filter {
        final String owner;
        public final Kind kind;
        private long nextBlock;
        private volatile long lastUsedMs;

        Filter(String owner, Kind kind, long nextBlock, long nowMs) {
            this.owner = owner;
            this.kind = kind;
            this.nextBlock = nextBlock;
            this.lastUsedMs = nowMs;
        }

        public synchronized long nextBlock() {
            return nextBlock;
        }

        public synchronized void advanceTo(long next) {
            nextBlock = Math.max(nextBlock, next);
        }
    }

    private final EthereumLimits limits;
    private final InstantSource clock;
    private final RandomGenerator random;
    private final Map<String, Filter> filters = new ConcurrentHashMap<>();

    public Filters(EthereumLimits limits, InstantSource clock, RandomGenerator random) {
        this.limits = limits;
        this.clock = clock;
        this.random = random;
    }

    /** Installs a filter whose first poll starts at block {@code nextBlock}; returns its id. */
    public synchronized String install(String owner, Kind kind, long nextBlock) {
        expire();
        long mine = filters.values().stream().filter(f -> f.owner.equals(owner)).count();
        if (mine >= limits.filtersPerUserMax()) {
            throw new RpcError(RpcError.LIMIT_EXCEEDED, "too many filters: you have " + mine + " (filtersPerUserMax "
                    + limits.filtersPerUserMax() + "); uninstall some or let them expire");
        }
        if (filters.size() >= limits.filtersMax()) {
            throw new RpcError(RpcError.LIMIT_EXCEEDED, "too many filters on this node (filtersMax " + limits.filtersMax()
                    + "); retry later");
        }
        String id;
        do {
            id = Hex.quantity(new java.math.BigInteger(1, bytes16()));
        } while (filters.containsKey(id));
        filters.put(id, new Filter(owner, kind, nextBlock, clock.millis()));
        return id;
    }

    private byte[] bytes16() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        b[0] |= 0x10; // a fixed length of the hex id
        return b;
    }

    /** The caller's filter with this id (and marks it used), or empty. */
    public Optional<Filter> get(String owner, String id) {
        expire();
        Filter f = filters.get(normalise(id));
        if (f == null || !f.owner.equals(owner)) {
            return Optional.empty();
        }
        f.lastUsedMs = clock.millis();
        return Optional.of(f);
    }

    public boolean uninstall(String owner, String id) {
        String key = normalise(id);
        Filter f = filters.get(key);
        if (f == null || !f.owner.equals(owner)) {
            return false;
        }
        return filters.remove(key, f);
    }

    public int size() {
        return filters.size();
    }

    private static String normalise(String id) {
        if (id == null || !id.matches("0[xX][0-9a-fA-F]{1,64}")) {
            throw RpcError.invalidParams("filter id must be a 0x-prefixed hex number");
        }
        return Hex.quantity(new java.math.BigInteger(id.substring(2), 16));
    }

    private void expire() {
        long now = clock.millis();
        for (Iterator<Filter> it = filters.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastUsedMs > limits.filterIdleMs()) {
                it.remove();
            }
        }
    }
}
