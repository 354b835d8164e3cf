package org.consort.evm.rlp;

import java.math.BigInteger;
import java.util.List;

/** A decoded RLP item: a byte string or a list of items. Immutable once built. */
public sealed interface RlpItem {

    /** A byte string. */
    record Bytes(byte[] value) implements RlpItem {
        /** The string read as a canonical big-endian unsigned integer (no leading zeros). */
        public BigInteger asBigInteger() {
            if (value.length > 0 && value[0] == 0) {
                throw new RlpException("integer has a leading zero byte");
            }
            return new BigInteger(1, value);
        }
    }

    /** A list of items. */
    record ListItem(List<RlpItem> items) implements RlpItem {
    }

    default byte[] bytes() {
        if (this instanceof Bytes b) {
            return b.value();
        }
        throw new RlpException("expected an RLP string, found a list");
    }

    default List<RlpItem> list() {
        if (this instanceof ListItem l) {
            return l.items();
        }
        throw new RlpException("expected an RLP list, found a string");
    }
}
