package org.consort.evm.tx;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.consort.common.InvariantViolation;
import org.consort.crypto.Hashes;
import org.consort.crypto.Secp256k1;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Eip;
import org.consort.evm.fork.Fork;
import org.consort.evm.rlp.Rlp;

/**
 * Decodes and validates raw signed transactions as they arrive over the wire (e.g.
 * {@code eth_sendRawTransaction}): legacy (pre-EIP-155 and EIP-155), EIP-2930 (type 1), EIP-1559
 * (type 2) and EIP-4844 (type 3, canonical form without blobs). Validation covers everything that
 * needs no world state: strict RLP (canonical integers and headers, exact list shapes, no trailing
 * bytes), field widths, EIP-2681 nonce limit, signature values (EIP-2 low s), the chain id, sender
 * recovery, fee consistency, EIP-3860 initcode size and the intrinsic gas. Nonce, balance and
 * block-level checks are the {@link TransactionProcessor}'s.
 *
 * <p>Every bad input ends in a {@link TransactionRejectedException}; no other exception escapes
 * for any byte array. Stateless and thread-safe.
 */
public final class RawTransactions {
    /** EIP-3860: twice the EIP-170 code size limit. */
    public static final int MAX_INITCODE_SIZE = 49152;
    /** EIP-4844: blobs one transaction may carry (a block's worth in Cancun). */
    public static final int MAX_BLOBS_PER_TX =
            (int) (TransactionProcessor.MAX_BLOB_GAS_PER_BLOCK / TransactionProcessor.BLOB_GAS_PER_BLOB);

    private static final BigInteger TWO_256 = BigInteger.ONE.shiftLeft(256);
    private static final BigInteger MAX_NONCE = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger N = Secp256k1.N;

    private static final TxField[] LEGACY = {TxField.NONCE, TxField.GAS_PRICE, TxField.GAS_LIMIT, TxField.TO,
        TxField.VALUE, TxField.DATA, TxField.V, TxField.R, TxField.S};
    private static final TxField[] TYPE_1 = {TxField.CHAINID, TxField.NONCE, TxField.GAS_PRICE, TxField.GAS_LIMIT,
        TxField.TO, TxField.VALUE, TxField.DATA, TxField.ACCESS_LIST, TxField.V, TxField.R, TxField.S};
    private static final TxField[] TYPE_2 = {TxField.CHAINID, TxField.NONCE, TxField.MAX_PRIORITY_FEE,
        TxField.MAX_FEE, TxField.GAS_LIMIT, TxField.TO, TxField.VALUE, TxField.DATA, TxField.ACCESS_LIST,
        TxField.V, TxField.R, TxField.S};
    private static final TxField[] TYPE_3 = {TxField.CHAINID, TxField.NONCE, TxField.MAX_PRIORITY_FEE,
        TxField.MAX_FEE, TxField.GAS_LIMIT, TxField.TO, TxField.VALUE, TxField.DATA, TxField.ACCESS_LIST,
        TxField.MAX_FEE_PER_BLOB_GAS, TxField.BLOB_HASHES, TxField.V, TxField.R, TxField.S};

    private RawTransactions() {
    }

    /**
     * Decodes {@code raw} and validates it for {@code fork} on the chain {@code chainId}.
     *
     * @throws TransactionRejectedException with the first violated rule
     */
    public static SignedTransaction decode(byte[] raw, Fork fork, long chainId) throws TransactionRejectedException {
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(fork, "fork");
        if (raw.length == 0) {
            throw new TransactionRejectedException(TxRejection.RLP_ERROR_EOF, "empty transaction");
        }
        int first = raw[0] & 0xFF;
        if (first >= 0xC0) {
            return decodeTyped(raw, 0, fork, chainId);
        }
        if (first >= 0x80) {
            // Only an RLP list is a legacy transaction; check the header so truncation reads as such.
            Reader.header(raw, 0, raw.length, null);
            throw new TransactionRejectedException(TxRejection.RLP_INVALID_HEADER,
                    "a legacy transaction must be an RLP list, found a string");
        }
        boolean active = switch (first) {
            case 1 -> fork.has(Eip.EIP_2930);
            case 2 -> fork.has(Eip.EIP_1559);
            case 3 -> fork.has(Eip.EIP_4844);
            default -> false;
        };
        if (!active) {
            throw new TransactionRejectedException(TxRejection.TYPE_NOT_SUPPORTED,
                    "transaction type " + first + " is not supported in " + fork.testName());
        }
        return decodeTyped(raw, first, fork, chainId);
    }

