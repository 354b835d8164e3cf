package org.consort.ethereum;

import java.util.function.Function;
import org.consort.kv.WriteTx;

/**
 * The node's write path as the sequencer uses it: run a body in a write transaction on the
 * primary, commit it and hand it to the replicator in version order, like any endpoint's write.
 * Implemented by the node; thread-safe.
 */
@FunctionalInterface
public interface WriteSubmitter {

    /**
     * Runs {@code body} on a fresh write transaction and commits it. The body may run more than
     * once (after a conflict), so it must have no effect outside the transaction. A body that
     * writes nothing commits nothing.
     *
     * @return what the last run of the body returned, and the seqno its commit got (0 when nothing was written)
     * @throws Refused when the node cannot write now (not primary, pipeline full, repeated conflicts)
     */
    <T> Written<T> write(Function<WriteTx, T> body) throws Refused;

    /** The result of a committed (or empty) write. */
    record Written<T>(T result, long seqno) {
    }

    /** The node did not write; nothing of the body's transaction was kept. */
    final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }
}
