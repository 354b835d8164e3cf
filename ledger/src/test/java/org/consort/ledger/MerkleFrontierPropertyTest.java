package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.consort.crypto.Hashes;
import org.junit.jupiter.api.Test;

class MerkleFrontierPropertyTest {

    private static byte[] leaf(int seed, int i) {
        return Hashes.sha256(new byte[] {(byte) seed, (byte) (seed >> 8), (byte) i, (byte) (i >> 8)});
    }

    @Property(tries = 30)
    void aFrontierTakenAtAnySizeGrowsToTheTreesRoot(@ForAll @IntRange(min = 0, max = 300) int cut,
            @ForAll @IntRange(min = 0, max = 300) int more, @ForAll int seed) {
        MerkleTree tree = new MerkleTree();
        for (int i = 0; i < cut; i++) {
            tree.append(leaf(seed, i));
        }
        MerkleFrontier f = tree.frontier();
        assertThat(f.size()).isEqualTo(cut);
        assertThat(f.root()).isEqualTo(tree.root());
        MerkleFrontier fromScratch = MerkleFrontier.empty();
        for (int i = 0; i < cut; i++) {
            fromScratch.append(leaf(seed, i));
        }
        assertThat(fromScratch).isEqualTo(f);
        for (int i = cut; i < cut + more; i++) {
            tree.append(leaf(seed, i));
            f.append(leaf(seed, i));
            assertThat(f.root()).isEqualTo(tree.root());
        }
        assertThat(MerkleFrontier.of(f.size(), f.peaks())).isEqualTo(f).isEqualTo(tree.frontier());
    }

    @Property(tries = 40)
    void aTreeStartedFromAFrontierAgreesWithTheWholeTree(@ForAll @IntRange(min = 0, max = 200) int cut,
            @ForAll @IntRange(min = 1, max = 200) int more, @ForAll int seed) {
        MerkleTree whole = new MerkleTree();
        for (int i = 0; i < cut; i++) {
            whole.append(leaf(seed, i));
        }
        MerkleTree based = MerkleTree.fromFrontier(whole.frontier());
        assertThat(based.baseSize()).isEqualTo(cut);
        assertThat(based.root()).isEqualTo(whole.root());
        for (int i = cut; i < cut + more; i++) {
            whole.append(leaf(seed, i));
            based.append(leaf(seed, i));
        }
        for (long size = cut; size <= cut + more; size++) {
            assertThat(based.root(size)).isEqualTo(whole.root(size));
            assertThat(based.frontier(size)).isEqualTo(whole.frontier(size));
        }
        for (long size = Math.max(cut, 1); size <= cut + more; size += 7) {
            for (long leaf = cut; leaf < size; leaf++) {
                MerkleProof p = based.inclusionProof(leaf, size);
                assertThat(p.path()).usingElementComparator(java.util.Arrays::compare)
                        .containsExactlyElementsOf(whole.inclusionProof(leaf, size).path());
            }
        }
        if (cut > 0) {
            assertThatThrownBy(() -> based.inclusionProof(cut - 1, cut + more)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> based.root(cut - 1)).isInstanceOf(IllegalArgumentException.class);
        }
        based.truncate(cut);
        assertThat(based.root()).isEqualTo(whole.root(cut));
    }

    @Test
    void aCopyIsIndependent() {
        MerkleFrontier a = MerkleFrontier.empty();
        a.append(leaf(1, 1));
        MerkleFrontier b = a.copy();
        b.append(leaf(1, 2));
        assertThat(a.size()).isEqualTo(1);
        assertThat(b.size()).isEqualTo(2);
        assertThat(a.root()).isNotEqualTo(b.root());
    }

    @Test
    void peaksMustMatchTheSize() {
        assertThatThrownBy(() -> MerkleFrontier.of(3, List.of(new byte[32])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 peaks");
        assertThatThrownBy(() -> MerkleFrontier.of(1, List.of(new byte[31])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    }
}
