package org.consort.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.consort.replication.ReplicationException.CorruptBatchException;

class BatchFramePropertyTest {
    @Property(tries = 300)
    void roundTrips(@ForAll @Size(max = 4096) byte[] payload) {
        assertThat(BatchFrame.decode(BatchFrame.encode(payload))).isEqualTo(payload);
    }

    @Property(tries = 300)
    void anySingleBitFlipIsRejected(@ForAll @Size(min = 1, max = 4096) byte[] payload, @ForAll @IntRange(min = 0) int where) {
        byte[] frame = BatchFrame.encode(payload);
        int bit = where % (frame.length * 8);
        frame[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThatThrownBy(() -> BatchFrame.decode(frame)).isInstanceOf(CorruptBatchException.class);
    }

    @Property(tries = 50)
    void truncatedFramesAreRejected(@ForAll @Size(max = 4) byte[] shortFrame) {
        assertThatThrownBy(() -> BatchFrame.decode(shortFrame)).isInstanceOf(CorruptBatchException.class);
    }
}
