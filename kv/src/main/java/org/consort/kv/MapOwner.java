package org.consort.kv;

/**
 * Who may write a map, as declared by its name (see {@link MapName}). The store itself does not
 * enforce ownership; the node's endpoint and governance layers do.
 */
public enum MapOwner {
    /** Names under {@code consort.gov.}: written only by governance. */
    GOVERNANCE,
    /** Names under {@code consort.internal.}: written only by the framework. */
    INTERNAL,
    /** Every other name: the application's own maps. */
    APPLICATION
}
