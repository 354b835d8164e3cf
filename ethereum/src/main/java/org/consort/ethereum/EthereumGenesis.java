package org.consort.ethereum;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.math.BigInteger;
import java.util.Map;
import org.consort.ethereum.chain.BlockBuilder;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.state.KvWorldWriter;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.kv.WriteTx;

/**
 * The Ethereum part of a new service's genesis transaction: network settings, user bindings,
 * allocations and block 0. Runs once, inside the service's genesis write transaction.
 */
public final class EthereumGenesis {
    private EthereumGenesis() {
    }

    public static StoredBlock write(WriteTx tx, EthereumConfig config, long timestampSeconds) {
        NetworkSettings settings = config.settings();
        tx.write(EthereumMaps.NETWORK).put(EthereumMaps.NETWORK_KEY, settings.toJson());
        for (EthereumConfig.UserBinding b : config.users()) {
            ArrayNode a = JsonSupport.MAPPER.createArrayNode();
            b.addresses().forEach(x -> a.add(EthereumConfig.parseAddress(x).toString()));
            tx.write(EthereumMaps.USER_ADDRESSES).put(b.userId(), JsonSupport.write(a));
        }
        KvWorldWriter world = new KvWorldWriter(tx);
        for (Map.Entry<Address, BigInteger> e : config.allocations().entrySet()) {
            world.allocate(e.getKey(), Word.fromBigInteger(e.getValue()));
        }
        StoredBlock genesis = BlockBuilder.genesisBlock(settings, timestampSeconds);
        BlockBuilder.writeGenesisBlock(tx, genesis);
        return genesis;
    }
}
