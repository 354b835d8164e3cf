package org.consort.ethereum.state;

import org.consort.ethereum.EthereumMaps;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.state.Account;
import org.consort.evm.state.WorldUpdater;
import org.consort.kv.MapWriter;
import org.consort.kv.WriteTx;

/**
 * The Ethereum world state inside a Consort write transaction: reads see the transaction's own
 * writes (so the transactions of one block see each other's effects), and the transaction
 * processor writes each transaction's effects back into it. Not thread-safe.
 */
public final class KvWorldWriter extends KvWorldState implements WorldUpdater {
    private final MapWriter<byte[], byte[]> accounts;
    private final MapWriter<byte[], byte[]> code;
    private final MapWriter<byte[], byte[]> storage;
    private final MapWriter<byte[], Long> slots;
    private final MapWriter<byte[], Long> incarnations;

    public KvWorldWriter(WriteTx tx) {
        this(tx.write(EthereumMaps.ACCOUNTS), tx.write(EthereumMaps.CODE), tx.write(EthereumMaps.STORAGE),
                tx.write(EthereumMaps.STORAGE_SLOTS), tx.write(EthereumMaps.INCARNATIONS));
    }

    private KvWorldWriter(MapWriter<byte[], byte[]> accounts, MapWriter<byte[], byte[]> code,
            MapWriter<byte[], byte[]> storage, MapWriter<byte[], Long> slots, MapWriter<byte[], Long> incarnations) {
        super(accounts, code, storage, slots, incarnations);
        this.accounts = accounts;
        this.code = code;
        this.storage = storage;
        this.slots = slots;
        this.incarnations = incarnations;
    }

    @Override
    public void putAccount(Address address, Account account) {
        if (account.code().length > 0 && !code.containsKey(account.codeHash())) {
            code.put(account.codeHash(), account.code());
        }
        accounts.put(address.toBytes(), AccountCodec.encode(account.nonce(), account.balance(), account.codeHash()));
    }

    @Override
    public void putStorage(Address address, Word key, Word value) {
        byte[] a = address.toBytes();
        byte[] k = AccountCodec.slotKey(a, incarnation(a), key);
        boolean had = storage.containsKey(k);
        if (value.isZero()) {
            if (had) {
                storage.remove(k);
                adjustSlots(a, -1);
            }
        } else {
            storage.put(k, value.toBytes());
            if (!had) {
                adjustSlots(a, +1);
            }
        }
    }

    private void adjustSlots(byte[] address, long delta) {
        long n = slots.get(address).orElse(0L) + delta;
        if (n <= 0) {
            slots.remove(address);
        } else {
            slots.put(address, n);
        }
    }

    @Override
    public void deleteAccount(Address address) {
        byte[] a = address.toBytes();
        accounts.remove(a);
        if (slots.get(a).orElse(0L) > 0) {
            // The old slots stay in the store but are unreachable: reads use the new incarnation.
            incarnations.put(a, incarnation(a) + 1);
            slots.remove(a);
        }
    }

    /** Sets a genesis allocation (balance only, nonce 0, no code). */
    public void allocate(Address address, Word balance) {
        accounts.put(address.toBytes(), AccountCodec.encode(0, balance, Account.EMPTY_CODE_HASH));
    }
}
