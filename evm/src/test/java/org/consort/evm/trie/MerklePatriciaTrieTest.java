package org.consort.evm.trie;

import static org.assertj.core.api.Assertions.assertThat;

import org.consort.common.Hex;
import org.junit.jupiter.api.Test;

class MerklePatriciaTrieTest {

    @Test
    void emptyTrieHasTheWellKnownRoot() {
        assertThat(Hex.encode(new MerklePatriciaTrie().rootHash()))
                .isEqualTo("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    }

    @Test
    void emptyValueRemovesTheKey() {
        MerklePatriciaTrie t = new MerklePatriciaTrie();
        t.put(new byte[] {1}, new byte[] {2});
        t.put(new byte[] {1}, new byte[0]);
        assertThat(t.size()).isZero();
        assertThat(t.rootHash()).isEqualTo(MerklePatriciaTrie.EMPTY_ROOT);
    }
}
