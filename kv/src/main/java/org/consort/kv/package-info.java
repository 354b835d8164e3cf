/**
 * The versioned in-memory key-value store: the replicated state of a Consort node.
 *
 * <p>State is a set of named maps ({@link org.consort.kv.MapName}) of byte-encoded keys and
 * values. Each committed transaction creates one version; versions are the ledger seqnos (dense,
 * starting at 1; version 0 is the empty store). Maps are persistent (structure-sharing) trees, so
 * a snapshot is O(1) and old versions stay readable within a configured window.
 *
 * <p>Transactions ({@link org.consort.kv.WriteTx}) read one snapshot and commit optimistically
 * through {@link org.consort.kv.Store#commit}: a commit fails with a conflict if something the
 * transaction read has been written since its snapshot. The effect of a commit is a
 * {@link org.consort.kv.WriteSet} with a deterministic binary form, which replicas apply with
 * {@link org.consort.kv.Store#apply}.
 */
package org.consort.kv;
