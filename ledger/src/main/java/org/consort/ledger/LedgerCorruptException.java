package org.consort.ledger;

import java.nio.file.Path;

/**
 * A ledger file holds something that is not a valid continuation of the ledger. Names the
 * file and the seqno of the entry (the seqno expected at that position when the entry's own
 * is unreadable). A node must refuse to start on it.
 */
public final class LedgerCorruptException extends RuntimeException {
    private final Path file;
    private final long seqno;
    private final String reason;

    public LedgerCorruptException(Path file, long seqno, String reason) {
        super(file.getFileName() + " seqno " + seqno + ": " + reason);
        this.file = file;
        this.seqno = seqno;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public long seqno() {
        return seqno;
    }

    public String reason() {
        return reason;
    }
}
