package org.consort.node.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.consort.common.InvariantViolation;
import org.consort.common.TxId;
import org.junit.jupiter.api.Test;

class ViewHistoryTest {
    private final ViewHistory views = new ViewHistory();

    @Test
    void statusFollowsViewsLastAndCommittedSeqno() {
        views.startView(1, 1);
        views.startView(3, 11); // view 1 ordered 1..10, view 2 ordered nothing, view 3 from 11
        long last = 15;
        long committed = 12;
        assertThat(views.status(new TxId(1, 5), last, committed)).isEqualTo(TxStatus.Committed);
        assertThat(views.status(new TxId(3, 12), last, committed)).isEqualTo(TxStatus.Committed);
        assertThat(views.status(new TxId(3, 14), last, committed)).isEqualTo(TxStatus.Pending);
        assertThat(views.status(new TxId(3, 16), last, committed)).isEqualTo(TxStatus.Unknown);
        assertThat(views.status(new TxId(4, 1), last, committed)).isEqualTo(TxStatus.Unknown);
        // Seqno 11 belongs to view 3: a TxID of view 1 or 2 at 11 lost its place.
        assertThat(views.status(new TxId(1, 11), last, committed)).isEqualTo(TxStatus.Invalid);
        assertThat(views.status(new TxId(2, 11), last, committed)).isEqualTo(TxStatus.Invalid);
        // An old view can never order beyond the log any more.
        assertThat(views.status(new TxId(1, 100), last, committed)).isEqualTo(TxStatus.Invalid);
        assertThat(views.status(new TxId(0, 0), last, committed)).isEqualTo(TxStatus.Invalid);
        assertThat(views.viewOf(10)).isEqualTo(1);
        assertThat(views.viewOf(11)).isEqualTo(3);
        assertThat(views.viewOf(0)).isEqualTo(-1);
    }

    @Test
    void viewsOnlyMoveForward() {
        views.startView(2, 5);
        assertThatThrownBy(() -> views.startView(2, 6)).isInstanceOf(InvariantViolation.class);
        assertThatThrownBy(() -> views.startView(3, 4)).isInstanceOf(InvariantViolation.class);
    }
}
