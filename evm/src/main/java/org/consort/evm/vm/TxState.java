package org.consort.evm.vm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.state.Account;
import org.consort.evm.state.WorldState;
import org.consort.evm.state.WorldUpdater;

/**
 * Everything one transaction changes, on top of a {@link WorldState}, with a journal so that a
 * failed call frame can be undone: accounts, storage, warm sets (EIP-2929), transient storage
 * (EIP-1153), touched and self-destructed accounts, logs and the refund counter.
 *
 * <p>{@link #snapshot()} marks a point; {@link #revertTo(int)} undoes everything after it. At
 * the end of a transaction {@link #commit(WorldUpdater)} writes the net effect. Not
 * thread-safe: one transaction, one thread.
 */
public final class TxState {

    /** An account's current state within the transaction. */
    static final class Acc {
        final Address address;
        final boolean existedInWorld;
        boolean exists;
        long nonce;
        Word balance;
        byte[] code;
        byte[] codeHash;
        /** Slots written in this transaction (current values). */
        Map<Word, Word> storage = new HashMap<>();
        /** True when the world's storage of this account no longer applies (re-created). */
        boolean storageCleared;
        boolean dirty;

        Acc(Address address, Optional<Account> world) {
            this.address = address;
            this.existedInWorld = world.isPresent();
            this.exists = existedInWorld;
            Account a = world.orElse(null);
            this.nonce = a == null ? 0 : a.nonce();
            this.balance = a == null ? Word.ZERO : a.balance();
            this.code = a == null ? new byte[0] : a.code();
            this.codeHash = a == null ? Account.EMPTY_CODE_HASH : a.codeHash();
        }

        boolean isEmpty() {
            return nonce == 0 && balance.isZero() && code.length == 0;
        }
    }

    record Slot(Address address, Word key) {
    }

    private final WorldState world;
    private final LinkedHashMap<Address, Acc> accounts = new LinkedHashMap<>();
    private final ArrayList<Runnable> journal = new ArrayList<>();
    private final Set<Address> warmAddresses = new HashSet<>();
    private final Set<Slot> warmSlots = new HashSet<>();
    private final Map<Slot, Word> transientStorage = new HashMap<>();
    private final Set<Address> touched = new HashSet<>();
    private final Set<Address> stickyTouched = new HashSet<>();
    private final Set<Address> selfDestructs = new HashSet<>();
    private final Set<Address> created = new HashSet<>();
    private final List<Log> logs = new ArrayList<>();
    private long refund;

    public TxState(WorldState world) {
        this.world = world;
    }

    Acc acc(Address a) {
        Acc acc = accounts.get(a);
        if (acc == null) {
            acc = new Acc(a, world.account(a));
            accounts.put(a, acc);
        }
        return acc;
    }

    public int snapshot() {
        return journal.size();
    }

    public void revertTo(int snapshot) {
        for (int i = journal.size() - 1; i >= snapshot; i--) {
            journal.remove(i).run();
        }
    }

    // ---- reads

    public boolean exists(Address a) {
        return acc(a).exists;
    }

    /** Exists and is not empty (EIP-161 "alive"). */
    public boolean isAlive(Address a) {
        Acc acc = acc(a);
        return acc.exists && !acc.isEmpty();
    }

    public Word balance(Address a) {
        return acc(a).balance;
    }

    public long nonce(Address a) {
        return acc(a).nonce;
    }

    public byte[] code(Address a) {
        return acc(a).code;
    }

    public byte[] codeHash(Address a) {
        return acc(a).codeHash;
    }

    public Word storage(Address a, Word key) {
        Acc acc = acc(a);
        Word v = acc.storage.get(key);
        if (v != null) {
            return v;
        }
        return acc.storageCleared ? Word.ZERO : world.storage(a, key);
    }

    /** Value at the start of the transaction (EIP-2200); zero for accounts created in it. */
    public Word originalStorage(Address a, Word key) {
        if (created.contains(a) || acc(a).storageCleared) {
            return Word.ZERO;
        }
        return world.storage(a, key);
    }

    /** EIP-7610: an address with code, nonce or storage cannot be created at. */
    public boolean hasCodeNonceOrStorage(Address a) {
        Acc acc = acc(a);
        if (acc.nonce != 0 || acc.code.length != 0) {
            return true;
        }
        if (!acc.storageCleared && acc.existedInWorld && world.hasStorage(a)) {
            return true;
        }
        for (Word v : acc.storage.values()) {
            if (!v.isZero()) {
                return true;
            }
        }
        return false;
    }

    public boolean wasCreated(Address a) {
        return created.contains(a);
    }

    // ---- writes (journaled)

    private void saveAccount(Acc acc) {
        boolean exists = acc.exists;
        long nonce = acc.nonce;
        Word balance = acc.balance;
        byte[] code = acc.code;
        byte[] codeHash = acc.codeHash;
        journal.add(() -> {
            acc.exists = exists;
            acc.nonce = nonce;
            acc.balance = balance;
            acc.code = code;
            acc.codeHash = codeHash;
        });
        acc.dirty = true;
        acc.exists = true;
    }

    public void setBalance(Address a, Word balance) {
        Acc acc = acc(a);
        saveAccount(acc);
        acc.balance = balance;
    }

