package org.consort.ledger;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.consort.crypto.Hashes;

/**
 * An RFC 9162 (Certificate Transparency v2) Merkle tree over SHA-256. The values appended
 * are the ledger's 32-byte leaves ({@link LedgerEntry#leaf()}); each is hashed as a leaf
 * {@code SHA-256(0x00 || leaf)} and interior nodes are {@code SHA-256(0x01 || left || right)},
 * exactly what the RFC9162_SHA256 verifiable data structure of the COSE receipts draft
 * expects. A tree of n leaves splits at the largest power of two below n.
 *
 * <p>Stores every complete ("perfect") subtree hash by level, so {@link #append} is
 * amortised O(1) hashes and O(log n) worst case, {@link #root(long)} at any past size is
 * O(log n) and {@link #inclusionProof} O(log² n) hashes. {@link #truncate} retracts a
 * speculative tail. Memory: about 64 bytes per leaf.
 *
 * <p>A tree may start from a {@link MerkleFrontier} (a node that starts from a snapshot): its
 * first {@link #baseSize()} leaves are known only by their peaks, which are exactly the hashes
 * that appending later leaves, their roots and their inclusion proofs need.
 *
 * <p>Not thread-safe: one owner thread (the ledger) at a time.
 */
public final class MerkleTree {
    public static final int HASH_LENGTH = 32;
    private static final byte[] EMPTY_ROOT = Hashes.sha256();

    /** levels.get(l) holds hashes of the perfect subtrees of 2^l leaves, left to right. */
    private final List<HashList> levels = new ArrayList<>();
    private long size;
    private final long baseSize;

    public MerkleTree() {
        levels.add(new HashList(0));
        baseSize = 0;
    }

    private MerkleTree(MerkleFrontier base) {
        baseSize = base.size();
        size = baseSize;
        List<byte[]> peaks = base.peaks();
        int next = 0;
        for (int level = 0; level < 63; level++) {
            long known = baseSize >>> level;
            boolean peak = (baseSize & (1L << level)) != 0;
            // Below the base, a level holds only the peak it has (if any), at its index.
            levels.add(new HashList(peak ? known - 1 : known));
            if (known == 0) {
                break;
            }
        }
        for (int level = 62; level >= 0; level--) {
            if ((baseSize & (1L << level)) != 0) {
                levels.get(level).add(peaks.get(next++));
            }
        }
    }

    /** A tree whose first {@code base.size()} leaves are summarised by {@code base}. */
    public static MerkleTree fromFrontier(MerkleFrontier base) {
        return base.size() == 0 ? new MerkleTree() : new MerkleTree(base);
    }

    /** Leaves known only through the frontier the tree started from (0 for a whole tree). */
    public long baseSize() {
        return baseSize;
    }

    /** Number of leaves. */
    public long size() {
        return size;
    }

    /** {@code SHA-256(0x00 || leaf)}: the RFC 9162 hash of one leaf value. */
    public static byte[] leafHash(byte[] leaf) {
        MessageDigest md = Hashes.sha256Digest();
        md.update((byte) 0);
        md.update(leaf);
        return md.digest();
    }

    /** {@code SHA-256(0x01 || left || right)}: the RFC 9162 hash of an interior node. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest md = Hashes.sha256Digest();
        md.update((byte) 1);
        md.update(left);
        md.update(right);
        return md.digest();
    }

    /** Appends one 32-byte leaf value and returns its index. */
    public long append(byte[] leaf) {
        if (leaf.length != HASH_LENGTH) {
            throw new IllegalArgumentException("Merkle leaf must be 32 bytes, got " + leaf.length);
        }
        long index = size;
        byte[] h = leafHash(leaf);
        levels.get(0).add(h);
        long i = index;
        int level = 0;
        // Whenever a node completes a pair, its parent becomes a complete subtree one level up.
        while ((i & 1) == 1) {
            byte[] left = levels.get(level).get(i - 1);
            h = nodeHash(left, h);
            level++;
            if (levels.size() == level) {
                levels.add(new HashList(i >>> 1));
            }
            levels.get(level).add(h);
            i >>= 1;
        }
        size++;
        return index;
    }

    /** The root of the current tree ({@code SHA-256("")} when empty, as RFC 9162 defines). */
    public byte[] root() {
        return root(size);
    }

    /** The root the tree had when it held its first {@code treeSize} leaves (not below the base). */
    public byte[] root(long treeSize) {
        checkSize(treeSize);
        if (treeSize < baseSize) {
            throw new IllegalArgumentException("the root of " + treeSize + " leaves is below this tree's base of "
                    + baseSize + " leaves");
        }
        if (treeSize == 0) {
            return EMPTY_ROOT.clone();
        }
        return hashRange(0, treeSize);
    }

