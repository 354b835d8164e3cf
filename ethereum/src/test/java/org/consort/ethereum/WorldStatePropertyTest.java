package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.consort.ethereum.state.KvWorldState;
import org.consort.ethereum.state.KvWorldWriter;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.state.Account;
import org.consort.evm.state.InMemoryWorldState;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;

/**
 * The world state on the KV behaves like the EVM's reference in-memory world state for any
 * sequence of the writes the transaction processor makes, across several Consort transactions:
 * accounts, storage, deletion (with storage wiped by a new incarnation) and hasStorage.
 */
class WorldStatePropertyTest {
    sealed interface Op {
    }

    record PutAccount(int who, long nonce, long balance, int code) implements Op {
    }

    record PutStorage(int who, int slot, long value) implements Op {
    }

    record Delete(int who) implements Op {
    }

    record Commit() implements Op {
    }

    private static Address address(int who) {
        return Address.ofLow(0x1000 + who);
    }

    private static byte[] code(int n) {
        return n == 0 ? new byte[0] : new byte[] {0x60, (byte) n, 0x00};
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> who = Arbitraries.integers().between(0, 3);
        Arbitrary<Op> put = Combinators.combine(who, Arbitraries.longs().between(0, 3), Arbitraries.longs().between(0, 5),
                Arbitraries.integers().between(0, 2)).as(PutAccount::new);
        Arbitrary<Op> store = Combinators.combine(who, Arbitraries.integers().between(0, 4),
                Arbitraries.longs().between(0, 2)).as(PutStorage::new);
        Arbitrary<Op> delete = who.map(Delete::new);
        Arbitrary<Op> commit = Arbitraries.just(new Commit());
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, put), net.jqwik.api.Tuple.of(5, store), net.jqwik.api.Tuple.of(1, delete),
                net.jqwik.api.Tuple.of(1, commit)).list().ofMaxSize(60);
    }

    @Property(tries = 300)
    void kvWorldStateMatchesTheReference(@ForAll("ops") List<Op> ops) {
        Store store = new Store(StoreConfig.defaults());
        InMemoryWorldState reference = new InMemoryWorldState();
        WriteTx tx = store.writeTx();
        KvWorldWriter world = new KvWorldWriter(tx);
        for (Op op : ops) {
            switch (op) {
                case PutAccount p -> {
                    Account a = Account.of(p.nonce(), Word.of(p.balance()), code(p.code()));
                    reference.putAccount(address(p.who()), a);
                    world.putAccount(address(p.who()), a);
                }
                case PutStorage s -> {
                    reference.putStorage(address(s.who()), Word.of(s.slot()), Word.of(s.value()));
                    world.putStorage(address(s.who()), Word.of(s.slot()), Word.of(s.value()));
                }
                case Delete d -> {
                    reference.deleteAccount(address(d.who()));
                    world.deleteAccount(address(d.who()));
                }
                case Commit c -> {
                    store.commit(tx);
                    tx = store.writeTx();
                    world = new KvWorldWriter(tx);
                }
            }
            check(reference, world);
        }
        store.commit(tx);
        check(reference, new KvWorldState(store.readTx()));
    }

    private static void check(InMemoryWorldState reference, KvWorldState world) {
        for (int who = 0; who < 4; who++) {
            Address a = address(who);
            assertThat(world.account(a).map(WorldStatePropertyTest::describe))
                    .isEqualTo(reference.account(a).map(WorldStatePropertyTest::describe));
            assertThat(world.hasStorage(a)).as("hasStorage " + a).isEqualTo(reference.hasStorage(a));
            for (int slot = 0; slot < 5; slot++) {
                assertThat(world.storage(a, Word.of(slot))).isEqualTo(reference.storage(a, Word.of(slot)));
            }
        }
    }

    private static String describe(Account a) {
        return a.nonce() + "/" + a.balance() + "/" + org.consort.common.Hex.encode(a.code());
    }
}
