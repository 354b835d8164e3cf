package org.consort.ethereum.chain;

/** What building a block decided for one candidate transaction. Immutable. */
public sealed interface Decision {
    /** In the block. */
    record Included(long blockNumber, int index) implements Decision {
    }

    /** Never includable as it stands; {@code message} is what {@code eth_sendRawTransaction} answers. */
    record Rejected(String message) implements Decision {
    }

    /** Its nonce is ahead of its sender's: it may become includable when the missing ones arrive. */
    record NonceAhead(long accountNonce) implements Decision {
    }

    /** The block is full: it goes into the next one. */
    record BlockFull() implements Decision {
    }
}
