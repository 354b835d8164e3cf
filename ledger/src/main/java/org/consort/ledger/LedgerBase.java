package org.consort.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.consort.common.TxId;

/**
 * Where a ledger folder starts when its node started from a snapshot: the TxId of the last
 * entry before the folder's first chunk, and the Merkle frontier of every entry up to it. Kept as
 * {@value #FILE} (JSON) beside the chunks. A base cannot be forged unnoticed: the first signature
 * after it signs a root that depends on every peak.
 *
 * @param last     the TxId of the last entry the base summarises (its seqno is the base's size)
 * @param frontier the Merkle frontier of entries 1 .. {@code last.seqno()}
 */
public record LedgerBase(TxId last, MerkleFrontier frontier) {
    /** The file that holds a ledger folder's base. */
    public static final String FILE = "ledger-base.json";

    public LedgerBase {
        if (frontier.size() != last.seqno()) {
            throw new IllegalArgumentException("a base at seqno " + last.seqno() + " needs a frontier of as many leaves, not "
                    + frontier.size());
        }
    }

    /** The base of {@code dir}, if it has one. */
    public static Optional<LedgerBase> read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Files.readString(f, StandardCharsets.UTF_8));
            List<byte[]> peaks = new ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode p : o.path("peaks")) {
                peaks.add(HexFormat.of().parseHex(p.asText()));
            }
            long seqno = o.path("seqno").asLong(-1);
            return Optional.of(new LedgerBase(new TxId(o.path("view").asLong(-1), seqno), MerkleFrontier.of(seqno, peaks)));
        } catch (IOException | RuntimeException e) {
            throw new LedgerCorruptException(f, 0, "ledger base is malformed: " + e.getMessage());
        }
    }

    /** Writes {@code dir}/{@value #FILE} atomically. */
    public void write(Path dir) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode o = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        o.put("seqno", last.seqno());
        o.put("view", last.view());
        var peaks = o.putArray("peaks");
        for (byte[] p : frontier.peaks()) {
            peaks.add(HexFormat.of().formatHex(p));
        }
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, o.toPrettyString(), StandardCharsets.UTF_8);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