    private static SignedTransaction decodeTyped(byte[] raw, int type, Fork fork, long chainId)
            throws TransactionRejectedException {
        int off = type == 0 ? 0 : 1;
        if (off >= raw.length) {
            throw new TransactionRejectedException(TxRejection.RLP_ERROR_EOF, "typed transaction without a payload");
        }
        Reader.Item outer = Reader.header(raw, off, raw.length, null);
        if (!outer.list()) {
            throw new TransactionRejectedException(TxRejection.RLP_INVALID_HEADER,
                    "the transaction payload must be an RLP list");
        }
        if (outer.end() != raw.length) {
            throw new TransactionRejectedException(TxRejection.RLP_ERROR_SIZE,
                    (raw.length - outer.end()) + " trailing bytes after the transaction");
        }
        TxField[] layout = switch (type) {
            case 0 -> LEGACY;
            case 1 -> TYPE_1;
            case 2 -> TYPE_2;
            default -> TYPE_3;
        };
        List<Reader.Item> items = Reader.children(raw, outer, layout);
        Fields f = new Fields(raw, items, layout);

        BigInteger typedChainId = type == 0 ? null : f.uint(TxField.CHAINID, 32, TxRejection.INVALID_CHAINID);
        BigInteger nonce = f.uint(TxField.NONCE, 8, TxRejection.NONCE_OVERFLOW);
        BigInteger gasPrice = BigInteger.ZERO;
        BigInteger maxPriority = BigInteger.ZERO;
        BigInteger maxFee = BigInteger.ZERO;
        if (type <= 1) {
            gasPrice = f.uint(TxField.GAS_PRICE, 32, TxRejection.GASPRICE_OVERFLOW);
        } else {
            maxPriority = f.uint(TxField.MAX_PRIORITY_FEE, 32, TxRejection.PRIORITY_OVERFLOW);
            maxFee = f.uint(TxField.MAX_FEE, 32, TxRejection.GASPRICE_OVERFLOW);
        }
        BigInteger gasLimit = f.uint(TxField.GAS_LIMIT, 8, TxRejection.GASLIMIT_OVERFLOW);
        Optional<Address> to = f.to();
        BigInteger value = f.uint(TxField.VALUE, 32, TxRejection.VALUE_OVERFLOW);
        byte[] data = f.string(TxField.DATA);
        List<AccessListEntry> accessList = type == 0 ? List.of() : f.accessList();
        BigInteger maxFeePerBlobGas = BigInteger.ZERO;
        List<Word> blobHashes = List.of();
        if (type == 3) {
            maxFeePerBlobGas = f.uint(TxField.MAX_FEE_PER_BLOB_GAS, 32, TxRejection.GASPRICE_OVERFLOW);
            blobHashes = f.blobHashes();
        }
        BigInteger v = f.uint(TxField.V, 32, TxRejection.INVALID_SIGNATURE_VRS);
        BigInteger r = f.uint(TxField.R, 32, TxRejection.INVALID_SIGNATURE_VRS);
        BigInteger s = f.uint(TxField.S, 32, TxRejection.INVALID_SIGNATURE_VRS);
        f.requireNoMore();

        if (nonce.equals(MAX_NONCE)) {
            throw new TransactionRejectedException(TxRejection.NONCE_TOO_BIG, "nonce must be below 2^64-1 (EIP-2681)");
        }

        // Signature values and chain id.
        int recId;
        OptionalLong signedChainId;
        if (type == 0) {
            if (v.equals(BigInteger.valueOf(27)) || v.equals(BigInteger.valueOf(28))) {
                recId = v.intValue() - 27;
                signedChainId = OptionalLong.empty();
            } else if (v.compareTo(BigInteger.valueOf(35)) >= 0) {
                BigInteger c = v.subtract(BigInteger.valueOf(35)).shiftRight(1);
                recId = v.subtract(BigInteger.valueOf(35)).testBit(0) ? 1 : 0;
                requireChainId(c, chainId);
                signedChainId = OptionalLong.of(chainId);
            } else if (v.compareTo(BigInteger.ONE) <= 0) {
                // 0 and 1 are bare recovery ids, which a legacy signature may not use.
                throw new TransactionRejectedException(TxRejection.INVALID_SIGNATURE_VRS,
                        "legacy v must be 27, 28 or chainId*2+35/36, got " + v);
            } else {
                // Any other v claims an EIP-155 chain id, and none below 35 is a valid one.
                throw new TransactionRejectedException(TxRejection.INVALID_CHAINID,
                        "legacy v " + v + " encodes no valid chain id (27, 28 or chainId*2+35/36)");
            }
        } else {
            requireChainId(typedChainId, chainId);
            signedChainId = OptionalLong.of(chainId);
            if (v.compareTo(BigInteger.ONE) > 0) {
                throw new TransactionRejectedException(TxRejection.INVALID_SIGNATURE_VRS,
                        "yParity must be 0 or 1, got " + v);
            }
            recId = v.intValue();
        }
        if (r.signum() == 0 || r.compareTo(N) >= 0 || s.signum() == 0 || s.compareTo(N) >= 0) {
            throw new TransactionRejectedException(TxRejection.INVALID_SIGNATURE_VRS, "r and s must lie in [1, n-1]");
        }
        if (s.compareTo(Secp256k1.HALF_N) > 0) {
            throw new TransactionRejectedException(TxRejection.INVALID_SIGNATURE_VRS, "s must be at most n/2 (EIP-2)");
        }

        // Fee fields.
        if (maxPriority.compareTo(maxFee) > 0) {
            throw new TransactionRejectedException(TxRejection.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS,
                    "maxPriorityFeePerGas " + maxPriority + " exceeds maxFeePerGas " + maxFee);
        }
        BigInteger price = type <= 1 ? gasPrice : maxFee;
        if (price.multiply(gasLimit).compareTo(TWO_256) >= 0) {
            throw new TransactionRejectedException(TxRejection.GASLIMIT_PRICE_PRODUCT_OVERFLOW,
                    "gasLimit * gas price does not fit in 256 bits");
        }
        if (type == 3) {
            checkBlobs(to, blobHashes);
        }

        // Sender recovery over the signing hash.
        byte[] signingHash = Hashes.keccak256(signingPayload(raw, type, items, layout.length - 3, signedChainId));
        Optional<byte[]> sender = Secp256k1.recoverAddress(signingHash, bytes32(r), bytes32(s), recId);
        if (sender.isEmpty()) {
            throw new TransactionRejectedException(TxRejection.EC_RECOVERY_FAIL, "no public key recovers from the signature");
        }

        Transaction tx = new Transaction(type, Address.wrap(sender.get()), Word.fromBigInteger(nonce),
                Word.fromBigInteger(gasPrice), Word.fromBigInteger(maxPriority), Word.fromBigInteger(maxFee),
                Word.fromBigInteger(gasLimit), to, Word.fromBigInteger(value), data, accessList,
                Word.fromBigInteger(maxFeePerBlobGas), blobHashes);

        if (tx.isCreate() && fork.has(Eip.EIP_3860) && data.length > MAX_INITCODE_SIZE) {
            throw new TransactionRejectedException(TxRejection.INITCODE_SIZE_EXCEEDED,
                    "initcode of " + data.length + " bytes exceeds " + MAX_INITCODE_SIZE + " (EIP-3860)");
        }
        long intrinsic = new TransactionProcessor(fork).intrinsicGas(tx);
        if (gasLimit.compareTo(BigInteger.valueOf(intrinsic)) < 0) {
            throw new TransactionRejectedException(TxRejection.INTRINSIC_GAS_TOO_LOW,
                    "gas limit " + gasLimit + " is below the intrinsic gas " + intrinsic);
        }
        return new SignedTransaction(tx, Word.fromBytes(Hashes.keccak256(raw)), signedChainId,
                Word.fromBigInteger(v), Word.fromBigInteger(r), Word.fromBigInteger(s), intrinsic);
    }

