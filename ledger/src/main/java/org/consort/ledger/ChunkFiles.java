package org.consort.ledger;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
     * not below {@code minView}. In an open chunk a damaged entry that is an unfinished last write
     * (a torn tail, see {@link #whyNotTorn}) ends the scan and is reported; any other problem
     * throws {@link LedgerCorruptException} naming the file and seqno.
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
                LedgerEntry entry = null;
                byte[] lenBytes = in.readNBytes(Math.min(4, (int) Math.min(4, remaining)));
                if (lenBytes.length < 4) {
                    problem = "entry length field is cut short";
                } else {
                    long len = ByteBuffer.wrap(lenBytes).getInt() & 0xFFFF_FFFFL;
                    long total = len + 4;
                    if (total > remaining) {
                        problem = "entry of " + total + " bytes runs past the end of the file";
                    } else if (total < LedgerEntry.OVERHEAD || total > maxEntryBytes) {
                        problem = "entry length " + total + " is outside " + LedgerEntry.OVERHEAD + ".." + maxEntryBytes;
                    } else {
                        byte[] bytes = new byte[(int) total];
                        System.arraycopy(lenBytes, 0, bytes, 0, 4);
                        int got = in.readNBytes(bytes, 4, bytes.length - 4);
                        if (got != bytes.length - 4) {
                            throw new EOFException(file + " shrank while being read");
                        }
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
                    String notTorn = chunk.open() ? whyNotTorn(file, offset, fileLength, expected, entry, maxEntryBytes) : null;
                    if (chunk.open() && notTorn == null) {
                        return new ScanResult(expected - 1, lastView, offset, fileLength, Optional.of(file.getFileName()
                                + ": torn entry at offset " + offset + " (expected seqno " + expected + "): " + problem
                                + "; dropping " + remaining + " bytes"));
                    }
                    throw new LedgerCorruptException(file, expected, problem + " (at offset " + offset + ")"
                            + (notTorn == null ? "" : "; not a torn tail: " + notTorn));
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

    /**
     * Why the damaged entry at {@code offset} of an open chunk is not a torn tail, or null when it
     * is one. A torn tail is what an unfinished last write leaves: the first bytes of the entry
     * (possibly followed by zeros: blocks the file system allocated but never wrote), then the end
     * of the file. So it is not one when
     * <ul>
     *   <li>the entry is complete and its digest matches ({@code parsed}): its bytes were all written
     *       but are not the entry expected there (wrong seqno or view);</li>
     *   <li>its length field contradicts its own header: the public and private part lengths are
     *       written (some byte after the 100-byte header is not zero) and 128 + P + C is not the
     *       entry's length: the length field was damaged, not cut;</li>
     *   <li>a complete entry whose digest matches, with a seqno not below {@code expected}, starts
     *       anywhere after it in the file: the damage is in the middle of the ledger.</li>
     * </ul>
     */
    static String whyNotTorn(Path file, long offset, long fileLength, long expected, LedgerEntry parsed, int maxEntryBytes)
            throws IOException {
        if (parsed != null) {
            return "the entry is complete and its digest matches";
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (fileLength - offset >= LedgerEntry.HEADER_LENGTH && !allZero(ch, offset + LedgerEntry.HEADER_LENGTH, fileLength)) {
                ByteBuffer h = ByteBuffer.allocate(LedgerEntry.HEADER_LENGTH);
                readFully(ch, h, offset);
                long total = (h.getInt(0) & 0xFFFF_FFFFL) + 4;
                long p = h.getInt(92);
                long c = h.getInt(96);
                if (p < 0 || c < 0 || LedgerEntry.OVERHEAD + p + c != total) {
                    return "its length field (" + total + " bytes with itself) does not match the part lengths in its header"
                            + " (public " + p + ", private " + c + ")";
                }
            }
            long[] later = laterEntry(ch, offset + 1, fileLength, expected, maxEntryBytes);
            if (later != null) {
                return "a complete entry with seqno " + later[1] + " follows at offset " + later[0];
            }
        }
        return null;
    }

    /**
     * The first offset in {@code from .. to} where a complete entry with a matching digest and a
     * seqno of at least {@code minSeqno} starts, with that seqno; null if there is none.
     */
    private static long[] laterEntry(FileChannel ch, long from, long to, long minSeqno, int maxEntryBytes) throws IOException {
        final int window = 1 << 20;
        final int head = 24; // length, version, kind, flags, view, seqno
        ByteBuffer b = ByteBuffer.allocate(window + head);
        for (long base = from; base + LedgerEntry.OVERHEAD <= to; base += window) {
            b.clear();
            b.limit((int) Math.min(b.capacity(), to - base));
            while (b.hasRemaining() && ch.read(b, base + b.position()) > 0) {
                // read the window
            }
            int n = b.position();
            for (int i = 0; i + head <= n && i < window; i++) {
                if (b.get(i + 4) != LedgerEntry.FORMAT_VERSION || (b.get(i + 5) != 1 && b.get(i + 5) != 2)
                        || b.get(i + 6) != 0 || b.get(i + 7) != 0) {
                    continue;
                }
                long total = (b.getInt(i) & 0xFFFF_FFFFL) + 4;
                long seqno = b.getLong(i + 16);
                long at = base + i;
                if (seqno < minSeqno || total < LedgerEntry.OVERHEAD || total > maxEntryBytes || at + total > to) {
                    continue;
                }
                ByteBuffer e = ByteBuffer.allocate((int) total);
                readFully(ch, e, at);
                try {
                    LedgerEntry.parse(e.array());
                    return new long[] {at, seqno};
                } catch (LedgerEntry.MalformedEntryException ex) {
                    // not an entry: go on looking
                }
            }
        }
        return null;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new EOFException("unexpected end of ledger file");
            }
        }
    }

    private static boolean allZero(FileChannel ch, long from, long to) throws IOException {
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
        return true;
    }
}
