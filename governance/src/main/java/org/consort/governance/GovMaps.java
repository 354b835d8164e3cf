package org.consort.governance;

import org.consort.kv.Codec;
import org.consort.kv.MapName;

/**
 * The maps governance keeps in the store. All but one are public (plaintext in the ledger) so
 * that an auditor can replay every governance decision; keys are strings and values are UTF-8
 * text, mostly JSON objects. Ids of members, users and nodes are key ids (lower-case hex SHA-256
 * of the certificate's SubjectPublicKeyInfo). The four names the node already used
 * (service.info, members.certs, users.certs, nodes.info) are kept as they were.
 *
 * <p>Constants only; immutable and thread-safe.
 */
public final class GovMaps {
    private GovMaps() {
    }

    private static MapName<String, String> map(String name) {
        return MapName.of(name, Codec.utf8(), Codec.utf8());
    }

    /** {@link #SERVICE_KEY} → JSON {"cert": service certificate PEM, "status": {@link ServiceStatus}, ...}. */
    public static final MapName<String, String> SERVICE_INFO = map("public:consort.gov.service.info");
    /** member id → certificate PEM (what authentication checks). */
    public static final MapName<String, String> MEMBER_CERTS = map("public:consort.gov.members.certs");
    /** member id → JSON {"status": "Accepted"|"Active", "memberData": any JSON}. */
    public static final MapName<String, String> MEMBER_INFO = map("public:consort.gov.members.info");
    /** member id → RSA public key PEM (SubjectPublicKeyInfo) that recovery shares are encrypted to. */
    public static final MapName<String, String> MEMBER_ENCRYPTION_KEYS =
            map("public:consort.gov.members.encryption_public_keys");
    /** member id → JSON {"stateDigest": hex}: the digest an Accepted member must sign to become Active. */
    public static final MapName<String, String> MEMBER_ACKS = map("public:consort.gov.members.acks");
    /** user id → certificate PEM. */
    public static final MapName<String, String> USER_CERTS = map("public:consort.gov.users.certs");
    /** user id → JSON {"userData": any JSON}. */
    public static final MapName<String, String> USER_INFO = map("public:consort.gov.users.info");
    /** node id → JSON {"cert", "status": "Pending"|"Trusted"|"Retired", ...}. */
    public static final MapName<String, String> NODES = map("public:consort.gov.nodes.info");
    /** measurement (hex) → JSON {"platform": name, "status": "AllowedToJoin"} (code identity manifest). */
    public static final MapName<String, String> NODE_CODE_IDS = map("public:consort.gov.nodes.code_ids");
    /**
     * platform name → JSON {"status": "AllowedToJoin"}: the attestation platforms whose nodes may
     * join (TEE manifest; {@code add_platform}, {@code remove_platform}). A new service allows
     * {@code virtual}.
     */
    public static final MapName<String, String> NODE_PLATFORMS = map("public:consort.gov.nodes.platforms");
    /** proposal id → the proposal JSON exactly as the proposer signed it. */
    public static final MapName<String, String> PROPOSALS = map("public:consort.gov.proposals");
    /** proposal id → JSON {"proposerId", "state", "createdAt", "finalVotes", "failure"}. */
    public static final MapName<String, String> PROPOSALS_INFO = map("public:consort.gov.proposals_info");
    /** proposal id → JSON {member id: ballot script}. */
    public static final MapName<String, String> BALLOTS = map("public:consort.gov.ballots");
    /** {@link #CONSTITUTION_KEY} → the constitution's JavaScript module text. */
    public static final MapName<String, String> CONSTITUTION = map("public:consort.gov.constitution");
    /** {@link #RECOVERY_THRESHOLD_KEY} → decimal number of shares needed to recover. */
    public static final MapName<String, String> RECOVERY_THRESHOLD = map("public:consort.gov.recovery.threshold");
    /** member id → JSON {"encryptedShare": base64 RSA-OAEP-256 ciphertext, "shareDigest": hex SHA-256}. */
    public static final MapName<String, String> RECOVERY_SHARES = map("public:consort.gov.recovery.shares");
    /** {@link #RECOVERY_INFO_KEY} → JSON {"threshold", "shareCount", "keyDigest": hex SHA-256 of the wrapping key}. */
    public static final MapName<String, String> RECOVERY_INFO = map("public:consort.gov.recovery.info");
    /**
     * member id → base64 decrypted share submitted during recovery. Private (encrypted in the
     * ledger), because enough of these reveal the wrapping key.
     */
    public static final MapName<String, String> RECOVERY_SUBMITTED_SHARES =
            map("consort.gov.recovery.submitted_shares");
    /**
     * bundle name → PEM certificates: CAs (basic constraints CA) whose end-entity certificates
     * authenticate as users, identified by their key id ({@link CaBundle}).
     */
    public static final MapName<String, String> CA_CERT_BUNDLES = map("public:consort.gov.ca_cert_bundles");
    /** issuer → JSON {"issuer", "jwks", "audience"?} ({@link JwtIssuer#toStoredJson}): whose bearer tokens authenticate users. */
    public static final MapName<String, String> JWT_ISSUERS = map("public:consort.gov.jwt.issuers");
    /**
     * {@link #REQUEST_LEDGER_REKEY} | {@link #REQUEST_SNAPSHOT} → JSON {"proposalId", "count"}:
     * requests the node acts on when the write commits.
     */
    public static final MapName<String, String> SERVICE_REQUESTS = map("public:consort.gov.service.requests");
    /** hex SHA-256 of an accepted signed request → its created_at (seconds): replay protection. */
    public static final MapName<String, String> REQUEST_DIGESTS = map("public:consort.gov.request_digests");

    /**
     * {@link #ETHEREUM_NETWORK_KEY} → JSON {"chainId", "fork", "blockGasLimit", "gasPriceWei" (decimal),
     * "coinbase"}: the Ethereum application's network settings (written at genesis from the node
     * configuration, changed by {@code set_ethereum_network}).
     */
    public static final MapName<String, String> ETHEREUM_NETWORK = map("public:consort.gov.ethereum.network");
    /** user id → JSON array of the 0x Ethereum addresses the user may act as ({@code set_user_ethereum_addresses}). */
    public static final MapName<String, String> ETHEREUM_USER_ADDRESSES = map("public:consort.gov.ethereum.user_addresses");

    public static final String ETHEREUM_NETWORK_KEY = "network";
    /** Addresses one user may be bound to at most. */
    public static final int ETHEREUM_ADDRESSES_PER_USER_MAX = 100;

    public static final String SERVICE_KEY = "service";
    public static final String CONSTITUTION_KEY = "constitution";
    public static final String RECOVERY_THRESHOLD_KEY = "threshold";
    public static final String RECOVERY_INFO_KEY = "current";
    public static final String REQUEST_LEDGER_REKEY = "ledger_rekey";
    public static final String REQUEST_SNAPSHOT = "snapshot";
}