    private static void requireChainId(BigInteger signed, long expected) throws TransactionRejectedException {
        if (!signed.equals(BigInteger.valueOf(expected))) {
            throw new TransactionRejectedException(TxRejection.INVALID_CHAINID,
                    "signed for chain " + signed + ", this chain is " + expected);
        }
    }

    private static void checkBlobs(Optional<Address> to, List<Word> hashes) throws TransactionRejectedException {
        if (to.isEmpty()) {
            throw new TransactionRejectedException(TxRejection.TYPE_3_TX_CONTRACT_CREATION,
                    "a blob transaction cannot create a contract");
        }
        if (hashes.isEmpty()) {
            throw new TransactionRejectedException(TxRejection.TYPE_3_TX_ZERO_BLOBS, "a blob transaction needs a blob");
        }
        if (hashes.size() > MAX_BLOBS_PER_TX) {
            throw new TransactionRejectedException(TxRejection.TYPE_3_TX_BLOB_COUNT_EXCEEDED,
                    hashes.size() + " blobs, at most " + MAX_BLOBS_PER_TX);
        }
        for (Word h : hashes) {
            if ((h.l3() >>> 56) != 0x01) {
                throw new TransactionRejectedException(TxRejection.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH,
                        "blob versioned hash " + h.toHex() + " lacks the KZG version byte 0x01");
            }
        }
    }

