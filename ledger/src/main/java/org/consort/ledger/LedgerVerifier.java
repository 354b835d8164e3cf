package org.consort.ledger;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.consort.common.TxId;

/**
 * Verifies a ledger directory offline with only the service certificate: parses every entry,
 * recomputes every entry digest and the Merkle tree, and checks every signature entry (the
 * root it signs, its ECDSA and COSE signatures, its node certificate endorsed by the
 * service). Private parts are not needed: their ciphertext is what is hashed. Entries after
 * the last signature are reported as unsigned, which is not an error.
 *
 * <p>Signature checks run on a small pool of daemon threads (at most 8, one per processor);
 * results are taken in seqno order. Stateless; safe to call from any thread (reads files only).
 */
public final class LedgerVerifier {
    private LedgerVerifier() {
    }

    /** The first entry that failed, with the file that holds it. */
    public record BadEntry(String file, long seqno, String reason) {
        @Override
        public String toString() {
            return file + " seqno " + seqno + ": " + reason;
        }
    }

    /**
     * Outcome: entries and signatures checked, the last TxId covered by a signature,
     * entries after it, the first bad entry if any, and a torn tail of the open chunk if any.
     */
    public record Report(long entriesChecked, long signaturesChecked, long chunkFiles, TxId lastSignedTxId,
                         long unsignedTrailingEntries, Optional<BadEntry> firstBadEntry, Optional<String> tornTail,
                         Duration elapsed, Optional<LedgerBase> base) {
        public boolean ok() {
            return firstBadEntry.isEmpty();
        }

        public double entriesPerSecond() {
            double s = Math.max(elapsed.toNanos(), 1) / 1e9;
            return entriesChecked / s;
        }
    }

    public static Report verify(Path dir, X509Certificate serviceCert) throws IOException {
        return verify(dir, serviceCert, LedgerConfig.DEFAULT_MAX_ENTRY_BYTES);
    }

    /**
     * As {@link #verify(Path, X509Certificate)} for a ledger that spans service identities (a
     * recovered service continues its predecessor's ledger): each signature's node certificate
     * must be endorsed by one of {@code serviceCerts}.
     */
    public static Report verify(Path dir, List<X509Certificate> serviceCerts) throws IOException {
        return verify(dir, serviceCerts, LedgerConfig.DEFAULT_MAX_ENTRY_BYTES);
    }

    public static Report verify(Path dir, X509Certificate serviceCert, int maxEntryBytes) throws IOException {
        return verify(dir, List.of(serviceCert), maxEntryBytes);
    }

