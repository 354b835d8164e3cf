package org.consort.ethereum.state;

import java.util.List;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.rlp.RlpItem;

/** The stored form of an account: RLP [nonce, balance, codeHash]; the code is kept by hash. */
final class AccountCodec {
    private AccountCodec() {
    }

    record Stored(long nonce, Word balance, byte[] codeHash) {
    }

    static byte[] encode(long nonce, Word balance, byte[] codeHash) {
        return Rlp.encodeList(Rlp.encodeLong(nonce), Rlp.encodeBytes(balance.toMinimalBytes()), Rlp.encodeBytes(codeHash));
    }

    static Stored decode(byte[] bytes) {
        List<RlpItem> items = Rlp.decode(bytes).list();
        return new Stored(new java.math.BigInteger(1, items.get(0).bytes()).longValue(), Word.fromBytes(items.get(1).bytes()),
                items.get(2).bytes());
    }

    /** Key of a storage slot: address || incarnation || slot. */
    static byte[] slotKey(byte[] address, long incarnation, Word slot) {
        byte[] k = new byte[20 + 8 + 32];
        System.arraycopy(address, 0, k, 0, 20);
        for (int i = 0; i < 8; i++) {
            k[20 + i] = (byte) (incarnation >>> (56 - 8 * i));
        }
        System.arraycopy(slot.toBytes(), 0, k, 28, 32);
        return k;
    }
}
