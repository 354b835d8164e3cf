package org.consort.replication;

/**
 * A proposal or a membership operation did not succeed. Subclasses say why; a plain
 * {@code ReplicationException} means the engine reported an error it did not classify (its
 * cause carries the detail). Whether a failed proposal was committed anyway is unknown unless
 * the subclass says otherwise: the caller finds out by watching the applied log.
 */
public class ReplicationException extends RuntimeException {
    public ReplicationException(String message) {
        super(message);
    }

    public ReplicationException(String message, Throwable cause) {
        super(message, cause);
    }

    /** This node is not the leader (or not a ready one); retry on the hinted leader if known. */
    public static final class NotLeaderException extends ReplicationException {
        private final String leaderHint;

        public NotLeaderException(String message, String leaderHint) {
            super(message);
            this.leaderHint = leaderHint;
        }

        /** Id of the peer this node believes is the leader, if it knows one. */
        public java.util.Optional<String> leaderHint() {
            return java.util.Optional.ofNullable(leaderHint);
        }
    }

    /** Too many proposals in flight or a batch over the size bound: refused, never proposed. */
    public static final class OverloadedException extends ReplicationException {
        public OverloadedException(String message) {
            super(message);
        }
    }

    /** The proposal did not complete in time; it may still commit later. */
    public static final class ProposalTimeoutException extends ReplicationException {
        public ProposalTimeoutException(String message) {
            super(message);
        }
    }

    /** A replicated batch failed its checksum: it was rejected on apply, never applied. */
    public static final class CorruptBatchException extends ReplicationException {
        public CorruptBatchException(String message) {
            super(message);
        }
    }
}
