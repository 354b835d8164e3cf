package org.consort.kv;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An immutable sorted map from byte-array keys (unsigned lexicographic order) to values: an AVL
 * tree whose updates copy only the path from the root, so every old version stays intact and
 * shares all other nodes with the new one. Thread-safe because immutable; keys and values must
 * not be mutated after insertion.
 */
final class PersistentTree<V> implements Iterable<PersistentTree.Node<V>> {

    private static final PersistentTree<?> EMPTY = new PersistentTree<>(null);

    /** One entry of the tree; also its subtree. */
    static final class Node<V> {
        final byte[] key;
        final V value;
        final Node<V> left;
        final Node<V> right;
        final int height;
        final int size;

        Node(byte[] key, V value, Node<V> left, Node<V> right) {
            this.key = key;
            this.value = value;
            this.left = left;
            this.right = right;
            this.height = Math.max(height(left), height(right)) + 1;
            this.size = size(left) + size(right) + 1;
        }

        byte[] key() {
            return key;
        }

        V value() {
            return value;
        }
    }

    private final Node<V> root;

    private PersistentTree(Node<V> root) {
        this.root = root;
    }

    @SuppressWarnings("unchecked")
    static <V> PersistentTree<V> empty() {
        return (PersistentTree<V>) EMPTY;
    }

    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    int size() {
        return size(root);
    }

    boolean isEmpty() {
        return root == null;
    }

    /** The value of {@code key}, or null. */
    V get(byte[] key) {
        Node<V> n = root;
        while (n != null) {
            int c = compare(key, n.key);
            if (c == 0) {
                return n.value;
            }
            n = c < 0 ? n.left : n.right;
        }
        return null;
    }

    PersistentTree<V> put(byte[] key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        return new PersistentTree<>(put(root, key, value));
    }

    /** Returns this same tree when {@code key} is absent. */
    PersistentTree<V> remove(byte[] key) {
        Node<V> r = remove(root, key);
        return r == root ? this : new PersistentTree<>(r);
    }

    /** Nodes in key order. */
    @Override
    public Iterator<Node<V>> iterator() {
        return new InOrder<>(root);
    }

    /** Height of the tree, for tests of the balance invariant. */
    int height() {
        return height(root);
    }

    /** Checks order, balance, and cached sizes and heights; for tests. */
    boolean checkInvariants() {
        return check(root, null, null);
    }

    private static <V> boolean check(Node<V> n, byte[] low, byte[] high) {
        if (n == null) {
            return true;
        }
        if ((low != null && compare(n.key, low) <= 0) || (high != null && compare(n.key, high) >= 0)) {
            return false;
        }
        if (Math.abs(height(n.left) - height(n.right)) > 1
                || n.height != Math.max(height(n.left), height(n.right)) + 1
                || n.size != size(n.left) + size(n.right) + 1) {
            return false;
        }
        return check(n.left, low, n.key) && check(n.right, n.key, high);
    }

    private static int height(Node<?> n) {
        return n == null ? 0 : n.height;
    }

    private static int size(Node<?> n) {
        return n == null ? 0 : n.size;
    }

    private static <V> Node<V> put(Node<V> n, byte[] key, V value) {
        if (n == null) {
            return new Node<>(key, value, null, null);
        }
        int c = compare(key, n.key);
        if (c < 0) {
            return balance(n.key, n.value, put(n.left, key, value), n.right);
        }
        if (c > 0) {
            return balance(n.key, n.value, n.left, put(n.right, key, value));
        }
        return new Node<>(n.key, value, n.left, n.right);
    }

    private static <V> Node<V> remove(Node<V> n, byte[] key) {
        if (n == null) {
            return null;
        }
        int c = compare(key, n.key);
        if (c < 0) {
            Node<V> l = remove(n.left, key);
            return l == n.left ? n : balance(n.key, n.value, l, n.right);
        }
        if (c > 0) {
            Node<V> r = remove(n.right, key);
            return r == n.right ? n : balance(n.key, n.value, n.left, r);
        }
        if (n.left == null) {
            return n.right;
        }
        if (n.right == null) {
            return n.left;
        }
        Node<V> min = n.right;
        while (min.left != null) {
            min = min.left;
        }
        return balance(min.key, min.value, n.left, removeMin(n.right));
    }

    private static <V> Node<V> removeMin(Node<V> n) {
        if (n.left == null) {
            return n.right;
        }
        return balance(n.key, n.value, removeMin(n.left), n.right);
    }

    /** Builds a node from subtrees whose heights differ by at most 2, restoring the AVL balance. */
    private static <V> Node<V> balance(byte[] key, V value, Node<V> l, Node<V> r) {
        int hl = height(l);
        int hr = height(r);
        if (hl > hr + 1) {
            if (height(l.left) >= height(l.right)) {
                return new Node<>(l.key, l.value, l.left, new Node<>(key, value, l.right, r));
            }
            Node<V> lr = l.right;
            return new Node<>(lr.key, lr.value, new Node<>(l.key, l.value, l.left, lr.left),
                    new Node<>(key, value, lr.right, r));
        }
        if (hr > hl + 1) {
            if (height(r.right) >= height(r.left)) {
                return new Node<>(r.key, r.value, new Node<>(key, value, l, r.left), r.right);
            }
            Node<V> rl = r.left;
            return new Node<>(rl.key, rl.value, new Node<>(key, value, l, rl.left),
                    new Node<>(r.key, r.value, rl.right, r.right));
        }
        return new Node<>(key, value, l, r);
    }

    private static final class InOrder<V> implements Iterator<Node<V>> {
        private final ArrayDeque<Node<V>> stack = new ArrayDeque<>();

        InOrder(Node<V> root) {
            pushLeft(root);
        }

        private void pushLeft(Node<V> n) {
            while (n != null) {
                stack.push(n);
                n = n.left;
            }
        }

        @Override
        public boolean hasNext() {
            return !stack.isEmpty();
        }

        @Override
        public Node<V> next() {
            if (stack.isEmpty()) {
                throw new NoSuchElementException();
            }
            Node<V> n = stack.pop();
            pushLeft(n.right);
            return n;
        }
    }
}
