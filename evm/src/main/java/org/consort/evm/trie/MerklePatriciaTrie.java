package org.consort.evm.trie;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.consort.crypto.Hashes;
import org.consort.evm.rlp.Rlp;

/**
 * Ethereum's Merkle-Patricia trie, as a map of keys to values with a root hash.
 *
 * <p>The root is computed from the sorted entries on demand (a trie over sorted keys can be
 * built in one pass), which is all the EVM's state roots, receipts roots and the reference
 * tests need. An empty value means "absent", as in Ethereum. Not thread-safe.
 */
public final class MerklePatriciaTrie {
    /** keccak256(rlp("")): the root of the empty trie. */
    public static final byte[] EMPTY_ROOT = Hashes.keccak256(new byte[] {(byte) 0x80});

    private final TreeMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);

    public void put(byte[] key, byte[] value) {
        if (value.length == 0) {
            entries.remove(key);
        } else {
            entries.put(key.clone(), value.clone());
        }
    }

    public void remove(byte[] key) {
        entries.remove(key);
    }

    public int size() {
        return entries.size();
    }

    public byte[] rootHash() {
        if (entries.isEmpty()) {
            return EMPTY_ROOT.clone();
        }
        List<byte[]> keys = new ArrayList<>(entries.size());
        List<byte[]> values = new ArrayList<>(entries.size());
        for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
            keys.add(toNibbles(e.getKey()));
            values.add(e.getValue());
        }
        return Hashes.keccak256(encodeNode(keys, values, 0, keys.size(), 0));
    }

    private static byte[] toNibbles(byte[] key) {
        byte[] n = new byte[key.length * 2];
        for (int i = 0; i < key.length; i++) {
            n[2 * i] = (byte) ((key[i] >>> 4) & 0xF);
            n[2 * i + 1] = (byte) (key[i] & 0xF);
        }
        return n;
    }

    /** RLP of the node holding keys[from, to), all of which share their first {@code depth} nibbles. */
    private static byte[] encodeNode(List<byte[]> keys, List<byte[]> values, int from, int to, int depth) {
        if (to - from == 1) {
            byte[] k = keys.get(from);
            return Rlp.encodeList(Rlp.encodeBytes(hexPrefix(k, depth, k.length, true)),
                    Rlp.encodeBytes(values.get(from)));
        }
        // Sorted keys: the common prefix of all equals that of the first and last.
        byte[] first = keys.get(from);
        byte[] last = keys.get(to - 1);
        int common = 0;
        while (depth + common < first.length && depth + common < last.length
                && first[depth + common] == last[depth + common]) {
            common++;
        }
        if (common > 0) {
            byte[] child = encodeNode(keys, values, from, to, depth + common);
            return Rlp.encodeList(Rlp.encodeBytes(hexPrefix(first, depth, depth + common, false)), reference(child));
        }
        byte[][] items = new byte[17][];
        int i = from;
        if (keys.get(i).length == depth) {
            items[16] = Rlp.encodeBytes(values.get(i));
            i++;
        } else {
            items[16] = Rlp.encodeBytes(new byte[0]);
        }
        for (int nib = 0; nib < 16; nib++) {
            int start = i;
            while (i < to && keys.get(i)[depth] == nib) {
                i++;
            }
            items[nib] = start == i ? Rlp.encodeBytes(new byte[0])
                    : reference(encodeNode(keys, values, start, i, depth + 1));
        }
        return Rlp.encodeList(items);
    }

    /** Nodes shorter than 32 bytes are embedded; longer ones are referenced by hash. */
    private static byte[] reference(byte[] encoded) {
        return encoded.length < 32 ? encoded : Rlp.encodeBytes(Hashes.keccak256(encoded));
    }

    private static byte[] hexPrefix(byte[] nibbles, int from, int to, boolean leaf) {
        int len = to - from;
        boolean odd = (len & 1) == 1;
        byte[] out = new byte[len / 2 + 1];
        int flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
        int p = from;
        if (odd) {
            out[0] = (byte) ((flag << 4) | nibbles[p++]);
        } else {
            out[0] = (byte) (flag << 4);
        }
        for (int i = 1; i < out.length; i++) {
            out[i] = (byte) ((nibbles[p] << 4) | nibbles[p + 1]);
            p += 2;
        }
        return out;
    }
}
