package org.consort.ledger;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 9162 inclusion proof: the leaf index, the tree size and the audit path (sibling
 * hashes from the leaf up). {@link #rootFor} runs the verification algorithm of RFC 9162
 * section 2.1.3.2; {@link #steps} gives the same path with explicit sides, as JSON receipts
 * carry it.
 *
 * <p>Immutable (hashes are copied); safe to share between threads.
 */
public record MerkleProof(long treeSize, long leafIndex, List<byte[]> path) {

    public MerkleProof {
        if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("leaf index " + leafIndex + " is not inside a tree of " + treeSize + " leaves");
        }
        List<byte[]> copy = new ArrayList<>(path.size());
        for (byte[] h : path) {
            if (h.length != MerkleTree.HASH_LENGTH) {
                throw new IllegalArgumentException("Merkle path hash must be 32 bytes, got " + h.length);
            }
            copy.add(h.clone());
        }
        path = List.copyOf(copy);
    }

    @Override
    public List<byte[]> path() {
        return path.stream().map(byte[]::clone).toList();
    }

    /** One step up the tree: {@code sibling} is on the left ({@code H(0x01||sibling||acc)}) or the right. */
    public record Step(boolean siblingOnLeft, byte[] sibling) {
        public Step {
            sibling = sibling.clone();
        }

        @Override
        public byte[] sibling() {
            return sibling.clone();
        }
    }

    /**
     * The root this proof leads to from {@code leafHash} (already {@code SHA-256(0x00||leaf)}),
     * or null when the path length does not fit the index and size.
     */
    public byte[] rootFor(byte[] leafHash) {
        List<Step> steps = steps();
        if (steps == null) {
            return null;
        }
        return fold(leafHash, steps);
    }

    /** The path with explicit sides as RFC 9162 determines them from index and size; null if the path length is wrong. */
    public List<Step> steps() {
        long fn = leafIndex;
        long sn = treeSize - 1;
        List<Step> out = new ArrayList<>(path.size());
        for (byte[] p : path) {
            if (sn == 0) {
                return null;
            }
            if ((fn & 1) == 1 || fn == sn) {
                out.add(new Step(true, p));
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                out.add(new Step(false, p));
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 ? out : null;
    }

    /** Applies {@code steps} to {@code leafHash}. */
    public static byte[] fold(byte[] leafHash, List<Step> steps) {
        byte[] r = leafHash;
        for (Step s : steps) {
            r = s.siblingOnLeft() ? MerkleTree.nodeHash(s.sibling, r) : MerkleTree.nodeHash(r, s.sibling);
        }
        return r;
    }

    /** True when this proof leads from {@code leafHash} to {@code root}. */
    public boolean verify(byte[] leafHash, byte[] root) {
        byte[] r = rootFor(leafHash);
        return r != null && MessageDigest.isEqual(r, root);
    }
}
