package org.consort.governance;

import static org.assertj.core.api.Assertions.assertThat;

import org.consort.crypto.EcCurve;
import org.consort.kv.WriteTx;
import org.junit.jupiter.api.Test;

/** The default constitution's actions for the Ethereum application: user addresses and network settings. */
class EthereumGovernanceTest {

    private static String accept(GovFixture f, String action) {
        ProposalStatus p = f.propose(0, action);
        f.vote(0, p.proposalId(), true);
        ProposalStatus done = f.vote(1, p.proposalId(), true);
        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(ProposalState.Accepted);
        return p.proposalId();
    }

    @Test
    void membersBindUsersToAddressesAndChangeTheNetwork() {
        GovFixture f = new GovFixture(3, false, 0);
        String user = GovFixture.identity("user", EcCurve.P256).certificatePem();
        accept(f, GovFixture.action("set_user", "{\"cert\":" + GovFixture.quote(user) + "}"));
        String id = GovernanceService.memberId(user);
        accept(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":\"" + id
                + "\",\"addresses\":[\"0x00000000000000000000000000000000000000AA\"]}"));
        assertThat(f.store.readTx().read(GovMaps.ETHEREUM_USER_ADDRESSES).get(id))
                .contains("[\"0x00000000000000000000000000000000000000aa\"]");

        WriteTx tx = f.store.writeTx();
        tx.write(GovMaps.ETHEREUM_NETWORK).put(GovMaps.ETHEREUM_NETWORK_KEY, "{\"chainId\":1337,\"fork\":\"Cancun\","
                + "\"blockGasLimit\":30000000,\"gasPriceWei\":\"0\",\"coinbase\":\"0x0000000000000000000000000000000000000000\"}");
        f.store.commit(tx);
        accept(f, GovFixture.action("set_ethereum_network", "{\"gasPriceWei\":\"1000000000\",\"blockGasLimit\":60000000}"));
        assertThat(f.store.readTx().read(GovMaps.ETHEREUM_NETWORK).get(GovMaps.ETHEREUM_NETWORK_KEY).orElseThrow())
                .contains("\"gasPriceWei\":\"1000000000\"").contains("\"blockGasLimit\":60000000").contains("\"chainId\":1337");

        // Removing the user removes its binding.
        accept(f, GovFixture.action("remove_user", "{\"user_id\":\"" + id + "\"}"));
        assertThat(f.store.readTx().read(GovMaps.ETHEREUM_USER_ADDRESSES).get(id)).isEmpty();
    }

    @Test
    void malformedEthereumActionsAreRefused() {
        GovFixture f = new GovFixture(3, false, 0);
        String user = GovFixture.identity("user", EcCurve.P256).certificatePem();
        accept(f, GovFixture.action("set_user", "{\"cert\":" + GovFixture.quote(user) + "}"));
        String id = GovernanceService.memberId(user);
        assertThat(refused(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":\"" + id
                + "\",\"addresses\":[\"0x12\"]}"))).isTrue();
        assertThat(refused(f, GovFixture.action("set_user_ethereum_addresses", "{\"user_id\":\"nobody\",\"addresses\":[]}")))
                .isTrue();
        assertThat(refused(f, GovFixture.action("set_ethereum_network", "{\"chainID\":5}"))).isTrue();
    }

    private static boolean refused(GovFixture f, String action) {
        try {
            f.propose(0, action);
            return false;
        } catch (GovernanceRefusal e) {
            return true;
        }
    }
}
