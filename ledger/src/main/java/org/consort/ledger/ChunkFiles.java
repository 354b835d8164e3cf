package org.consort.ledger;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Chunk files of a ledger directory: naming, the 24-byte file header, and a scanner that
 * walks the entries of one file and tells a torn tail from corruption.
 *
 * <pre>
 * file header: magic "CONSORTL" (8 bytes ASCII) | formatVersion u32 = 1 | flags u32 = 0 | firstSeqno u64
 * names:       ledger_&lt;first&gt;.open (being written), ledger_&lt;first&gt;-&lt;last&gt;.committed (closed)
 * </pre>
 *
 * <p>Stateless; safe to call from any thread (files themselves are not locked).
 */
public final class ChunkFiles {
    public static final byte[] MAGIC = "CONSORTL".getBytes(StandardCharsets.US_ASCII);
    public static final int FILE_FORMAT_VERSION = 1;
    public static final int FILE_HEADER_LENGTH = 24;
    private static final Pattern OPEN = Pattern.compile("ledger_([1-9][0-9]*)\\.open");
    private static final Pattern COMMITTED = Pattern.compile("ledger_([1-9][0-9]*)-([1-9][0-9]*)\\.committed");

    private ChunkFiles() {
    }

    /** A chunk file: first and last seqno (last = -1 while open and unknown). */
    public record Chunk(Path path, long first, long last, boolean open) {
    }

    static String openName(long first) {
        return "ledger_" + first + ".open";
    }

    static String committedName(long first, long last) {
        return "ledger_" + first + "-" + last + ".committed";
    }

    static byte[] header(long firstSeqno) {
        return ByteBuffer.allocate(FILE_HEADER_LENGTH).put(MAGIC).putInt(FILE_FORMAT_VERSION).putInt(0).putLong(firstSeqno).array();
    }

    /**
     * The chunk files of {@code dir} in seqno order, checked to be contiguous from seqno 1
     * with at most one open chunk, last. Files not named like chunks are ignored; a name
     * that starts with {@code ledger_} but is malformed is an error.
     */
    public static List<Chunk> list(Path dir) throws IOException {
        return list(dir, 1);
    }

