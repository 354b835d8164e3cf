package org.consort.node.recovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.consort.common.Hex;
import org.consort.crypto.AesGcm;
import org.consort.crypto.Hashes;
import org.consort.governance.GovMaps;
import org.consort.governance.GovReads;
import org.consort.governance.RecoveryShares;
import org.consort.kv.ReadTx;
import org.consort.kv.WriteTx;
import org.consort.ledger.LedgerSecrets;
import org.consort.node.http.Json;
import org.consort.node.service.ServiceMaps;

/**
 * Disaster recovery without a single key holder (product decision 6). While the service runs,
 * every ledger secret is kept in the public part of the ledger encrypted with a wrapping key,
 * and the wrapping key is split k-of-n among the recovery members (Active members with an
 * encryption key; k is the recovery threshold), each share encrypted to its member
 * ({@link RecoveryShares}). After every node is lost, a node started from a copy of the ledger
 * reads the public state, members vote the service open and submit their shares, and the
 * node unwraps the secrets and restores the private state.
 *
 * <p>Shares are issued again, with a new wrapping key, whenever the recovery members, their
 * keys, the threshold or the ledger secrets change; the last issue's fingerprint says whether a
 * change matters. Stateless; thread-safe.
 */
public final class Recovery {
    /** Key of the current wrapped secrets and wrapping key. */
    public static final String CURRENT = "current";
    /** Key of the wrapping key the members' shares gave back during a recovery. */
    public static final String RECOVERED = "recovered";
    private static final byte[] AAD = "consort recovery: wrapped ledger secrets v1".getBytes(StandardCharsets.US_ASCII);

    private Recovery() {
    }

    /**
     * What shares depend on: the recovery members with their keys, the threshold, and the
     * ledger secret versions. Equal fingerprints need no new issue.
     */
    public static String fingerprint(ReadTx tx, LedgerSecrets secrets) {
        TreeMap<String, String> keys = new TreeMap<>();
        for (String id : GovReads.activeMembers(tx)) {
            tx.read(GovMaps.MEMBER_ENCRYPTION_KEYS).get(id).ifPresent(k -> keys.put(id, k));
        }
        MessageDigest md = Hashes.sha256Digest();
        keys.forEach((id, k) -> md.update((id + "\n" + k + "\n").getBytes(StandardCharsets.UTF_8)));
        md.update(("threshold " + GovReads.recoveryThreshold(tx) + "\n").getBytes(StandardCharsets.UTF_8));
        for (LedgerSecrets.Secret s : secrets.all()) {
            md.update(("secret " + s.version() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return Hex.encode(md.digest());
    }

    /** The fingerprint of the last issue, if shares were issued. */
    public static Optional<String> issuedFingerprint(ReadTx tx) {
        return tx.read(ServiceMaps.RECOVERY_WRAPPED_SECRETS).get(CURRENT)
                .map(j -> Json.parseObject(j.getBytes(StandardCharsets.UTF_8)).path("fingerprint").asText());
    }

    /** Why shares cannot be issued now (no threshold, too few recovery members), or empty. */
    public static Optional<String> cannotIssue(ReadTx tx) {
        int k = GovReads.recoveryThreshold(tx);
        int n = 0;
        for (String id : GovReads.activeMembers(tx)) {
            if (tx.read(GovMaps.MEMBER_ENCRYPTION_KEYS).get(id).isPresent()) {
                n++;
            }
        }
        if (k < 1) {
            return Optional.of("no recovery threshold is set (set_recovery_threshold)");
        }
        if (n < k) {
            return Optional.of("only " + n + " Active members have encryption keys, fewer than the threshold " + k);
        }
        return Optional.empty();
    }

    /**
     * Wraps every ledger secret with a new random wrapping key, keeps the wrapped form public
     * and the wrapping key private (so a later primary can tell what was issued), and splits the
     * wrapping key among the recovery members. Returns the number of shares.
     */
    public static int issue(WriteTx tx, LedgerSecrets secrets, SecureRandom random) {
        byte[] wrappingKey = new byte[RecoveryShares.KEY_LENGTH];
        random.nextBytes(wrappingKey);
        byte[] iv = new byte[AesGcm.IV_LENGTH];
        random.nextBytes(iv);
        byte[] wrapped = AesGcm.encrypt(wrappingKey, iv, AAD, secrets.toJson().getBytes(StandardCharsets.UTF_8));
        int shares = RecoveryShares.issue(tx, wrappingKey, random);
        ObjectNode o = Json.object();
        o.put("iv", Base64.getEncoder().encodeToString(iv));
        o.put("ciphertext", Base64.getEncoder().encodeToString(wrapped));
        o.put("latestVersion", secrets.current().version());
        o.put("fingerprint", fingerprint(tx, secrets));
        tx.write(ServiceMaps.RECOVERY_WRAPPED_SECRETS).put(CURRENT, new String(Json.bytes(o), StandardCharsets.UTF_8));
        tx.write(ServiceMaps.RECOVERY_WRAPPING_KEY).put(CURRENT, wrappingKey);
        return shares;
    }

    /**
     * The ledger secrets of the service that issued the shares, unwrapped with the key the
     * members' shares gave back; IllegalArgumentException when the key does not open them.
     */
    public static LedgerSecrets unwrap(ReadTx tx, byte[] wrappingKey) {
        String json = tx.read(ServiceMaps.RECOVERY_WRAPPED_SECRETS).get(CURRENT)
                .orElseThrow(() -> new IllegalArgumentException("the ledger holds no wrapped ledger secrets"));
        JsonNode o = Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
        try {
            byte[] plain = AesGcm.decrypt(wrappingKey, Base64.getDecoder().decode(o.path("iv").asText()), AAD,
                    Base64.getDecoder().decode(o.path("ciphertext").asText()));
            return LedgerSecrets.fromJson(new String(plain, StandardCharsets.UTF_8));
        } catch (AesGcm.AuthenticationFailedException e) {
            throw new IllegalArgumentException("the recovered wrapping key does not open the wrapped ledger secrets", e);
        }
    }

    /** Highest secret version the wrapped secrets hold (0 without any). */
    public static int wrappedLatestVersion(ReadTx tx) {
        return tx.read(ServiceMaps.RECOVERY_WRAPPED_SECRETS).get(CURRENT)
                .map(j -> Json.parseObject(j.getBytes(StandardCharsets.UTF_8)).path("latestVersion").asInt(0)).orElse(0);
    }

    /** Ids of the members that hold a share now. */
    public static List<String> shareHolders(ReadTx tx) {
        List<String> out = new ArrayList<>();
        tx.read(GovMaps.RECOVERY_SHARES).forEach((id, j) -> out.add(id));
        return out;
    }
}
