package org.consort.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.consort.common.Hex;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;

/** Signing and JSON-RPC encoding of the Ethereum transactions that the benchmarks send. */
final class EthTransactions {
    /** The chain id of a sandbox (and of the Hardhat network that EthereumCompare configures). */
    static final long CHAIN_ID = 1337;

    private EthTransactions() {
    }

    /** A zero-fee EIP-1559 transaction (max fee and tip 0, value 0, empty access list). */
    static byte[] sign(byte[] key, long nonce, long gas, Address to, byte[] data) {
        List<byte[]> f = new ArrayList<>(List.of(Rlp.encodeLong(CHAIN_ID), Rlp.encodeLong(nonce), Rlp.encodeLong(0),
                Rlp.encodeLong(0), Rlp.encodeLong(gas), Rlp.encodeBytes(to == null ? new byte[0] : to.toBytes()),
                Rlp.encodeLong(0), Rlp.encodeBytes(data), Rlp.encodeList()));
        Secp256k1.Signature sig = Secp256k1.sign(Hashes.keccak256(concat(new byte[] {2}, Rlp.encodeList(f))), key);
        f.add(Rlp.encodeLong(sig.recId()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.r()).toMinimalBytes()));
        f.add(Rlp.encodeBytes(Word.fromBytes(sig.s()).toMinimalBytes()));
        return concat(new byte[] {2}, Rlp.encodeList(f));
    }

    /** The transaction hash: keccak256 of the raw (typed) transaction. */
    static String hash(byte[] raw) {
        return "0x" + Hex.encode(Hashes.keccak256(raw));
    }

    /** The call data of ERC-20 {@code transfer(to, amount)}. */
    static byte[] transferCall(Address to, Word amount) {
        return concat(selector("transfer(address,uint256)"), concat(to.toWord().toBytes(), amount.toBytes()));
    }

    /** The call data of ERC-20 {@code balanceOf(owner)}. */
    static byte[] balanceOfCall(Address owner) {
        return concat(selector("balanceOf(address)"), owner.toWord().toBytes());
    }

    static byte[] selector(String signature) {
        return Arrays.copyOf(Hashes.keccak256(signature.getBytes(StandardCharsets.US_ASCII)), 4);
    }

    /** One JSON-RPC call object {@code eth_sendRawTransaction(raw)} with the given id. */
    static String sendRawCall(byte[] raw, long id) {
        return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"eth_sendRawTransaction\",\"params\":[\"0x"
                + Hex.encode(raw) + "\"]}";
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
