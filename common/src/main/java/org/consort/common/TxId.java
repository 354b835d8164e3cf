package org.consort.common;

/**
 * The identifier of a transaction in the ledger: {@code view.seqno}.
 *
 * <p>The view is the term of the primary that ordered the transaction; the seqno is the
 * dense position of the transaction in the ledger, starting at 1. Two transactions with the
 * same seqno and different views cannot both be committed.
 */
public record TxId(long view, long seqno) implements Comparable<TxId> {

    public TxId {
        if (view < 0 || seqno < 0) {
            throw new IllegalArgumentException("view and seqno must be non-negative: " + view + "." + seqno);
        }
    }

    /** Parses {@code "view.seqno"}; throws {@link IllegalArgumentException} with a clear message otherwise. */
    public static TxId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("transaction id is missing");
        }
        int dot = text.indexOf('.');
        if (dot <= 0 || dot == text.length() - 1 || text.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException("transaction id must look like <view>.<seqno>: '" + abbreviate(text) + "'");
        }
        try {
            return new TxId(Long.parseLong(text.substring(0, dot)), Long.parseLong(text.substring(dot + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("transaction id must look like <view>.<seqno>: '" + abbreviate(text) + "'");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    @Override
    public int compareTo(TxId o) {
        int c = Long.compare(seqno, o.seqno);
        return c != 0 ? c : Long.compare(view, o.view);
    }

    @Override
    public String toString() {
        return view + "." + seqno;
    }
}
