package org.consort.ethereum.chain;

import java.math.BigInteger;
import java.util.List;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.rlp.RlpItem;

/** Reading the RLP lists the application stores: typed accessors by position. */
final class Fields {
    private final List<RlpItem> items;

    Fields(byte[] rlp) {
        this.items = Rlp.decode(rlp).list();
    }

    Fields(RlpItem item) {
        this.items = item.list();
    }

    byte[] bytes(int i) {
        return items.get(i).bytes();
    }

    long uint64(int i) {
        return new BigInteger(1, bytes(i)).longValue();
    }

    Word word(int i) {
        return Word.fromBytes(bytes(i));
    }

    Address address(int i) {
        return Address.wrap(bytes(i));
    }

    List<RlpItem> list(int i) {
        return items.get(i).list();
    }

    String text(int i) {
        return new String(bytes(i), java.nio.charset.StandardCharsets.UTF_8);
    }

    static byte[] word(Word w) {
        return Rlp.encodeBytes(w.toMinimalBytes());
    }

    static byte[] uint(long v) {
        return Rlp.encodeLong(v);
    }

    static byte[] bytes(byte[] b) {
        return Rlp.encodeBytes(b);
    }

    static byte[] text(String s) {
        return Rlp.encodeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
