package org.consort.ethereum.state;

import java.util.Optional;
import org.consort.ethereum.EthereumMaps;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.state.Account;
import org.consort.evm.state.WorldState;
import org.consort.kv.MapReader;
import org.consort.kv.ReadTx;

/**
 * The Ethereum world state read from one snapshot of the Consort store (a {@link ReadTx}):
 * what {@code eth_call}, {@code eth_getBalance} and the access checks see. Cannot write: the
 * type has no write methods and the transaction it reads is read-only. Not thread-safe.
 */
public class KvWorldState implements WorldState {
    private final MapReader<byte[], byte[]> accounts;
    private final MapReader<byte[], byte[]> code;
    private final MapReader<byte[], byte[]> storage;
    private final MapReader<byte[], Long> slots;
    private final MapReader<byte[], Long> incarnations;

    public KvWorldState(ReadTx tx) {
        this(tx.read(EthereumMaps.ACCOUNTS), tx.read(EthereumMaps.CODE), tx.read(EthereumMaps.STORAGE),
                tx.read(EthereumMaps.STORAGE_SLOTS), tx.read(EthereumMaps.INCARNATIONS));
    }

    KvWorldState(MapReader<byte[], byte[]> accounts, MapReader<byte[], byte[]> code, MapReader<byte[], byte[]> storage,
            MapReader<byte[], Long> slots, MapReader<byte[], Long> incarnations) {
        this.accounts = accounts;
        this.code = code;
        this.storage = storage;
        this.slots = slots;
        this.incarnations = incarnations;
    }

    @Override
    public Optional<Account> account(Address address) {
        Optional<byte[]> raw = accounts.get(address.toBytes());
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        AccountCodec.Stored s = AccountCodec.decode(raw.get());
        byte[] c = java.util.Arrays.equals(s.codeHash(), Account.EMPTY_CODE_HASH) ? new byte[0]
                : code.get(s.codeHash()).orElseThrow(() -> new IllegalStateException("code " + Word.fromBytes(s.codeHash())
                        + " of account " + address + " is missing from the store"));
        return Optional.of(new Account(s.nonce(), s.balance(), c, s.codeHash()));
    }

    @Override
    public Word storage(Address address, Word key) {
        byte[] a = address.toBytes();
        return storage.get(AccountCodec.slotKey(a, incarnation(a), key)).map(Word::fromBytes).orElse(Word.ZERO);
    }

    @Override
    public boolean hasStorage(Address address) {
        return slots.get(address.toBytes()).orElse(0L) > 0;
    }

    /** The nonce of {@code address} (0 for an account that does not exist). */
    public long nonce(Address address) {
        return accounts.get(address.toBytes()).map(r -> AccountCodec.decode(r).nonce()).orElse(0L);
    }

    /** The balance of {@code address} in wei (0 for an account that does not exist). */
    public Word balance(Address address) {
        return accounts.get(address.toBytes()).map(r -> AccountCodec.decode(r).balance()).orElse(Word.ZERO);
    }

    /** The code of {@code address} (empty for none). */
    public byte[] code(Address address) {
        return account(address).map(Account::code).orElse(new byte[0]);
    }

    long incarnation(byte[] address) {
        return incarnations.get(address).orElse(0L);
    }
}
