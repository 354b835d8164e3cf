package org.consort.ledger;

/** What a ledger entry holds; the code is the byte stored at offset 5 of the entry. */
public enum EntryKind {
    /** A transaction's write set (public part: the KV's public write-set serialisation). */
    WRITE_SET(1),
    /** A signature over the Merkle root of every earlier entry ({@link SignaturePayload}). */
    SIGNATURE(2);

    private final int code;

    EntryKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind for a stored code; IllegalArgumentException for unknown codes. */
    public static EntryKind ofCode(int code) {
        for (EntryKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown entry kind " + code);
    }
}
