package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.junit.jupiter.api.Test;

class MerkleTreeTest {
    private static byte[] leaf(int i) {
        return Hashes.sha256(new byte[] {(byte) i});
    }

    @Test
    void smallTreesFollowRfc9162Shape() {
        MerkleTree t = new MerkleTree();
        assertThat(Hex.encode(t.root())).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        t.append(leaf(0));
        assertThat(t.root()).isEqualTo(Hashes.sha256(new byte[] {0}, leaf(0)));
        t.append(leaf(1));
        t.append(leaf(2));
        byte[] l0 = MerkleTree.leafHash(leaf(0));
        byte[] l1 = MerkleTree.leafHash(leaf(1));
        byte[] l2 = MerkleTree.leafHash(leaf(2));
        assertThat(t.root(2)).isEqualTo(MerkleTree.nodeHash(l0, l1));
        assertThat(t.root()).isEqualTo(MerkleTree.nodeHash(MerkleTree.nodeHash(l0, l1), l2));
        MerkleProof p = t.inclusionProof(2, 3);
        assertThat(p.path()).hasSize(1);
        assertThat(p.path().get(0)).isEqualTo(MerkleTree.nodeHash(l0, l1));
        assertThat(p.steps().get(0).siblingOnLeft()).isTrue();
        assertThat(p.verify(l2, t.root())).isTrue();
        MerkleProof p0 = t.inclusionProof(0, 3);
        assertThat(p0.path()).containsExactly(l1, l2);
    }

    @Test
    void truncateRetractsAndAppendContinues() {
        MerkleTree t = new MerkleTree();
        for (int i = 0; i < 13; i++) {
            t.append(leaf(i));
        }
        byte[] root9 = t.root(9);
        t.truncate(9);
        assertThat(t.size()).isEqualTo(9);
        assertThat(t.root()).isEqualTo(root9);
        t.append(leaf(100));
        MerkleTree fresh = new MerkleTree();
        for (int i = 0; i < 9; i++) {
            fresh.append(leaf(i));
        }
        fresh.append(leaf(100));
        assertThat(t.root()).isEqualTo(fresh.root());
        assertThatThrownBy(() -> t.root(11)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.inclusionProof(10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.append(new byte[31])).hasMessageContaining("32 bytes");
    }

    @Test
    void proofWithWrongLengthIsRejected() {
        MerkleTree t = new MerkleTree();
        for (int i = 0; i < 5; i++) {
            t.append(leaf(i));
        }
        MerkleProof p = t.inclusionProof(1, 5);
        MerkleProof shorter = new MerkleProof(5, 1, p.path().subList(0, p.path().size() - 1));
        assertThat(shorter.rootFor(t.leafHashAt(1))).isNull();
        MerkleProof otherIndex = new MerkleProof(5, 4, p.path());
        assertThat(otherIndex.verify(t.leafHashAt(1), t.root())).isFalse();
    }
}
