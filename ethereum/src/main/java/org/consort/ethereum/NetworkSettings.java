package org.consort.ethereum;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Locale;
import org.consort.evm.Address;
import org.consort.evm.fork.Fork;

/**
 * The Ethereum network's settings as every node reads them from the store (the public,
 * governance-readable map {@link EthereumMaps#NETWORK}), so governance can change them later.
 * Immutable.
 *
 * @param chainId       EIP-155 chain id that signatures must commit to
 * @param fork          the EVM rules (Berlin .. Cancun)
 * @param blockGasLimit gas limit of every block; also the largest transaction gas limit
 * @param gasPriceWei   0: zero-fee consortium mode (base fee 0, {@code eth_gasPrice} 0); above 0: a
 *                      fixed price, the London base fee of every block, burnt
 * @param coinbase      recipient of priority fees (the zero address by default)
 */
public record NetworkSettings(long chainId, Fork fork, long blockGasLimit, BigInteger gasPriceWei, Address coinbase) {

    public NetworkSettings {
        if (chainId < 1) {
            throw new IllegalArgumentException("chainId must be positive");
        }
        if (blockGasLimit < 21_000) {
            throw new IllegalArgumentException("blockGasLimit must be at least 21000");
        }
        if (gasPriceWei.signum() < 0 || gasPriceWei.bitLength() > 255) {
            throw new IllegalArgumentException("gasPriceWei must be a non-negative 256-bit number");
        }
    }

    /** The base fee of every block: the fixed price from London on, nothing before. */
    public BigInteger baseFee() {
        return fork.has(org.consort.evm.fork.Eip.EIP_1559) ? gasPriceWei : BigInteger.ZERO;
    }

    public String toJson() {
        ObjectNode o = JsonSupport.MAPPER.createObjectNode();
        o.put("chainId", chainId);
        o.put("fork", fork.testName());
        o.put("blockGasLimit", blockGasLimit);
        o.put("gasPriceWei", gasPriceWei.toString());
        o.put("coinbase", coinbase.toString());
        return JsonSupport.write(o);
    }

    /** Parses what {@link #toJson()} wrote; throws IllegalArgumentException when malformed. */
    public static NetworkSettings fromJson(String json) {
        JsonNode o = JsonSupport.parse(json);
        try {
            Fork fork = Fork.byName(o.path("fork").asText("Cancun"))
                    .orElseThrow(() -> new IllegalArgumentException("unknown fork " + o.path("fork").asText()));
            return new NetworkSettings(o.path("chainId").asLong(), fork, o.path("blockGasLimit").asLong(),
                    new BigInteger(o.path("gasPriceWei").asText("0")),
                    Address.fromHex(o.path("coinbase").asText("0x0000000000000000000000000000000000000000")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed ethereum network settings: " + e.getMessage(), e);
        }
    }

    static Fork parseFork(String name) {
        return Fork.byName(name == null ? "Cancun" : name.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new IllegalArgumentException("unknown fork '" + name + "' (Berlin .. Cancun)"));
    }
}
