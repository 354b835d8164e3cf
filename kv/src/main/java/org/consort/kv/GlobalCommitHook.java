package org.consort.kv;

import java.util.Map;
import java.util.Optional;

/**
 * Called once for each globally committed version that wrote a given map, in version order,
 * from the thread that calls {@link Store#globalCommit(long)}. Used to maintain indexes and
 * caches that must only ever see committed state.
 *
 * <p>A hook should not throw; if it does, the store still runs every other hook for every
 * version and then throws {@link GlobalCommitHookFailure} to the caller of globalCommit.
 */
@FunctionalInterface
public interface GlobalCommitHook<K, V> {
    /**
     * @param version the committed version
     * @param writes the keys it wrote, in encoded-key order: a value for a put, empty for a
     *     remove. Unmodifiable.
     */
    void onCommit(long version, Map<K, Optional<V>> writes);
}
