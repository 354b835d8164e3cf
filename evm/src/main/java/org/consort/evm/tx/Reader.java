package org.consort.evm.tx;

import java.util.ArrayList;
import java.util.List;

/**
 * A strict RLP header reader over a byte array that reports problems as
 * {@link TransactionRejectedException}s naming the transaction field, so decoding errors map to the
 * Ethereum TransactionTests' exception kinds. Package-private; stateless and thread-safe.
 */
final class Reader {
    /**
     * One item: its header begins at {@code headerStart}, its payload spans [{@code start}, {@code end}).
     */
    record Item(boolean list, int headerStart, int start, int end) {
    }

    private Reader() {
    }

    /**
     * Reads the item header at {@code p}, which must lie within [{@code p}, {@code limit}).
     * {@code field} is null for the transaction's outer list, whose errors have their own kinds.
     */
    static Item header(byte[] in, int p, int limit, TxField field) throws TransactionRejectedException {
        if (p >= limit) {
            throw new TransactionRejectedException(TxRejection.RLP_ERROR_EOF, field, "input ends before an RLP item");
        }
        int b = in[p] & 0xFF;
        if (b < 0x80) {
            return new Item(false, p, p, p + 1);
        }
        boolean list = b >= 0xC0;
        int base = list ? 0xC0 : 0x80;
        long len;
        int start;
        if (b - base <= 55) {
            len = b - base;
            start = p + 1;
            if (!list && len == 1 && start < limit && (in[start] & 0xFF) < 0x80) {
                throw nonCanonical(field, "a single byte below 0x80 must not have a string prefix");
            }
        } else {
            int n = b - base - 55;
            if (p + 1 + n > limit) {
                throw new TransactionRejectedException(field == null ? TxRejection.RLP_ERROR_EOF : TxRejection.RLP_ERROR_SIZE,
                        field, "RLP length bytes run past the input");
            }
            if (in[p + 1] == 0) {
                throw nonCanonical(field, "RLP length has a leading zero");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (in[p + 1 + i] & 0xFF);
                if (len > Integer.MAX_VALUE) {
                    throw new TransactionRejectedException(TxRejection.RLP_ERROR_SIZE, field,
                            "RLP length larger than any input");
                }
            }
            if (len <= 55) {
                throw nonCanonical(field, "RLP long form used for a payload of " + len + " bytes");
            }
            start = p + 1 + n;
        }
        if (start + len > limit) {
            throw new TransactionRejectedException(TxRejection.RLP_ERROR_SIZE, field,
                    "RLP payload of " + len + " bytes runs past its enclosing item");
        }
        return new Item(list, p, start, (int) (start + len));
    }

    private static TransactionRejectedException nonCanonical(TxField field, String message) {
        return field == null
                ? new TransactionRejectedException(TxRejection.RLP_ERROR_SIZE_LEADING_ZEROS, message)
                : new TransactionRejectedException(TxRejection.RLP_LEADING_ZEROS_SIZE, field, message);
    }

    /** The items of a list whose members are all reported as {@code field}. */
    static List<Item> children(byte[] in, Item list, TxField field) throws TransactionRejectedException {
        List<Item> out = new ArrayList<>();
        int p = list.start();
        while (p < list.end()) {
            Item it = header(in, p, list.end(), field);
            out.add(it);
            p = it.end();
        }
        return out;
    }

    /** The items of a transaction's field list: item i is reported as {@code layout[i]}. */
    static List<Item> children(byte[] in, Item list, TxField[] layout) throws TransactionRejectedException {
        List<Item> out = new ArrayList<>();
        int p = list.start();
        while (p < list.end()) {
            TxField f = out.size() < layout.length ? layout[out.size()] : layout[layout.length - 1];
            Item it = header(in, p, list.end(), f);
            out.add(it);
            p = it.end();
        }
        return out;
    }
}
