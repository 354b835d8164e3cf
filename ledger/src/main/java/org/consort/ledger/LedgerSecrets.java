package org.consort.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.consort.crypto.AesGcm;
import org.consort.crypto.Hmac;

/**
 * The ledger secrets: 32-byte AES-256-GCM keys by version (1, 2, ...). New entries use the
 * highest version ({@link #current()}); a rekey adds a higher version, and older entries stay
 * readable with the version they record. Also derives the commit-evidence key of a version
 * (HKDF-SHA256 of the secret, info {@code "consort commit evidence v1"}), so that the AES key
 * is never used as an HMAC key.
 *
 * <p>JSON file form (for {@code consort ledger show --secrets}):
 * {@code {"secrets":[{"version":1,"key":"<base64 of 32 bytes>"}]}}.
 *
 * <p>Thread-safe: versions may be added while other threads read.
 */
public final class LedgerSecrets {
    static final String COMMIT_EVIDENCE_INFO = "consort commit evidence v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NavigableMap<Integer, byte[]> keys = new ConcurrentSkipListMap<>();
    private final Map<Integer, byte[]> commitEvidenceKeys = new ConcurrentSkipListMap<>();

    /** A secret version and its key. */
    public record Secret(int version, byte[] key) {
        public Secret {
            if (version < 1) {
                throw new IllegalArgumentException("ledger secret versions start at 1, got " + version);
            }
            if (key.length != AesGcm.KEY_LENGTH) {
                throw new IllegalArgumentException("ledger secret must be 32 bytes, got " + key.length);
            }
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }
    }

    /** Secrets holding one fresh random key as version 1. */
    public static LedgerSecrets generate(SecureRandom random) {
        byte[] k = new byte[AesGcm.KEY_LENGTH];
        random.nextBytes(k);
        LedgerSecrets s = new LedgerSecrets();
        s.add(1, k);
        return s;
    }

    /** Adds a version; it must be higher than every existing one (rekey). */
    public synchronized void add(int version, byte[] key) {
        Secret s = new Secret(version, key);
        if (!keys.isEmpty() && keys.lastKey() >= version) {
            throw new IllegalArgumentException("ledger secret version " + version + " must be above " + keys.lastKey());
        }
        // Derived key first: a reader that sees the new version in keys must find its evidence key.
        commitEvidenceKeys.put(version, Hmac.hkdfSha256(s.key(), COMMIT_EVIDENCE_INFO, 32));
        keys.put(version, s.key());
    }

    /**
     * Restores a version this node lacks below its current one: a recovered service gets its
     * previous secrets back from the members' shares after it started with a new one.
     */
    public synchronized void restore(int version, byte[] key) {
        Secret s = new Secret(version, key);
        byte[] held = keys.get(version);
        if (held != null) {
            if (!java.util.Arrays.equals(held, s.key())) {
                throw new IllegalArgumentException("ledger secret version " + version + " is held with another key");
            }
            return;
        }
        commitEvidenceKeys.put(version, Hmac.hkdfSha256(s.key(), COMMIT_EVIDENCE_INFO, 32));
        keys.put(version, s.key());
    }

    /** Every version held, lowest first. */
    public java.util.List<Secret> all() {
        java.util.List<Secret> out = new java.util.ArrayList<>();
        keys.forEach((v, k) -> out.add(new Secret(v, k)));
        return out;
    }

    /** Secrets holding just {@code version} with a fresh random key (a recovering service's first). */
    public static LedgerSecrets generate(SecureRandom random, int version) {
        byte[] k = new byte[AesGcm.KEY_LENGTH];
        random.nextBytes(k);
        LedgerSecrets s = new LedgerSecrets();
        s.add(version, k);
        return s;
    }

    /** The highest version: what new entries are encrypted with. */
    public Secret current() {
        Map.Entry<Integer, byte[]> e = keys.lastEntry();
        if (e == null) {
            throw new IllegalStateException("no ledger secret: add one first");
        }
        return new Secret(e.getKey(), e.getValue());
    }

    public Optional<Secret> get(int version) {
        byte[] k = keys.get(version);
        return k == null ? Optional.empty() : Optional.of(new Secret(version, k));
    }

    /** The key of {@code version}; IllegalStateException naming the version if absent. */
    byte[] keyOf(int version) {
        byte[] k = keys.get(version);
        if (k == null) {
            throw new IllegalStateException("ledger secret version " + version + " is not known");
        }
        return k;
    }

    byte[] commitEvidenceKeyOf(int version) {
        byte[] k = commitEvidenceKeys.get(version);
        if (k == null) {
            throw new IllegalStateException("ledger secret version " + version + " is not known");
        }
        return k;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** The JSON file form. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode arr = root.putArray("secrets");
        keys.forEach((v, k) -> arr.addObject().put("version", v).put("key", Base64.getEncoder().encodeToString(k)));
        return root.toString();
    }

    /** Parses the JSON file form; IllegalArgumentException with a clear message if malformed. */
    public static LedgerSecrets fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("ledger secrets file is not JSON: " + e.getMessage());
        }
        if (root == null || !root.path("secrets").isArray()) {
            throw new IllegalArgumentException("ledger secrets file must be {\"secrets\":[{\"version\":1,\"key\":\"<base64>\"}]}");
        }
        LedgerSecrets s = new LedgerSecrets();
        java.util.TreeMap<Integer, byte[]> sorted = new java.util.TreeMap<>();
        for (JsonNode n : root.get("secrets")) {
            if (!n.path("version").isInt() || !n.path("key").isTextual()) {
                throw new IllegalArgumentException("each ledger secret needs an integer \"version\" and a base64 \"key\"");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(n.get("key").asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ledger secret version " + n.get("version").asInt() + ": key is not base64");
            }
            if (sorted.put(n.get("version").asInt(), key) != null) {
                throw new IllegalArgumentException("ledger secret version " + n.get("version").asInt() + " appears twice");
            }
        }
        sorted.forEach(s::add);
        return s;
    }
}