    public void addBalance(Address a, Word amount) {
        if (!amount.isZero()) {
            setBalance(a, balance(a).add(amount));
        }
    }

    /** Moves value; the caller has checked the balance. */
    public void transfer(Address from, Address to, Word value) {
        if (value.isZero()) {
            return;
        }
        setBalance(from, balance(from).subtract(value));
        setBalance(to, balance(to).add(value));
    }

    public void setNonce(Address a, long nonce) {
        Acc acc = acc(a);
        saveAccount(acc);
        acc.nonce = nonce;
    }

    public void incrementNonce(Address a) {
        setNonce(a, nonce(a) + 1);
    }

    public void setCode(Address a, byte[] code) {
        Acc acc = acc(a);
        saveAccount(acc);
        acc.code = code;
        acc.codeHash = code.length == 0 ? Account.EMPTY_CODE_HASH : Hashes.keccak256(code);
    }

    public void setStorage(Address a, Word key, Word value) {
        Acc acc = acc(a);
        Word old = acc.storage.put(key, value);
        acc.dirty = true;
        journal.add(old == null ? () -> acc.storage.remove(key) : () -> acc.storage.put(key, old));
    }

    /** Wipes storage and marks the account created in this transaction (CREATE/CREATE2 target). */
    public void markCreated(Address a) {
        Acc acc = acc(a);
        Map<Word, Word> oldStorage = acc.storage;
        boolean oldCleared = acc.storageCleared;
        boolean added = created.add(a);
        journal.add(() -> {
            acc.storage = oldStorage;
            acc.storageCleared = oldCleared;
            if (added) {
                created.remove(a);
            }
        });
        acc.storage = new HashMap<>();
        acc.storageCleared = true;
        acc.dirty = true;
        saveAccount(acc);
    }

    public boolean isWarm(Address a) {
        return warmAddresses.contains(a);
    }

    /** Marks warm; returns true if it was cold. */
    public boolean warm(Address a) {
        if (warmAddresses.add(a)) {
            journal.add(() -> warmAddresses.remove(a));
            return true;
        }
        return false;
    }

    public boolean warmSlot(Address a, Word key) {
        Slot s = new Slot(a, key);
        if (warmSlots.add(s)) {
            journal.add(() -> warmSlots.remove(s));
            return true;
        }
        return false;
    }

    public Word transientLoad(Address a, Word key) {
        Word v = transientStorage.get(new Slot(a, key));
        return v == null ? Word.ZERO : v;
    }

    public void transientStore(Address a, Word key, Word value) {
        Slot s = new Slot(a, key);
        Word old = value.isZero() ? transientStorage.remove(s) : transientStorage.put(s, value);
        journal.add(old == null ? () -> transientStorage.remove(s) : () -> transientStorage.put(s, old));
    }

    /** EIP-161 touch; RIPEMD-160's touch survives reverts (mainnet block 2675119 quirk). */
    public void touch(Address a) {
        if (touched.add(a)) {
            journal.add(() -> touched.remove(a));
        }
        if (a.smallNumber() == 3) {
            stickyTouched.add(a);
        }
    }

    public void addLog(Log log) {
        logs.add(log);
        journal.add(() -> logs.remove(logs.size() - 1));
    }

    public List<Log> logs() {
        return List.copyOf(logs);
    }

    public void addRefund(long delta) {
        if (delta != 0) {
            refund += delta;
            journal.add(() -> refund -= delta);
        }
    }

    public long refund() {
        return refund;
    }

    /** Registers an account for deletion at the end of the transaction; false if already registered. */
    public boolean selfDestruct(Address a) {
        if (selfDestructs.add(a)) {
            journal.add(() -> selfDestructs.remove(a));
            return true;
        }
        return false;
    }

    /** Deletes an account outright (end of transaction; not journaled). */
    public void destroy(Address a) {
        Acc acc = acc(a);
        acc.exists = false;
        acc.nonce = 0;
        acc.balance = Word.ZERO;
        acc.code = new byte[0];
        acc.codeHash = Account.EMPTY_CODE_HASH;
        acc.storage = new HashMap<>();
        acc.storageCleared = true;
        acc.dirty = true;
    }

    /** End of transaction: self-destructs, then touched accounts left empty (EIP-161). */
    public void finish() {
        for (Address a : selfDestructs) {
            destroy(a);
        }
        Set<Address> all = new HashSet<>(touched);
        all.addAll(stickyTouched);
        for (Address a : all) {
            Acc acc = acc(a);
            if (acc.exists && acc.isEmpty()) {
                destroy(a);
            }
        }
        journal.clear();
    }

    /** Writes the net effect of the transaction. */
    public void commit(WorldUpdater out) {
        for (Acc acc : accounts.values()) {
            if (!acc.dirty) {
                continue;
            }
            if (!acc.exists) {
                if (acc.existedInWorld) {
                    out.deleteAccount(acc.address);
                }
                continue;
            }
            if (acc.storageCleared && acc.existedInWorld) {
                out.deleteAccount(acc.address);
            }
            out.putAccount(acc.address, new Account(acc.nonce, acc.balance, acc.code, acc.codeHash));
            for (Map.Entry<Word, Word> e : acc.storage.entrySet()) {
                out.putStorage(acc.address, e.getKey(), e.getValue());
            }
        }
    }
}
