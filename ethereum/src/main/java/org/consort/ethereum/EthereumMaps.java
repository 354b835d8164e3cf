package org.consort.ethereum;

import org.consort.kv.Codec;
import org.consort.kv.MapName;

/**
 * The maps of the Ethereum application. Everything about accounts, contracts, transactions,
 * receipts, logs and blocks is in private maps (encrypted in the ledger); only the network
 * settings and the binding of users to addresses are public governance maps, so that an auditor
 * can replay who may act as which address and under which rules. Constants only.
 *
 * <p>Keys are fixed-width bytes: addresses are 20 bytes, hashes and storage slots 32, numbers
 * 8 (big-endian with the sign bit flipped, {@link Codec#int64()}).
 */
public final class EthereumMaps {
    private EthereumMaps() {
    }

    /** address → RLP [nonce, balance, codeHash]. */
    public static final MapName<byte[], byte[]> ACCOUNTS = MapName.raw("ethereum.accounts");
    /** keccak256(code) → code. Never removed (code is immutable and may be shared). */
    public static final MapName<byte[], byte[]> CODE = MapName.raw("ethereum.code");
    /** address (20) || incarnation (8) || slot (32) → value (32 bytes, never zero). */
    public static final MapName<byte[], byte[]> STORAGE = MapName.raw("ethereum.storage");
    /** address → number of non-zero slots of its current incarnation (absent: none). */
    public static final MapName<byte[], Long> STORAGE_SLOTS = MapName.of("ethereum.storage_slots", Codec.bytes(), Codec.int64());
    /**
     * address → incarnation of its storage (absent: 0). Deleting an account bumps it, which makes
     * every slot of the previous incarnation unreachable without enumerating them.
     */
    public static final MapName<byte[], Long> INCARNATIONS = MapName.of("ethereum.incarnations", Codec.bytes(), Codec.int64());

    /** block number → {@link org.consort.ethereum.chain.StoredBlock} RLP. */
    public static final MapName<Long, byte[]> BLOCKS = MapName.of("ethereum.blocks", Codec.int64(), Codec.bytes());
    /** block hash → block number. */
    public static final MapName<byte[], Long> BLOCK_NUMBERS = MapName.of("ethereum.block_numbers", Codec.bytes(), Codec.int64());
    /** {@link #HEAD_KEY} → number of the latest block. */
    public static final MapName<String, Long> HEAD = MapName.of("ethereum.head", Codec.utf8(), Codec.int64());
    public static final String HEAD_KEY = "head";
    /** transaction hash → {@link org.consort.ethereum.chain.StoredTransaction} RLP (raw transaction and receipt). */
    public static final MapName<byte[], byte[]> TRANSACTIONS = MapName.raw("ethereum.transactions");

    /** address (20) || n (8) → the n-th log (from 0) that address emitted: RLP [block, txHash, logIndexInTx]. */
    public static final MapName<byte[], byte[]> LOGS_BY_ADDRESS = MapName.raw("ethereum.logs.by_address");
    /** address → how many entries {@link #LOGS_BY_ADDRESS} has for it. */
    public static final MapName<byte[], Long> LOGS_BY_ADDRESS_COUNT =
            MapName.of("ethereum.logs.by_address_count", Codec.bytes(), Codec.int64());
    /** topic position (1) || topic (32) || n (8) → the n-th log with that topic there. */
    public static final MapName<byte[], byte[]> LOGS_BY_TOPIC = MapName.raw("ethereum.logs.by_topic");
    /** topic position (1) || topic (32) → how many entries {@link #LOGS_BY_TOPIC} has for it. */
    public static final MapName<byte[], Long> LOGS_BY_TOPIC_COUNT =
            MapName.of("ethereum.logs.by_topic_count", Codec.bytes(), Codec.int64());

    /** {@link #NETWORK_KEY} → {@link NetworkSettings} JSON. Public, governance-readable. */
    public static final MapName<String, String> NETWORK =
            MapName.of("public:consort.gov.ethereum.network", Codec.utf8(), Codec.utf8());
    public static final String NETWORK_KEY = "network";
    /** user id → JSON array of 0x addresses the user may act as. Public, governance-readable. */
    public static final MapName<String, String> USER_ADDRESSES =
            MapName.of("public:consort.gov.ethereum.user_addresses", Codec.utf8(), Codec.utf8());
}