    /**
     * The bytes whose keccak256 is signed: the unsigned fields (re-using their canonical encodings,
     * which the strict decoder has verified) plus, for EIP-155, chainId, 0, 0; typed transactions
     * prefix the type byte.
     */
    private static byte[] signingPayload(byte[] raw, int type, List<Reader.Item> items, int unsignedCount,
            OptionalLong chainId) {
        List<byte[]> parts = new ArrayList<>(unsignedCount + 3);
        for (int i = 0; i < unsignedCount; i++) {
            Reader.Item it = items.get(i);
            parts.add(Arrays.copyOfRange(raw, it.headerStart(), it.end()));
        }
        if (type == 0 && chainId.isPresent()) {
            parts.add(Rlp.encodeLong(chainId.getAsLong()));
            parts.add(Rlp.encodeLong(0));
            parts.add(Rlp.encodeLong(0));
        }
        byte[] list = Rlp.encodeList(parts);
        if (type == 0) {
            return list;
        }
        byte[] out = new byte[list.length + 1];
        out[0] = (byte) type;
        System.arraycopy(list, 0, out, 1, list.length);
        return out;
    }

    private static byte[] bytes32(BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(b.length, 32);
        System.arraycopy(b, b.length - len, out, 32 - len, len);
        return out;
    }

    /** Sequential typed access to the top-level items, in layout order. */
    private static final class Fields {
        private final byte[] raw;
        private final List<Reader.Item> items;
        private final TxField[] layout;
        private int next;

        Fields(byte[] raw, List<Reader.Item> items, TxField[] layout) {
            this.raw = raw;
            this.items = items;
            this.layout = layout;
        }

        private Reader.Item take(TxField field) throws TransactionRejectedException {
            InvariantViolation.check(layout[next] == field, "decoder read a field out of layout order");
            if (next >= items.size()) {
                throw new TransactionRejectedException(TxRejection.RLP_TOO_FEW_ELEMENTS, field,
                        "the transaction has " + items.size() + " fields, " + layout.length + " expected");
            }
            return items.get(next++);
        }

        void requireNoMore() throws TransactionRejectedException {
            if (items.size() > layout.length) {
                throw new TransactionRejectedException(TxRejection.RLP_TOO_MANY_ELEMENTS,
                        "the transaction has " + items.size() + " fields, " + layout.length + " expected");
            }
        }

        byte[] string(TxField field) throws TransactionRejectedException {
            Reader.Item it = take(field);
            if (it.list()) {
                throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field, "expected a string, found a list");
            }
            return Arrays.copyOfRange(raw, it.start(), it.end());
        }

