package org.consort.governance;

import com.codahale.shamir.Scheme;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.kv.WriteTx;

/**
 * k-of-n recovery of the ledger-secret wrapping key.
 *
 * <p>{@link #issue} splits a 32-byte wrapping key with Shamir's scheme over GF(256)
 * (com.codahale:shamir) into one share per Active member with an encryption key, k = the
 * recovery threshold, and stores each share encrypted to its member with RSA-OAEP-256 (JCA),
 * with the SHA-256 of the plain share beside it, so a wrong share is recognised on submission.
 * A share is one index byte followed by 32 bytes. With k = 1 every share is the key itself (the
 * library needs k ≥ 2; a constant polynomial is the k = 1 case of the same scheme).
 *
 * <p>{@link #submit} takes a member's signed {@code recovery_share} request
 * ({@code {"share": base64}}), refuses a share that does not match its digest (keeping the
 * others), and once k shares are in, combines them, checks the key against its digest and
 * returns it. Stateless apart from the store; thread-safe.
 */
public final class RecoveryShares {
    /** Bytes of the wrapping key. */
    public static final int KEY_LENGTH = 32;
    private static final OAEPParameterSpec OAEP_256 = new OAEPParameterSpec("SHA-256", "MGF1",
            MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);

    private final Duration requestWindow;

    public RecoveryShares(Duration requestWindow) {
        this.requestWindow = requestWindow;
    }

    /** The result of a share submission: how many are in, how many are needed, and the key once enough are. */
    public record Submission(int submitted, int threshold, Optional<byte[]> wrappingKey) {
    }

    /**
     * Splits {@code wrappingKey} among the current recovery members and stores the encrypted
     * shares (replacing all earlier ones and any half-finished submission). Returns the number
     * of shares issued.
     */
    public static int issue(WriteTx tx, byte[] wrappingKey, SecureRandom random) {
        if (wrappingKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException("the wrapping key is " + KEY_LENGTH + " bytes, got " + wrappingKey.length);
        }
        GovStore store = new GovStore(tx);
        List<String> members = new ArrayList<>();
        for (String id : GovReads.activeMembers(store)) {
            if (store.get(GovMaps.MEMBER_ENCRYPTION_KEYS, id).isPresent()) {
                members.add(id);
            }
        }
        int k = GovReads.recoveryThreshold(store);
        int n = members.size();
        if (n == 0 || n > 255) {
            throw new IllegalStateException("recovery needs 1 to 255 Active members with encryption keys, there are " + n);
        }
        if (k < 1 || k > n) {
            throw new IllegalStateException("recovery threshold " + k + " must be from 1 to " + n);
        }
        Map<Integer, byte[]> parts;
        if (k == 1) {
            parts = new HashMap<>();
            for (int i = 1; i <= n; i++) {
                parts.put(i, wrappingKey.clone());
            }
        } else {
            parts = new Scheme(random, n, k).split(wrappingKey);
        }
        List<String> old = new ArrayList<>();
        tx.read(GovMaps.RECOVERY_SHARES).forEach((id, j) -> old.add(id));
        old.forEach(id -> tx.write(GovMaps.RECOVERY_SHARES).remove(id));
        clearSubmitted(tx);
        for (int i = 0; i < n; i++) {
            String id = members.get(i);
            byte[] share = new byte[1 + KEY_LENGTH];
            share[0] = (byte) (i + 1);
            System.arraycopy(parts.get(i + 1), 0, share, 1, KEY_LENGTH);
            PublicKey key = GovApi.encryptionKey(store.get(GovMaps.MEMBER_ENCRYPTION_KEYS, id).orElseThrow());
            ObjectNode entry = Json.newObject()
                    .put("encryptedShare", Base64.getEncoder().encodeToString(encrypt(key, share, random)))
                    .put("shareDigest", Hex.encode(Hashes.sha256(share)));
            tx.write(GovMaps.RECOVERY_SHARES).put(id, Json.write(entry));
            Arrays.fill(share, (byte) 0);
        }
        tx.write(GovMaps.RECOVERY_INFO).put(GovMaps.RECOVERY_INFO_KEY, Json.write(Json.newObject()
                .put("threshold", k).put("shareCount", n)
                .put("keyDigest", Hex.encode(Hashes.sha256(wrappingKey)))));
        return n;
    }

