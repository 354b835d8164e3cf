package org.consort.evm.state;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.consort.crypto.Hashes;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.rlp.Rlp;
import org.consort.evm.trie.MerklePatriciaTrie;

/**
 * A world state held in hash maps, with Ethereum's state root (secure Merkle-Patricia trie of
 * accounts, each with its storage trie). Used by tests and the state-test runner.
 * Not thread-safe.
 */
public final class InMemoryWorldState implements WorldState, WorldUpdater {
    private final Map<Address, Account> accounts = new HashMap<>();
    private final Map<Address, Map<Word, Word>> storage = new HashMap<>();

    @Override
    public Optional<Account> account(Address address) {
        return Optional.ofNullable(accounts.get(address));
    }

    @Override
    public Word storage(Address address, Word key) {
        Map<Word, Word> s = storage.get(address);
        if (s == null) {
            return Word.ZERO;
        }
        Word v = s.get(key);
        return v == null ? Word.ZERO : v;
    }

    @Override
    public boolean hasStorage(Address address) {
        Map<Word, Word> s = storage.get(address);
        return s != null && !s.isEmpty();
    }

    @Override
    public void putAccount(Address address, Account account) {
        accounts.put(address, account);
    }

    @Override
    public void putStorage(Address address, Word key, Word value) {
        if (value.isZero()) {
            Map<Word, Word> s = storage.get(address);
            if (s != null) {
                s.remove(key);
            }
        } else {
            storage.computeIfAbsent(address, a -> new HashMap<>()).put(key, value);
        }
    }

    @Override
    public void deleteAccount(Address address) {
        accounts.remove(address);
        storage.remove(address);
    }

    public Map<Address, Account> accounts() {
        return Map.copyOf(accounts);
    }

    /** Storage root of one account. */
    public byte[] storageRoot(Address address) {
        Map<Word, Word> s = storage.get(address);
        if (s == null || s.isEmpty()) {
            return MerklePatriciaTrie.EMPTY_ROOT.clone();
        }
        MerklePatriciaTrie t = new MerklePatriciaTrie();
        for (Map.Entry<Word, Word> e : s.entrySet()) {
            t.put(Hashes.keccak256(e.getKey().toBytes()), Rlp.encodeBytes(e.getValue().toMinimalBytes()));
        }
        return t.rootHash();
    }

    /** The state root: keccak256 of the root of the trie keyed by keccak256(address). */
    public byte[] stateRoot() {
        MerklePatriciaTrie t = new MerklePatriciaTrie();
        for (Map.Entry<Address, Account> e : accounts.entrySet()) {
            Account a = e.getValue();
            byte[] value = Rlp.encodeList(Rlp.encodeLong(a.nonce()), Rlp.encodeBytes(a.balance().toMinimalBytes()),
                    Rlp.encodeBytes(storageRoot(e.getKey())), Rlp.encodeBytes(a.codeHash()));
            t.put(Hashes.keccak256(e.getKey().toBytes()), value);
        }
        return t.rootHash();
    }
}