        BigInteger uint(TxField field, int maxBytes, TxRejection overflow) throws TransactionRejectedException {
            Reader.Item it = take(field);
            if (it.list()) {
                throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field, "expected an integer, found a list");
            }
            int len = it.end() - it.start();
            // The fixtures report a too-wide 64-bit field as an overflow even with leading zeros, but
            // leading zeros first for 256-bit fields.
            if (maxBytes <= 8 && len > maxBytes) {
                throw new TransactionRejectedException(overflow, field, len + "-byte value, at most " + maxBytes);
            }
            if (len > 0 && raw[it.start()] == 0) {
                throw new TransactionRejectedException(TxRejection.RLP_LEADING_ZEROS, field, "integer has a leading zero");
            }
            if (len > maxBytes) {
                throw new TransactionRejectedException(overflow, field, len + "-byte value, at most " + maxBytes);
            }
            return new BigInteger(1, Arrays.copyOfRange(raw, it.start(), it.end()));
        }

        Optional<Address> to() throws TransactionRejectedException {
            byte[] b = string(TxField.TO);
            if (b.length == 0) {
                return Optional.empty();
            }
            if (b.length > Address.LENGTH) {
                throw new TransactionRejectedException(TxRejection.ADDRESS_TOO_LONG, TxField.TO, b.length + "-byte address");
            }
            if (b.length < Address.LENGTH) {
                throw new TransactionRejectedException(TxRejection.ADDRESS_TOO_SHORT, TxField.TO, b.length + "-byte address");
            }
            return Optional.of(Address.wrap(b));
        }

        List<AccessListEntry> accessList() throws TransactionRejectedException {
            TxField field = TxField.ACCESS_LIST;
            Reader.Item list = take(field);
            if (!list.list()) {
                throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field, "expected a list");
            }
            List<AccessListEntry> out = new ArrayList<>();
            for (Reader.Item entry : Reader.children(raw, list, field)) {
                List<Reader.Item> parts = entry.list() ? Reader.children(raw, entry, field) : List.of();
                if (parts.size() != 2 || parts.get(0).list() || !parts.get(1).list()) {
                    throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field,
                            "each entry must be [address, [storageKey, ...]]");
                }
                Reader.Item a = parts.get(0);
                int alen = a.end() - a.start();
                if (alen > Address.LENGTH) {
                    throw new TransactionRejectedException(TxRejection.RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_LONG, field,
                            alen + "-byte address");
                }
                if (alen < Address.LENGTH) {
                    throw new TransactionRejectedException(TxRejection.RLP_INVALID_ACCESS_LIST_ADDRESS_TOO_SHORT, field,
                            alen + "-byte address");
                }
                List<Word> keys = new ArrayList<>();
                for (Reader.Item k : Reader.children(raw, parts.get(1), field)) {
                    if (k.list()) {
                        throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field,
                                "a storage key must be a string");
                    }
                    int klen = k.end() - k.start();
                    if (klen > 32) {
                        throw new TransactionRejectedException(TxRejection.RLP_INVALID_ACCESS_LIST_STORAGE_TOO_LONG,
                                field, klen + "-byte storage key");
                    }
                    if (klen < 32) {
                        throw new TransactionRejectedException(TxRejection.RLP_INVALID_ACCESS_LIST_STORAGE_TOO_SHORT,
                                field, klen + "-byte storage key");
                    }
                    keys.add(Word.fromBytes(raw, k.start(), 32));
                }
                out.add(new AccessListEntry(Address.wrap(Arrays.copyOfRange(raw, a.start(), a.end())), keys));
            }
            return out;
        }

        List<Word> blobHashes() throws TransactionRejectedException {
            TxField field = TxField.BLOB_HASHES;
            Reader.Item list = take(field);
            if (!list.list()) {
                throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field, "expected a list");
            }
            List<Word> out = new ArrayList<>();
            for (Reader.Item h : Reader.children(raw, list, field)) {
                if (h.list() || h.end() - h.start() != 32) {
                    throw new TransactionRejectedException(TxRejection.RLP_INVALID_FIELD, field,
                            "a blob versioned hash must be a 32-byte string");
                }
                out.add(Word.fromBytes(raw, h.start(), 32));
            }
            return out;
        }
    }
}
