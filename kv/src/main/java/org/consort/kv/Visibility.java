package org.consort.kv;

/**
 * Whether a map's contents are written to the ledger in plaintext ({@link #PUBLIC}) or in the
 * encrypted private part of each entry ({@link #PRIVATE}). Decided by the map's name: see
 * {@link MapName}.
 */
public enum Visibility {
    /** Plaintext in the ledger: names that start with {@code public:}. */
    PUBLIC,
    /** Encrypted in the ledger: every other name. */
    PRIVATE
}