    /** As {@link #list(Path)}, for a folder whose first chunk starts at {@code firstSeqno} (after a base). */
    public static List<Chunk> list(Path dir, long firstSeqno) throws IOException {
        List<Chunk> chunks = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith("ledger_")) {
                    continue;
                }
                Matcher o = OPEN.matcher(n);
                Matcher c = COMMITTED.matcher(n);
                try {
                    if (o.matches()) {
                        chunks.add(new Chunk(p, Long.parseLong(o.group(1)), -1, true));
                    } else if (c.matches()) {
                        chunks.add(new Chunk(p, Long.parseLong(c.group(1)), Long.parseLong(c.group(2)), false));
                    } else {
                        throw new LedgerCorruptException(p, 0, "file name is not ledger_<first>.open or ledger_<first>-<last>.committed");
                    }
                } catch (NumberFormatException e) {
                    throw new LedgerCorruptException(p, 0, "seqno in file name is out of range");
                }
            }
        }
        chunks.sort(Comparator.comparingLong(Chunk::first));
        long expected = firstSeqno;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk ch = chunks.get(i);
            if (ch.first() != expected) {
                throw new LedgerCorruptException(ch.path(), expected, "chunk starts at seqno " + ch.first() + " but seqno "
                        + expected + " was expected (missing or overlapping chunk)");
            }
            if (ch.open() && i != chunks.size() - 1) {
                throw new LedgerCorruptException(ch.path(), ch.first(), "an open chunk is followed by another chunk");
            }
            if (!ch.open() && ch.last() < ch.first()) {
                throw new LedgerCorruptException(ch.path(), ch.first(), "chunk name ends before it starts");
            }
            expected = ch.open() ? -1 : ch.last() + 1;
        }
        return chunks;
    }

    /** Receives each valid entry of a scan with its byte offset in the file. */
    @FunctionalInterface
    public interface EntryVisitor {
        void accept(LedgerEntry entry, long offset) throws IOException;
    }

    /** Outcome of scanning one file: last seqno and view, end of valid data, and a torn tail if one was found. */
    public record ScanResult(long lastSeqno, long lastView, long validLength, long fileLength, Optional<String> tornTail) {
    }

    /**
     * Reads every entry of {@code chunk}, expecting seqnos from {@code chunk.first()} and views
     * not below {@code minView}. In an open chunk a torn last entry (cut short, zero-filled,
     * or ending at end of file with a bad digest) ends the scan and is reported; any other
     * problem throws {@link LedgerCorruptException} naming the file and seqno.
     */
    public static ScanResult scan(Chunk chunk, long minView, int maxEntryBytes, EntryVisitor visitor) throws IOException {
        Path file = chunk.path();
        long fileLength = Files.size(file);
        long expected = chunk.first();
        long lastView = minView;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            if (fileLength < FILE_HEADER_LENGTH) {
                if (chunk.open()) {
                    return new ScanResult(expected - 1, lastView, 0, fileLength,
                            Optional.of(file.getFileName() + ": file header is torn (" + fileLength + " bytes)"));
                }
                throw new LedgerCorruptException(file, expected, "file is shorter than its 24-byte header");
            }
            byte[] h = in.readNBytes(FILE_HEADER_LENGTH);
            ByteBuffer hb = ByteBuffer.wrap(h);
            if (!Arrays.equals(Arrays.copyOf(h, 8), MAGIC)) {
                throw new LedgerCorruptException(file, expected, "file does not start with the CONSORTL magic");
            }
            if (hb.getInt(8) != FILE_FORMAT_VERSION) {
                throw new LedgerCorruptException(file, expected, "unsupported ledger file format version " + hb.getInt(8));
            }
            if (hb.getLong(16) != chunk.first()) {
                throw new LedgerCorruptException(file, expected, "file header says first seqno " + hb.getLong(16)
                        + " but the file name says " + chunk.first());
            }
            long offset = FILE_HEADER_LENGTH;
            while (offset < fileLength) {
                long remaining = fileLength - offset;
                String problem = null;
                boolean reachesEnd = false;
                LedgerEntry entry = null;
                byte[] lenBytes = in.readNBytes(Math.min(4, (int) Math.min(4, remaining)));
                if (lenBytes.length < 4) {
                    problem = "entry length field is cut short";
                    reachesEnd = true;
                } else {
                    long len = ByteBuffer.wrap(lenBytes).getInt() & 0xFFFF_FFFFL;
                    long total = len + 4;
                    if (total > remaining) {
                        problem = "entry of " + total + " bytes runs past the end of the file";
                        reachesEnd = true;
                    } else if (total < LedgerEntry.OVERHEAD || total > maxEntryBytes) {
                        problem = "entry length " + total + " is outside " + LedgerEntry.OVERHEAD + ".." + maxEntryBytes;
                    } else {
                        byte[] bytes = new byte[(int) total];
                        System.arraycopy(lenBytes, 0, bytes, 0, 4);
                        int got = in.readNBytes(bytes, 4, bytes.length - 4);
                        if (got != bytes.length - 4) {
                            throw new EOFException(file + " shrank while being read");
                        }
                        reachesEnd = total == remaining;
                        try {
                            entry = LedgerEntry.parse(bytes);
                            if (entry.txId().seqno() != expected) {
                                problem = "entry has seqno " + entry.txId().seqno() + " where " + expected + " was expected";
                            } else if (entry.txId().view() < lastView) {
                                problem = "entry view " + entry.txId().view() + " is below the previous view " + lastView;
                            }
                        } catch (LedgerEntry.MalformedEntryException e) {
                            problem = e.getMessage();
                        }
                    }
                }
                if (problem != null) {
                    if (chunk.open() && (reachesEnd || allZero(file, offset, fileLength))) {
                        return new ScanResult(expected - 1, lastView, offset, fileLength, Optional.of(file.getFileName()
                                + ": torn entry at offset " + offset + " (expected seqno " + expected + "): " + problem
                                + "; dropping " + remaining + " bytes"));
                    }
                    throw new LedgerCorruptException(file, expected, problem + " (at offset " + offset + ")");
                }
                visitor.accept(entry, offset);
                lastView = entry.txId().view();
                expected++;
                offset += entry.size();
            }
        }
        if (!chunk.open() && expected - 1 != chunk.last()) {
            throw new LedgerCorruptException(file, expected, "committed chunk ends at seqno " + (expected - 1)
                    + " but its name says " + chunk.last());
        }
        return new ScanResult(expected - 1, lastView, fileLength, fileLength, Optional.empty());
    }

    private static boolean allZero(Path file, long from, long to) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            long pos = from;
            while (pos < to) {
                b.clear();
                int n = ch.read(b, pos);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (b.get(i) != 0) {
                        return false;
                    }
                }
                pos += n;
            }
        }
        return true;
    }
}
