package org.consort.evm.tx;

import java.util.List;
import org.consort.crypto.Hashes;
import org.consort.evm.Word;
import org.consort.evm.vm.Log;

/** The 2048-bit log bloom of receipts (yellow paper 4.3.1). Stateless. */
public final class Bloom {
    private Bloom() {
    }

    public static byte[] of(List<Log> logs) {
        byte[] bloom = new byte[256];
        for (Log l : logs) {
            add(bloom, l.address().toBytes());
            for (Word t : l.topics()) {
                add(bloom, t.toBytes());
            }
        }
        return bloom;
    }

    private static void add(byte[] bloom, byte[] item) {
        byte[] h = Hashes.keccak256(item);
        for (int i = 0; i < 6; i += 2) {
            int bit = (((h[i] & 0xFF) << 8) | (h[i + 1] & 0xFF)) & 2047;
            bloom[255 - bit / 8] |= (byte) (1 << (bit % 8));
        }
    }
}
