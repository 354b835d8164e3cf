package org.consort.ethereum;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consort.evm.Address;

/**
 * The Ethereum part of a node's configuration file ({@code "ethereum": {...}}). The network
 * settings and the genesis allocations are written to the store by the genesis transaction of a
 * new service; after that the store, not this file, is what every node uses. Immutable.
 *
 * @param chainId       EIP-155 chain id (default 1337)
 * @param fork          EVM rules: Berlin, London, Paris, Shanghai or Cancun (default Cancun)
 * @param blockGasLimit gas limit of each block (default 30,000,000)
 * @param gasPriceWei   decimal wei; "0" (the default) is the zero-fee consortium mode, above it a fixed price
 * @param coinbase      fee recipient (default the zero address)
 * @param alloc         genesis balances: address (0x hex) to decimal or 0x-hex wei
 * @param users         users bound to Ethereum addresses at genesis, by user id (key id)
 * @param limits        bounds of the application (defaults when absent)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record EthereumConfig(Long chainId, String fork, Long blockGasLimit, String gasPriceWei, String coinbase,
        Map<String, String> alloc, List<UserBinding> users, EthereumLimits limits) {

    public static final long CHAIN_ID_DEFAULT = 1337;
    public static final long BLOCK_GAS_LIMIT_DEFAULT = 30_000_000;

    /** A user (key id of its certificate) and the Ethereum addresses it acts as. */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record UserBinding(String userId, List<String> addresses) {
        public UserBinding {
            if (userId == null || !userId.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("ethereum.users: userId must be 64 lower-case hex digits (a key id)");
            }
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
            addresses.forEach(EthereumConfig::parseAddress);
        }
    }

    public EthereumConfig {
        chainId = chainId == null ? CHAIN_ID_DEFAULT : chainId;
        fork = fork == null ? "Cancun" : fork;
        blockGasLimit = blockGasLimit == null ? BLOCK_GAS_LIMIT_DEFAULT : blockGasLimit;
        gasPriceWei = gasPriceWei == null ? "0" : gasPriceWei;
        coinbase = coinbase == null ? "0x0000000000000000000000000000000000000000" : coinbase;
        alloc = alloc == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alloc));
        users = users == null ? List.of() : List.copyOf(users);
        limits = limits == null ? EthereumLimits.defaults() : limits;
        settings(chainId, fork, blockGasLimit, gasPriceWei, coinbase); // validates
        for (Map.Entry<String, String> e : alloc.entrySet()) {
            parseAddress(e.getKey());
            parseWei(e.getValue());
        }
    }

    public static EthereumConfig defaults() {
        return new EthereumConfig(null, null, null, null, null, null, null, null);
    }

    /** The network settings this configuration starts a new service with. */
    public NetworkSettings settings() {
        return settings(chainId, fork, blockGasLimit, gasPriceWei, coinbase);
    }

    private static NetworkSettings settings(long chainId, String fork, long blockGasLimit, String gasPriceWei,
            String coinbase) {
        try {
            return new NetworkSettings(chainId, NetworkSettings.parseFork(fork), blockGasLimit, parseWei(gasPriceWei),
                    parseAddress(coinbase));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config: ethereum: " + e.getMessage(), e);
        }
    }

    /** The genesis balances, parsed. */
    public Map<Address, BigInteger> allocations() {
        Map<Address, BigInteger> out = new LinkedHashMap<>();
        alloc.forEach((a, v) -> out.put(parseAddress(a), parseWei(v)));
        return out;
    }

    static Address parseAddress(String text) {
        if (text == null || !text.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException("config: ethereum: '" + text + "' is not a 0x-prefixed 20-byte address");
        }
        return Address.fromHex(text.substring(2));
    }

    static BigInteger parseWei(String text) {
        try {
            BigInteger v = text.startsWith("0x") ? new BigInteger(text.substring(2), 16) : new BigInteger(text);
            if (v.signum() < 0 || v.bitLength() > 256) {
                throw new NumberFormatException();
            }
            return v;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("config: ethereum: '" + text + "' is not an amount of wei (decimal or 0x hex)");
        }
    }
}
