package org.consort.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.consort.crypto.Hashes;

/**
 * The compact form of an RFC 9162 Merkle tree that can still grow: the hashes of its perfect
 * subtrees ("peaks") left to right, one per set bit of the size, largest first. Enough to append
 * leaves and compute the root, not to prove inclusion. The primary keeps one for its speculative
 * entries, so it can sign the root of entries that are not in its ledger yet.
 *
 * <p>Memory O(log n); {@link #append} amortised O(1) hashes, {@link #root} O(log n).
 * Not thread-safe: one owner at a time.
 */
public final class MerkleFrontier {
    private final List<byte[]> peaks;
    private long size;

    private MerkleFrontier(List<byte[]> peaks, long size) {
        this.peaks = peaks;
        this.size = size;
    }

    /** The frontier of an empty tree. */
    public static MerkleFrontier empty() {
        return new MerkleFrontier(new ArrayList<>(), 0);
    }

    /**
     * A frontier from its peaks (largest subtree first), as {@link #peaks()} returns them for a
     * tree of {@code size} leaves; throws IllegalArgumentException when they cannot be.
     */
    public static MerkleFrontier of(long size, List<byte[]> peaks) {
        if (size < 0 || Long.bitCount(size) != peaks.size()) {
            throw new IllegalArgumentException("a tree of " + size + " leaves has " + Long.bitCount(Math.max(size, 0))
                    + " peaks, not " + peaks.size());
        }
        List<byte[]> copy = new ArrayList<>(peaks.size());
        for (byte[] p : peaks) {
            if (p.length != MerkleTree.HASH_LENGTH) {
                throw new IllegalArgumentException("a peak must be " + MerkleTree.HASH_LENGTH + " bytes, got " + p.length);
            }
            copy.add(p.clone());
        }
        return new MerkleFrontier(copy, size);
    }

    /** Number of leaves. */
    public long size() {
        return size;
    }

    /** The peak hashes, largest subtree first (copies). */
    public List<byte[]> peaks() {
        List<byte[]> out = new ArrayList<>(peaks.size());
        for (byte[] p : peaks) {
            out.add(p.clone());
        }
        return out;
    }

    /** Appends one 32-byte leaf value (hashed as an RFC 9162 leaf). */
    public void append(byte[] leaf) {
        if (leaf.length != MerkleTree.HASH_LENGTH) {
            throw new IllegalArgumentException("Merkle leaf must be 32 bytes, got " + leaf.length);
        }
        byte[] h = MerkleTree.leafHash(leaf);
        // Each trailing one bit of the old size is a peak that the new leaf completes a pair with.
        long s = size;
        while ((s & 1) == 1) {
            h = MerkleTree.nodeHash(peaks.remove(peaks.size() - 1), h);
            s >>= 1;
        }
        peaks.add(h);
        size++;
    }

    /** The root: {@code SHA-256("")} when empty, otherwise the peaks folded from the right. */
    public byte[] root() {
        if (peaks.isEmpty()) {
            return Hashes.sha256();
        }
        byte[] h = peaks.get(peaks.size() - 1);
        for (int i = peaks.size() - 2; i >= 0; i--) {
            h = MerkleTree.nodeHash(peaks.get(i), h);
        }
        return h.clone();
    }

    /** An independent copy. */
    public MerkleFrontier copy() {
        return of(size, peaks);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MerkleFrontier f) || f.size != size) {
            return false;
        }
        for (int i = 0; i < peaks.size(); i++) {
            if (!Arrays.equals(peaks.get(i), f.peaks.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(size) * 31 + (peaks.isEmpty() ? 0 : Arrays.hashCode(peaks.get(peaks.size() - 1)));
    }
}
