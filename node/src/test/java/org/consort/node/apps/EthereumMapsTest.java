package org.consort.node.apps;

import static org.assertj.core.api.Assertions.assertThat;

import org.consort.ethereum.EthereumMaps;
import org.consort.governance.GovMaps;
import org.junit.jupiter.api.Test;

/**
 * The Ethereum application reads the governance maps that governance writes: the module graph
 * keeps each on its side (ethereum does not depend on governance), so the names are checked here.
 */
class EthereumMapsTest {
    @Test
    void governanceAndTheEthereumApplicationNameTheSameMaps() {
        assertThat(EthereumMaps.NETWORK.name()).isEqualTo(GovMaps.ETHEREUM_NETWORK.name());
        assertThat(EthereumMaps.NETWORK_KEY).isEqualTo(GovMaps.ETHEREUM_NETWORK_KEY);
        assertThat(EthereumMaps.USER_ADDRESSES.name()).isEqualTo(GovMaps.ETHEREUM_USER_ADDRESSES.name());
    }
}
