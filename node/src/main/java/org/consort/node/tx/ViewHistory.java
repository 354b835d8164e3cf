package org.consort.node.tx;

import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.consort.common.InvariantViolation;
import org.consort.common.TxId;

/**
 * Which view ordered which seqnos: view v covers the seqnos from its start up to the start
 * of the next view. Used to tell Committed from Invalid. Thread-safe.
 */
public final class ViewHistory {
    private final NavigableMap<Long, Long> startSeqnoByView = new ConcurrentSkipListMap<>();

    /** Records that {@code view} starts at {@code firstSeqno}. Views only grow. */
    public void startView(long view, long firstSeqno) {
        Map.Entry<Long, Long> last = startSeqnoByView.lastEntry();
        if (last != null) {
            InvariantViolation.check(view > last.getKey(), "view " + view + " does not follow view " + last.getKey());
            InvariantViolation.check(firstSeqno >= last.getValue(),
                    "view " + view + " starts at seqno " + firstSeqno + " before view " + last.getKey());
        }
        startSeqnoByView.put(view, firstSeqno);
    }

    /**
     * Forgets the views that start after {@code lastSeqno}: they were speculative (this node's
     * own view, never applied) and the seqnos they held are given to another view.
     */
    public void rollback(long lastSeqno) {
        startSeqnoByView.values().removeIf(start -> start > lastSeqno);
    }

    /** Replaces every view with {@code startSeqnoByView} (a snapshot's). */
    public void reset(Map<Long, Long> views) {
        startSeqnoByView.clear();
        startSeqnoByView.putAll(views);
    }

    /** The view that ordered {@code seqno}, or -1 if none is known. */
    public long viewOf(long seqno) {
        long result = -1;
        for (Map.Entry<Long, Long> e : startSeqnoByView.entrySet()) {
            if (e.getValue() <= seqno) {
                result = e.getKey();
            } else {
                break;
            }
        }
        return result;
    }

    public long currentView() {
        Map.Entry<Long, Long> last = startSeqnoByView.lastEntry();
        return last == null ? 0 : last.getKey();
    }

    /** Status of {@code id} given the last seqno in the log and the committed seqno. */
    public TxStatus status(TxId id, long lastSeqno, long committedSeqno) {
        if (id.seqno() == 0 || id.view() == 0) {
            return TxStatus.Invalid;
        }
        if (id.view() > currentView()) {
            return TxStatus.Unknown;
        }
        if (id.seqno() > lastSeqno) {
            // A later seqno in an older view can never be ordered now.
            return id.view() < currentView() ? TxStatus.Invalid : TxStatus.Unknown;
        }
        long owner = viewOf(id.seqno());
        if (owner != id.view()) {
            return TxStatus.Invalid;
        }
        return id.seqno() <= committedSeqno ? TxStatus.Committed : TxStatus.Pending;
    }

    public NavigableMap<Long, Long> asMap() {
        return java.util.Collections.unmodifiableNavigableMap(startSeqnoByView);
    }
}