    /** The member's encrypted share (base64), as the member fetches it. */
    public static Optional<String> encryptedShare(org.consort.kv.ReadTx tx, String memberId) {
        return tx.read(GovMaps.RECOVERY_SHARES).get(memberId)
                .map(j -> Json.object(j, "recovery share").path("encryptedShare").asText());
    }

    /** Member side: decrypts an encrypted share with the member's RSA private key. */
    public static byte[] decryptShare(PrivateKey encryptionKey, String encryptedShareBase64) {
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
            c.init(Cipher.DECRYPT_MODE, encryptionKey, OAEP_256);
            return c.doFinal(Base64.getDecoder().decode(encryptedShareBase64));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot decrypt the recovery share: " + e.getMessage(), e);
        }
    }

    /** The body of a recovery_share request for {@code share}. */
    public static byte[] sharePayload(byte[] share) {
        return Json.write(Json.newObject().put("share", Base64.getEncoder().encodeToString(share)))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Takes a member's signed share; see the class comment. */
    public Submission submit(WriteTx tx, byte[] envelope, Instant now) {
        SignedRequest req = SignedRequest.verify(tx, envelope, MessageType.RECOVERY_SHARE, null, now, requestWindow);
        ObjectNode recoveryInfo = tx.read(GovMaps.RECOVERY_INFO).get(GovMaps.RECOVERY_INFO_KEY)
                .map(j -> Json.object(j, "recovery info"))
                .orElseThrow(() -> new GovernanceRefusal(RefusalCode.NO_RECOVERY_SHARES, "no recovery shares were issued"));
        String expectedDigest = tx.read(GovMaps.RECOVERY_SHARES).get(req.memberId())
                .map(j -> Json.object(j, "recovery share").path("shareDigest").asText())
                .orElseThrow(() -> new GovernanceRefusal(RefusalCode.NOT_A_RECOVERY_MEMBER,
                        "member " + req.memberId() + " holds no recovery share"));
        byte[] share;
        try {
            share = Base64.getDecoder().decode(Json.object(req.payloadText(), "share request").path("share").asText(""));
        } catch (IllegalArgumentException e) {
            throw new GovernanceRefusal(RefusalCode.BAD_PAYLOAD, "share must be base64: " + e.getMessage());
        }
        if (share.length != 1 + KEY_LENGTH || !MessageDigest.isEqual(Hashes.sha256(share), Hex.decode(expectedDigest))) {
            throw new GovernanceRefusal(RefusalCode.WRONG_RECOVERY_SHARE, "this is not the share issued to member "
                    + req.memberId());
        }
        req.recordAccepted(tx, now, requestWindow);
        tx.write(GovMaps.RECOVERY_SUBMITTED_SHARES).put(req.memberId(), Base64.getEncoder().encodeToString(share));
        int k = recoveryInfo.path("threshold").asInt();
        Map<Integer, byte[]> parts = new HashMap<>();
        tx.read(GovMaps.RECOVERY_SUBMITTED_SHARES).forEach((id, b64) -> {
            byte[] s = Base64.getDecoder().decode(b64);
            parts.put(s[0] & 0xFF, Arrays.copyOfRange(s, 1, s.length));
        });
        if (parts.size() < k) {
            return new Submission(parts.size(), k, Optional.empty());
        }
        byte[] key = k == 1 ? parts.values().iterator().next()
                : new Scheme(new SecureRandom(), recoveryInfo.path("shareCount").asInt(), k).join(parts);
        if (!MessageDigest.isEqual(Hashes.sha256(key), Hex.decode(recoveryInfo.path("keyDigest").asText()))) {
            throw new IllegalStateException("the combined recovery shares do not give the recorded wrapping key");
        }
        clearSubmitted(tx);
        return new Submission(parts.size(), k, Optional.of(key));
    }

    private static void clearSubmitted(WriteTx tx) {
        List<String> ids = new ArrayList<>();
        tx.read(GovMaps.RECOVERY_SUBMITTED_SHARES).forEach((id, s) -> ids.add(id));
        ids.forEach(id -> tx.write(GovMaps.RECOVERY_SUBMITTED_SHARES).remove(id));
    }

    private static byte[] encrypt(PublicKey key, byte[] plain, SecureRandom random) {
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
            c.init(Cipher.ENCRYPT_MODE, key, OAEP_256, random);
            return c.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA-OAEP-256 encryption failed", e);
        }
    }
}
