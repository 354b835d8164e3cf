package org.consort.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.function.Consumer;
import org.consort.common.Hex;

/**
 * Prints a ledger directory as JSON lines, one per entry: file, txId, kind, secret version,
 * sizes, digests, leaf, public part (hex), the decoded signature for signature entries, and
 * the decrypted private part (hex) only when secrets are given. A torn tail is reported as a
 * last {@code {"warning": ...}} line; corruption throws {@link LedgerCorruptException}.
 *
 * <p>Stateless; safe to call from any thread.
 */
public final class LedgerShow {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerShow() {
    }

    /** Writes one JSON line per entry to {@code out}; {@code secrets} may be null. Returns the number of entries. */
    public static long show(Path dir, LedgerSecrets secrets, Consumer<String> out) throws IOException {
        long count = 0;
        long view = 0;
        for (ChunkFiles.Chunk c : ChunkFiles.list(dir)) {
            long[] n = {0};
            ChunkFiles.ScanResult r = ChunkFiles.scan(c, view, LedgerConfig.DEFAULT_MAX_ENTRY_BYTES, (e, off) -> {
                out.accept(line(c, e, secrets));
                n[0]++;
            });
            count += n[0];
            view = r.lastView();
            r.tornTail().ifPresent(t -> out.accept(JSON.createObjectNode().put("warning", t).toString()));
        }
        return count;
    }

    static String line(ChunkFiles.Chunk c, LedgerEntry e, LedgerSecrets secrets) {
        ObjectNode o = JSON.createObjectNode();
        o.put("file", c.path().getFileName().toString());
        o.put("txId", e.txId().toString());
        o.put("kind", e.kind().name());
        o.put("secretVersion", e.secretVersion());
        o.put("size", e.size());
        o.put("publicSize", e.publicPart().length);
        o.put("privateSize", e.privateLength());
        o.put("writeSetDigest", Hex.encode(e.writeSetDigest()));
        o.put("commitEvidenceDigest", Hex.encode(e.commitEvidenceDigest()));
        o.put("claimsDigest", Hex.encode(e.claimsDigest()));
        o.put("leaf", Hex.encode(e.leaf()));
        o.put("public", Hex.encode(e.publicPart()));
        if (e.kind() == EntryKind.SIGNATURE) {
            try {
                SignaturePayload p = SignaturePayload.decode(e.publicPart());
                ObjectNode s = o.putObject("signature");
                s.put("txId", p.txId().toString());
                s.put("treeSize", p.treeSize());
                s.put("root", Hex.encode(p.root()));
                s.put("nodeId", p.nodeId());
                s.put("signedAtMillis", p.signedAtMillis());
                s.put("signature", Base64.getEncoder().encodeToString(p.signature()));
            } catch (IllegalArgumentException ex) {
                o.put("signatureError", ex.getMessage());
            }
        }
        if (secrets != null && e.privateLength() > 0) {
            try {
                o.put("private", Hex.encode(e.decryptPrivate(secrets)));
            } catch (RuntimeException ex) {
                o.put("privateError", ex.getMessage());
            }
        }
        return o.toString();
    }
}
