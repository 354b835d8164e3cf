package org.consort.node.service;

import org.consort.governance.GovMaps;
import org.consort.kv.Codec;
import org.consort.kv.MapName;

/**
 * The governance maps the node itself reads (authentication, network information). They are
 * defined once, by governance ({@link GovMaps}); ids are key ids (hex SHA-256 of the
 * certificate's public key info).
 */
public final class ServiceMaps {
    private ServiceMaps() {
    }

    /** "service" → JSON {"cert": PEM, "status": "Opening"|"Open"|...}. */
    public static final MapName<String, String> SERVICE_INFO = GovMaps.SERVICE_INFO;
    /** member id → certificate PEM. */
    public static final MapName<String, String> MEMBER_CERTS = GovMaps.MEMBER_CERTS;
    /** member id → JSON {"status": "Accepted"|"Active", ...}. */
    public static final MapName<String, String> MEMBER_INFO = GovMaps.MEMBER_INFO;
    /** user id → certificate PEM. */
    public static final MapName<String, String> USER_CERTS = GovMaps.USER_CERTS;
    /** node id → JSON {"cert": endorsed node certificate PEM, "status": "Trusted"|..., "host"}. */
    public static final MapName<String, String> NODES = GovMaps.NODES;

    /** measurement (hex) → JSON {"platform", "status": "AllowedToJoin"}: the code allowed to join. */
    public static final MapName<String, String> NODE_CODE_IDS = GovMaps.NODE_CODE_IDS;
    /**
     * ledger secret version (2, 3, ...) → the 32-byte key, written by the primary when governance
     * asks for a rekey. Private: the entry that carries a new secret is encrypted with the
     * previous one, so every node that can read the ledger learns it, in ledger order.
     */
    public static final MapName<Long, byte[]> LEDGER_SECRETS =
            MapName.of("consort.internal.ledger_secrets", Codec.int64(), Codec.bytes());

    /**
     * "current" → JSON {"iv", "ciphertext", "latestVersion", "fingerprint"}: every ledger secret,
     * AES-256-GCM encrypted with the recovery wrapping key. Public: a recovering node reads it
     * from the public part of the ledger, before it holds any secret.
     */
    public static final MapName<String, String> RECOVERY_WRAPPED_SECRETS =
            MapName.of("public:consort.internal.recovery.wrapped_ledger_secrets", Codec.utf8(), Codec.utf8());
    /**
     * "current" → the wrapping key of the shares last issued; "recovered" → the key members'
     * shares gave back during a recovery. Private (encrypted in the ledger).
     */
    public static final MapName<String, byte[]> RECOVERY_WRAPPING_KEY =
            MapName.of("consort.internal.recovery.wrapping_key", Codec.utf8(), Codec.bytes());

    public static final String SERVICE_KEY = GovMaps.SERVICE_KEY;
}