    public static Report verify(Path dir, List<X509Certificate> serviceCerts, int maxEntryBytes) throws IOException {
        int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "ledger-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            return new Run(dir, List.copyOf(serviceCerts), maxEntryBytes, pool).verify();
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One verification. Entries are parsed and hashed in order on the calling thread; the
     * expensive signature checks of signature entries run on {@code pool} against the root
     * computed in order, and are collected in seqno order, so the first bad entry is the
     * lowest seqno whatever finishes first.
     */
    private static final class Run {
        private static final int MAX_PENDING = 64;
        private final Path dir;
        private final List<X509Certificate> serviceCerts;
        private final int maxEntryBytes;
        private final ExecutorService pool;
        private MerkleTree tree = new MerkleTree();
        private final List<Map<String, X509Certificate>> endorsed = new java.util.ArrayList<>();
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();
        private long entries;
        private long signatures;
        private TxId lastSigned = new TxId(0, 0);

        private record Pending(Path file, TxId txId, Future<String> problem) {
        }

        Run(Path dir, List<X509Certificate> serviceCerts, int maxEntryBytes, ExecutorService pool) {
            if (serviceCerts.isEmpty()) {
                throw new IllegalArgumentException("at least one service certificate is needed");
            }
            this.dir = dir;
            this.serviceCerts = serviceCerts;
            for (int i = 0; i < serviceCerts.size(); i++) {
                endorsed.add(new ConcurrentHashMap<>());
            }
            this.maxEntryBytes = maxEntryBytes;
            this.pool = pool;
        }

        Report verify() throws IOException {
            long start = System.nanoTime();
            Optional<BadEntry> bad = Optional.empty();
            Optional<String> torn = Optional.empty();
            List<ChunkFiles.Chunk> chunks = List.of();
            Optional<LedgerBase> base = Optional.empty();
            long first = 1;
            try {
                // A folder that starts from a snapshot's base: its peaks are checked by the first signature.
                base = LedgerBase.read(dir);
                first = base.map(b -> b.last().seqno() + 1).orElse(1L);
                base.ifPresent(b -> {
                    tree = MerkleTree.fromFrontier(b.frontier());
                    lastSigned = b.last();
                });
                chunks = ChunkFiles.list(dir, first);
                long view = base.map(b -> b.last().view()).orElse(0L);
                for (ChunkFiles.Chunk c : chunks) {
                    ChunkFiles.ScanResult r = ChunkFiles.scan(c, view, maxEntryBytes, (e, off) -> visit(c, e));
                    view = r.lastView();
                    if (r.tornTail().isPresent()) {
                        torn = r.tornTail();
                    }
                }
                drain(0);
            } catch (LedgerCorruptException e) {
                // A signature before this entry may have failed too; the lowest seqno wins.
                try {
                    drain(0);
                    bad = Optional.of(new BadEntry(e.file().getFileName().toString(), e.seqno(), e.reason()));
                    entries = Math.max(0, e.seqno() - first);
                } catch (LedgerCorruptException earlier) {
                    bad = Optional.of(new BadEntry(earlier.file().getFileName().toString(), earlier.seqno(), earlier.reason()));
                    entries = Math.max(0, earlier.seqno() - first);
                }
            }
            long unsigned = bad.isPresent() ? 0 : first - 1 + entries - lastSigned.seqno();
            return new Report(entries, signatures, chunks.size(), lastSigned, unsigned, bad, torn,
                    Duration.ofNanos(System.nanoTime() - start), base);
        }

        private void visit(ChunkFiles.Chunk c, LedgerEntry e) {
            if (e.kind() == EntryKind.SIGNATURE) {
                SignaturePayload p;
                try {
                    p = SignaturePayload.decode(e.publicPart());
                } catch (IllegalArgumentException ex) {
                    throw new LedgerCorruptException(c.path(), e.txId().seqno(), "signature entry is malformed: " + ex.getMessage());
                }
                byte[] root = tree.root();
                TxId txId = e.txId();
                pending.add(new Pending(c.path(), txId, pool.submit(() -> checkAny(p, txId, root))));
                drain(MAX_PENDING);
            }
            tree.append(e.leaf());
            entries++;
        }

        /** Null when one of the service certificates accepts the signature, else the first one's reason. */
        private String checkAny(SignaturePayload p, TxId txId, byte[] root) {
            String first = null;
            for (int i = 0; i < serviceCerts.size(); i++) {
                String problem = p.check(txId, root, serviceCerts.get(i), endorsed.get(i));
                if (problem == null) {
                    return null;
                }
                if (first == null) {
                    first = problem;
                }
            }
            return first;
        }

        /** Collects finished checks in order until at most {@code keep} are pending; throws for the first failure. */
        private void drain(int keep) {
            while (pending.size() > keep) {
                Pending p = pending.removeFirst();
                String problem;
                try {
                    problem = p.problem().get();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("ledger verification interrupted", ex);
                } catch (ExecutionException ex) {
                    problem = "signature check failed: " + ex.getCause();
                }
                if (problem != null) {
                    pending.forEach(q -> q.problem().cancel(true));
                    pending.clear();
                    throw new LedgerCorruptException(p.file(), p.txId().seqno(), problem);
                }
                signatures++;
                lastSigned = p.txId();
            }
        }
    }
}