    /** RFC 9162 inclusion proof (audit path, leaf to root) of leaf {@code index} in the tree of {@code treeSize} leaves. */
    public MerkleProof inclusionProof(long index, long treeSize) {
        checkSize(treeSize);
        if (index < 0 || index >= treeSize) {
            throw new IllegalArgumentException("leaf index " + index + " is outside a tree of " + treeSize + " leaves");
        }
        if (index < baseSize) {
            throw new IllegalArgumentException("leaf " + index + " is below this tree's base of " + baseSize + " leaves");
        }
        List<byte[]> path = new ArrayList<>();
        collectPath(index, 0, treeSize, path);
        return new MerkleProof(treeSize, index, path);
    }

    /** Retracts the tree to its first {@code newSize} leaves (not below the base). */
    public void truncate(long newSize) {
        checkSize(newSize);
        if (newSize < baseSize) {
            throw new IllegalArgumentException("cannot truncate below this tree's base of " + baseSize + " leaves");
        }
        for (int l = 0; l < levels.size(); l++) {
            levels.get(l).truncate(newSize >>> l);
        }
        size = newSize;
    }

    /** The compact frontier of the current tree: its peaks, from which it can grow. */
    public MerkleFrontier frontier() {
        return frontier(size);
    }

    /** The frontier the tree had when it held its first {@code treeSize} leaves (not below the base). */
    public MerkleFrontier frontier(long treeSize) {
        checkSize(treeSize);
        if (treeSize < baseSize) {
            throw new IllegalArgumentException("the frontier of " + treeSize + " leaves is below this tree's base of "
                    + baseSize + " leaves");
        }
        List<byte[]> peaks = new ArrayList<>();
        long start = 0;
        for (int level = 62; level >= 0; level--) {
            if ((treeSize & (1L << level)) != 0) {
                peaks.add(levels.get(level).get(start >>> level));
                start += 1L << level;
            }
        }
        return MerkleFrontier.of(treeSize, peaks);
    }

    /** The leaf hash at {@code index}. */
    public byte[] leafHashAt(long index) {
        if (index < baseSize || index >= size) {
            throw new IllegalArgumentException("no leaf " + index + " in a tree of " + size
                    + (baseSize > 0 ? " starting from a base of " + baseSize : ""));
        }
        return levels.get(0).get(index);
    }

    // PATH(m, D[start:end]) of RFC 9162 section 2.1.3.1, siblings appended deepest first.
    private void collectPath(long m, long start, long end, List<byte[]> path) {
        long n = end - start;
        if (n == 1) {
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m < k) {
            collectPath(m, start, start + k, path);
            path.add(hashRange(start + k, end));
        } else {
            collectPath(m - k, start + k, end, path);
            path.add(hashRange(start, start + k));
        }
    }

    // MTH(D[start:end]); start is always a multiple of the largest power of two <= end - start here.
    private byte[] hashRange(long start, long end) {
        long n = end - start;
        if (Long.bitCount(n) == 1) {
            int level = Long.numberOfTrailingZeros(n);
            return levels.get(level).get(start >>> level);
        }
        long k = Long.highestOneBit(n - 1);
        return nodeHash(hashRange(start, start + k), hashRange(start + k, end));
    }

    private void checkSize(long treeSize) {
        if (treeSize < 0 || treeSize > size) {
            throw new IllegalArgumentException("tree size " + treeSize + " is outside 0.." + size);
        }
    }

    /** A growable array of 32-byte hashes in one block per 2^16 hashes (no per-hash object). */
    private static final class HashList {
        private static final int BLOCK_HASHES = 1 << 16;
        private final List<byte[]> blocks = new ArrayList<>();
        /** Index of the first hash held; those below it are summarised by a tree's base. */
        private final long base;
        private long count;

        HashList(long base) {
            this.base = base;
        }

        void add(byte[] h) {
            int block = (int) (count / BLOCK_HASHES);
            if (block == blocks.size()) {
                blocks.add(new byte[BLOCK_HASHES * HASH_LENGTH]);
            }
            System.arraycopy(h, 0, blocks.get(block), (int) (count % BLOCK_HASHES) * HASH_LENGTH, HASH_LENGTH);
            count++;
        }

        byte[] get(long index) {
            long i = index - base;
            if (i < 0 || i >= count) {
                throw new IllegalStateException("subtree hash " + index + " is not held (held: " + base + ".."
                        + (base + count - 1) + ")");
            }
            int off = (int) (i % BLOCK_HASHES) * HASH_LENGTH;
            return Arrays.copyOfRange(blocks.get((int) (i / BLOCK_HASHES)), off, off + HASH_LENGTH);
        }

        void truncate(long newTotal) {
            long newCount = Math.max(0, newTotal - base);
            if (newCount < count) {
                count = newCount;
                int keepBlocks = (int) ((newCount + BLOCK_HASHES - 1) / BLOCK_HASHES);
                while (blocks.size() > keepBlocks) {
                    blocks.remove(blocks.size() - 1);
                }
            }
        }
    }
}
