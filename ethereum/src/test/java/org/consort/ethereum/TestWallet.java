package org.consort.ethereum;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;

/** A secp256k1 key that signs raw transactions the way wallets do (EIP-155 legacy, EIP-2930, EIP-1559). */
final class TestWallet {
    final byte[] key;
    final Address address;

    TestWallet(int seed) {
        byte[] k = new byte[32];
        k[31] = (byte) seed;
        k[0] = 0x11;
        this.key = k;
        this.address = Address.wrap(Secp256k1.address(k));
    }

    static byte[] num(BigInteger v) {
        return Rlp.encodeBytes(Word.fromBigInteger(v).toMinimalBytes());
    }

    static byte[] num(long v) {
        return Rlp.encodeLong(v);
    }

    static byte[] to(Address to) {
        return Rlp.encodeBytes(to == null ? new byte[0] : to.toBytes());
    }

    /** An EIP-155 legacy transaction. */
    byte[] legacy(long chainId, long nonce, BigInteger gasPrice, long gas, Address to, BigInteger value, byte[] data) {
        List<byte[]> f = new ArrayList<>(List.of(num(nonce), num(gasPrice), num(gas), to(to), num(value),
                Rlp.encodeBytes(data), num(chainId), num(0), num(0)));
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(Rlp.encodeList(f)), key);
        f.set(6, num(chainId * 2 + 35 + sig.recId()));
        f.set(7, Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.set(8, Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return Rlp.encodeList(f);
    }

    /** A pre-EIP-155 legacy transaction (no chain id in the signature). */
    byte[] unprotected(long nonce, long gas, Address to) {
        List<byte[]> f = new ArrayList<>(List.of(num(nonce), num(0), num(gas), to(to), num(0), Rlp.encodeBytes(new byte[0])));
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(Rlp.encodeList(f)), key);
        f.add(num(27 + sig.recId()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return Rlp.encodeList(f);
    }

    /** An EIP-1559 (type 2) transaction with an empty access list. */
    byte[] eip1559(long chainId, long nonce, BigInteger maxPriority, BigInteger maxFee, long gas, Address to,
            BigInteger value, byte[] data) {
        List<byte[]> f = new ArrayList<>(List.of(num(chainId), num(nonce), num(maxPriority), num(maxFee), num(gas), to(to),
                num(value), Rlp.encodeBytes(data), Rlp.encodeList()));
        return typed(2, f);
    }

    /** An EIP-2930 (type 1) transaction with an empty access list. */
    byte[] eip2930(long chainId, long nonce, BigInteger gasPrice, long gas, Address to, BigInteger value, byte[] data) {
        List<byte[]> f = new ArrayList<>(List.of(num(chainId), num(nonce), num(gasPrice), num(gas), to(to), num(value),
                Rlp.encodeBytes(data), Rlp.encodeList()));
        return typed(1, f);
    }

    private byte[] typed(int type, List<byte[]> f) {
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(envelope(type, Rlp.encodeList(f))), key);
        f.add(num(sig.recId()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return envelope(type, Rlp.encodeList(f));
    }

    private static byte[] envelope(int type, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) type;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    static String hex(byte[] b) {
        return "0x" + Hex.encode(b);
    }
}
