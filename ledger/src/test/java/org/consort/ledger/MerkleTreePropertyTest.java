package org.consort.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.consort.crypto.Hashes;

class MerkleTreePropertyTest {

    /** RFC 9162 section 2.1.1 MTH, written directly from the definition. */
    private static byte[] referenceRoot(List<byte[]> leaves) {
        if (leaves.isEmpty()) {
            return Hashes.sha256();
        }
        if (leaves.size() == 1) {
            return MerkleTree.leafHash(leaves.get(0));
        }
        int k = Integer.highestOneBit(leaves.size() - 1);
        return MerkleTree.nodeHash(referenceRoot(leaves.subList(0, k)), referenceRoot(leaves.subList(k, leaves.size())));
    }

    private static List<byte[]> leaves(int n, int seed) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Hashes.sha256(new byte[] {(byte) seed, (byte) (seed >> 8), (byte) i, (byte) (i >> 8)}));
        }
        return out;
    }

    @Property(tries = 15)
    void proofsVerifyForEveryLeafAndEverySize(@ForAll @IntRange(min = 1, max = 33) int n, @ForAll int seed) {
        List<byte[]> ls = leaves(n, seed);
        MerkleTree t = new MerkleTree();
        ls.forEach(t::append);
        for (int size = 1; size <= n; size++) {
            byte[] root = t.root(size);
            assertThat(root).isEqualTo(referenceRoot(ls.subList(0, size)));
            for (int i = 0; i < size; i++) {
                MerkleProof p = t.inclusionProof(i, size);
                assertThat(p.verify(MerkleTree.leafHash(ls.get(i)), root)).isTrue();
                assertThat(MerkleProof.fold(MerkleTree.leafHash(ls.get(i)), p.steps())).isEqualTo(root);
            }
        }
    }

    @Property(tries = 120)
    void anyModifiedByteFails(@ForAll @IntRange(min = 2, max = 40) int n, @ForAll @IntRange(min = 0, max = 1000) int pick,
                              @ForAll @IntRange(min = 0, max = 10_000) int bytePick, @ForAll @IntRange(min = 1, max = 255) int flip) {
        List<byte[]> ls = leaves(n, pick);
        MerkleTree t = new MerkleTree();
        ls.forEach(t::append);
        int size = 1 + pick % n;
        int index = bytePick % size;
        byte[] root = t.root(size);
        MerkleProof p = t.inclusionProof(index, size);
        byte[] leafHash = MerkleTree.leafHash(ls.get(index));
        // Flip one byte in the leaf, the root, or one path hash: verification must fail.
        int target = bytePick % (2 + p.path().size());
        int at = bytePick % 32;
        if (target == 0) {
            byte[] leaf = ls.get(index).clone();
            leaf[at] ^= (byte) flip;
            assertThat(p.verify(MerkleTree.leafHash(leaf), root)).isFalse();
        } else if (target == 1) {
            byte[] r = root.clone();
            r[at] ^= (byte) flip;
            assertThat(p.verify(leafHash, r)).isFalse();
        } else {
            List<byte[]> path = new ArrayList<>(p.path());
            byte[] h = path.get(target - 2).clone();
            h[at] ^= (byte) flip;
            path.set(target - 2, h);
            assertThat(new MerkleProof(size, index, path).verify(leafHash, root)).isFalse();
        }
    }

    @Property(tries = 50)
    void truncateThenRegrowMatchesFreshTree(@ForAll @IntRange(min = 1, max = 100) int n, @ForAll @IntRange(min = 0, max = 100) int cut) {
        int keep = cut % (n + 1);
        List<byte[]> ls = leaves(n, 7);
        MerkleTree t = new MerkleTree();
        ls.forEach(t::append);
        t.truncate(keep);
        List<byte[]> other = leaves(n, 9);
        MerkleTree fresh = new MerkleTree();
        ls.subList(0, keep).forEach(fresh::append);
        for (int i = keep; i < n; i++) {
            t.append(other.get(i));
            fresh.append(other.get(i));
        }
        assertThat(t.root()).isEqualTo(fresh.root());
        for (int s = 1; s <= n; s++) {
            assertThat(t.root(s)).isEqualTo(fresh.root(s));
        }
    }
}
