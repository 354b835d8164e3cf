package org.consort.node.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.List;
import java.util.stream.Stream;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.node.http.Json;

/**
 * The {@code virtual} attestation platform: no trusted hardware, for development and tests
 * (architecture decision 9). Its evidence states the node's measurement, the SHA-256 of the
 * code it runs (the jar, or the class files when run from a build folder), and binds the
 * node's public key as report data. Nothing signs it: a virtual node can claim any
 * measurement, which is why governance decides which platforms it trusts. A hardware platform
 * plugs in behind the same evidence shape with a signed report.
 *
 * <p>Stateless; thread-safe.
 */
public final class VirtualAttestation {
    public static final String PLATFORM = "virtual";
    /** Class files hashed at most, when the code is a folder. */
    public static final int CLASS_FILES_MAX = 100_000;

    private static volatile String cachedMeasurement;

    private VirtualAttestation() {
    }

    /** What a joining node presents. */
    public record Evidence(String platform, String measurement, String reportData) {
        public ObjectNode toJson() {
            ObjectNode o = Json.object();
            o.put("platform", platform);
            o.put("measurement", measurement);
            o.put("reportData", reportData);
            return o;
        }

        /** Parses evidence; null fields become an IllegalArgumentException naming them. */
        public static Evidence fromJson(JsonNode n) {
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("field 'attestation' must be an object");
            }
            return new Evidence(text(n, "platform"), text(n, "measurement"), text(n, "reportData"));
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            if (v == null || !v.isTextual() || v.asText().isEmpty()) {
                throw new IllegalArgumentException("attestation field '" + field + "' must be a non-empty string");
            }
            return v.asText();
        }
    }

    /** Evidence for this process's code, binding {@code nodeKey}. */
    public static Evidence evidence(PublicKey nodeKey) {
        return new Evidence(PLATFORM, measurement(), reportData(nodeKey));
    }

    /** SHA-256 of the node key's SubjectPublicKeyInfo, hex: what the evidence binds. */
    public static String reportData(PublicKey nodeKey) {
        return Hex.encode(Hashes.sha256(nodeKey.getEncoded()));
    }

    /** The measurement of the code this process runs (computed once). */
    public static String measurement() {
        String m = cachedMeasurement;
        if (m == null) {
            m = computeMeasurement();
            cachedMeasurement = m;
        }
        return m;
    }

    private static String computeMeasurement() {
        Path code;
        try {
            code = Path.of(VirtualAttestation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot locate this node's code to measure it: " + e.getMessage(), e);
        }
        MessageDigest md = Hashes.sha256Digest();
        try {
            if (Files.isRegularFile(code)) {
                try (InputStream in = Files.newInputStream(code)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        md.update(buf, 0, n);
                    }
                }
            } else {
                List<Path> files;
                try (Stream<Path> s = Files.walk(code)) {
                    files = s.filter(p -> p.toString().endsWith(".class")).sorted().limit(CLASS_FILES_MAX).toList();
                }
                for (Path f : files) {
                    md.update(code.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    md.update(Files.readAllBytes(f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read this node's code at " + code + " to measure it", e);
        }
        return Hex.encode(md.digest());
    }
}
