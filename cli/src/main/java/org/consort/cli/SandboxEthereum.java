package org.consort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.consort.common.Hex;
import org.consort.crypto.Secp256k1;
import org.consort.ethereum.EthereumConfig;

/**
 * The sandbox's Ethereum accounts: one secp256k1 key per user, listed in {@code network.json}
 * as {@code users[i].ethereumAddress} and {@code users[i].ethereumPrivateKey}, funded at genesis
 * and bound to that user.
 */
final class SandboxEthereum {
    /** What each sandbox user's address holds at genesis: 1,000,000 ether. */
    static final BigInteger FUNDS_WEI = BigInteger.TEN.pow(24);

    private SandboxEthereum() {
    }

    /** Adds a fresh Ethereum key to a user's entry. */
    static void addKey(ObjectNode user, SecureRandom random) {
        byte[] key = new byte[32];
        do {
            random.nextBytes(key);
        } while (!Secp256k1.inScalarRange(key));
        user.put("ethereumAddress", "0x" + Hex.encode(Secp256k1.address(key)));
        user.put("ethereumPrivateKey", "0x" + Hex.encode(key));
    }

    /** The Ethereum configuration of a new sandbox: its users' addresses funded and bound to them. */
    static EthereumConfig config(JsonNode users) {
        Map<String, String> alloc = new LinkedHashMap<>();
        List<EthereumConfig.UserBinding> bindings = new ArrayList<>();
        for (JsonNode u : users) {
            if (!u.hasNonNull("ethereumAddress")) {
                continue;
            }
            String address = u.get("ethereumAddress").asText();
            alloc.put(address, FUNDS_WEI.toString());
            bindings.add(new EthereumConfig.UserBinding(u.get("id").asText(), List.of(address)));
        }
        return new EthereumConfig(null, null, null, null, null, alloc, bindings, null);
    }
}
