package org.consort.node.service;

import org.consort.kv.Codec;
import org.consort.kv.MapName;

/**
 * The maps the framework itself keeps in the store. Governance maps are public (plaintext in
 * the ledger, so an auditor can replay governance); ids are key ids (hex SHA-256 of the certificate's public key info).
 */
public final class ServiceMaps {
    private ServiceMaps() {
    }

    /** "service" → JSON {"cert": PEM, "status": "Opening"|"Open"|..., "createdAt"}. */
    public static final MapName<String, String> SERVICE_INFO =
            MapName.of("public:consort.gov.service.info", Codec.utf8(), Codec.utf8());
    /** member id → certificate PEM. */
    public static final MapName<String, String> MEMBER_CERTS =
            MapName.of("public:consort.gov.members.certs", Codec.utf8(), Codec.utf8());
    /** user id → certificate PEM. */
    public static final MapName<String, String> USER_CERTS =
            MapName.of("public:consort.gov.users.certs", Codec.utf8(), Codec.utf8());
    /** node id → JSON {"cert": endorsed node certificate PEM, "status": "Trusted"|..., "address"}. */
    public static final MapName<String, String> NODES =
            MapName.of("public:consort.gov.nodes.info", Codec.utf8(), Codec.utf8());
    /** view → first seqno of that view (the history of primaries' terms). */
    public static final MapName<Long, Long> VIEW_HISTORY =
            MapName.of("public:consort.internal.view_history", Codec.int64(), Codec.int64());

    public static final String SERVICE_KEY = "service";
}
