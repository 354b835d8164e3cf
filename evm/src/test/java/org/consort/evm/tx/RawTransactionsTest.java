package org.consort.evm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Word;
import org.consort.evm.fork.Fork;
import org.consort.evm.rlp.Rlp;
import org.junit.jupiter.api.Test;

/** Round trips of signed EIP-1559 and EIP-4844 transactions and hostile-input robustness. */
class RawTransactionsTest {
    private static final byte[] KEY = Hashes.keccak256("consort test key".getBytes());
    private static final byte[] TO = Secp256k1.address(Hashes.keccak256("to".getBytes()));

    /** Signs type 2 or 3 with the given blob hashes (type 3 only). */
    private static byte[] signed(int type, long chainId, List<byte[]> blobHashes) {
        List<byte[]> f = new ArrayList<>(List.of(Rlp.encodeLong(chainId), Rlp.encodeLong(7), Rlp.encodeLong(2),
                Rlp.encodeLong(100), Rlp.encodeLong(30000), Rlp.encodeBytes(TO), Rlp.encodeLong(5),
                Rlp.encodeBytes(new byte[] {1, 0, 2}), Rlp.encodeList()));
        if (type == 3) {
            f.add(Rlp.encodeLong(9));
            f.add(Rlp.encodeList(blobHashes.stream().map(Rlp::encodeBytes).toList()));
        }
        byte[] hash = Hashes.keccak256(typed(type, Rlp.encodeList(f)));
        Secp256k1.Signature sig = Secp256k1.sign(hash, KEY);
        f.add(Rlp.encodeLong(sig.recId()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return typed(type, Rlp.encodeList(f));
    }

    private static byte[] typed(int type, byte[] list) {
        byte[] out = new byte[list.length + 1];
        out[0] = (byte) type;
        System.arraycopy(list, 0, out, 1, list.length);
        return out;
    }

    private static byte[] blobHash(int version) {
        byte[] h = Hashes.keccak256(new byte[] {(byte) version});
        h[0] = (byte) version;
        return h;
    }

    @Test
    void eip1559RoundTrip() throws Exception {
        byte[] raw = signed(2, 1, List.of());
        SignedTransaction tx = RawTransactions.decode(raw, Fork.LONDON, 1);
        assertThat(tx.transaction().sender().toBytes()).isEqualTo(Secp256k1.address(KEY));
        assertThat(tx.transaction().maxFeePerGas()).isEqualTo(Word.of(100));
        assertThat(tx.transaction().maxPriorityFeePerGas()).isEqualTo(Word.of(2));
        assertThat(tx.hash()).isEqualTo(Word.fromBytes(Hashes.keccak256(raw)));
        assertThat(tx.intrinsicGas()).isEqualTo(21000 + 16 + 4 + 16);
        assertThat(tx.chainId()).hasValue(1);
        assertThatThrownBy(() -> RawTransactions.decode(raw, Fork.LONDON, 5))
                .isInstanceOfSatisfying(TransactionRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(TxRejection.INVALID_CHAINID));
        assertThatThrownBy(() -> RawTransactions.decode(raw, Fork.BERLIN, 1))
                .isInstanceOfSatisfying(TransactionRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(TxRejection.TYPE_NOT_SUPPORTED));
    }

    @Test
    void blobTransactionRules() throws Exception {
        SignedTransaction tx = RawTransactions.decode(signed(3, 1, List.of(blobHash(1), blobHash(1))), Fork.CANCUN, 1);
        assertThat(tx.transaction().blobVersionedHashes()).hasSize(2);
        assertThat(tx.transaction().maxFeePerBlobGas()).isEqualTo(Word.of(9));
        assertThat(tx.transaction().sender().toBytes()).isEqualTo(Secp256k1.address(KEY));
        assertRejected(signed(3, 1, List.of()), Fork.CANCUN, TxRejection.TYPE_3_TX_ZERO_BLOBS);
        assertRejected(signed(3, 1, List.of(blobHash(2))), Fork.CANCUN, TxRejection.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH);
        List<byte[]> seven = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seven.add(blobHash(1));
        }
        assertRejected(signed(3, 1, seven), Fork.CANCUN, TxRejection.TYPE_3_TX_BLOB_COUNT_EXCEEDED);
        assertRejected(signed(3, 1, List.of(blobHash(1))), Fork.SHANGHAI, TxRejection.TYPE_NOT_SUPPORTED);
    }

    private static void assertRejected(byte[] raw, Fork fork, TxRejection reason) {
        assertThatThrownBy(() -> RawTransactions.decode(raw, fork, 1))
                .isInstanceOfSatisfying(TransactionRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** Truncations and random byte flips of a valid transaction never escape as anything but a rejection. */
    @Test
    void mutatedInputOnlyEverRejects() {
        byte[] good = signed(3, 1, List.of(blobHash(1)));
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 3000; i++) {
            byte[] raw = i < good.length ? java.util.Arrays.copyOf(good, i) : good.clone();
            if (i >= good.length) {
                for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                    raw[rnd.nextInt(raw.length)] = (byte) rnd.nextInt(256);
                }
            }
            byte[] input = raw;
            try {
                RawTransactions.decode(input, Fork.CANCUN, 1);
            } catch (TransactionRejectedException expected) {
                assertThat(expected.fixtureName()).isNotBlank();
            }
        }
    }
}
