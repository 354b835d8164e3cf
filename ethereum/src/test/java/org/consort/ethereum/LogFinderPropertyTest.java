package org.consort.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.consort.ethereum.access.Visibility;
import org.consort.ethereum.chain.ChainReader;
import org.consort.ethereum.chain.IndexedLog;
import org.consort.ethereum.chain.LogIndex;
import org.consort.ethereum.chain.LogPointer;
import org.consort.ethereum.chain.StoredBlock;
import org.consort.ethereum.chain.StoredTransaction;
import org.consort.ethereum.rpc.LogCriteria;
import org.consort.ethereum.rpc.LogFinder;
import org.consort.ethereum.state.KvWorldState;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Fork;
import org.consort.evm.vm.Log;
import org.consort.kv.Store;
import org.consort.kv.StoreConfig;
import org.consort.kv.WriteTx;

/**
 * eth_getLogs through the indexes finds exactly what a scan of every log finds, for random
 * chains and random filters (address lists, topic positions with OR lists and wildcards, ranges).
 */
class LogFinderPropertyTest {
    private static final Address SENDER = Address.ofLow(0xabc);

    @Property(tries = 150)
    void indexedQueriesEqualAFullScan(@ForAll long seed) {
        Random r = new Random(seed);
        Store store = new Store(StoreConfig.defaults());
        WriteTx tx = store.writeTx();
        tx.write(EthereumMaps.NETWORK).put(EthereumMaps.NETWORK_KEY, EthereumConfig.defaults().settings().toJson());
        List<IndexedLog> all = new ArrayList<>();
        int blocks = 1 + r.nextInt(12);
        byte[] parent = StoredBlock.ZERO_HASH;
        for (int b = 0; b < blocks; b++) {
            List<byte[]> hashes = new ArrayList<>();
            int logIndex = 0;
            int txs = r.nextInt(4);
            List<StoredTransaction> stored = new ArrayList<>();
            for (int t = 0; t < txs; t++) {
                List<Log> logs = new ArrayList<>();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    List<Word> topics = new ArrayList<>();
                    int k = r.nextInt(5);
                    for (int j = 0; j < k; j++) {
                        topics.add(Word.of(r.nextInt(3)));
                    }
                    logs.add(new Log(Address.ofLow(1 + r.nextInt(3)), topics, new byte[] {(byte) i}));
                }
                byte[] hash = org.consort.crypto.Hashes.keccak256(new byte[] {(byte) b, (byte) t, (byte) seed});
                stored.add(new StoredTransaction(new byte[] {1}, 1, 0, b, StoredBlock.ZERO_HASH, t, hash, SENDER,
                        Optional.empty(), true, 21_000, 21_000, Word.ZERO, Optional.empty(), logs, logIndex));
                logIndex += n;
                hashes.add(hash);
            }
            StoredBlock block = StoredBlock.create(b, parent, 1, 30_000_000, 0, Word.ZERO, StoredBlock.ZERO_HASH,
                    StoredBlock.ZERO_HASH, StoredBlock.EMPTY_BLOOM, Address.ofLow(0), Fork.CANCUN, hashes, 0);
            parent = block.hash();
            for (StoredTransaction s : stored) {
                tx.write(EthereumMaps.TRANSACTIONS).put(s.hash(), s.encode());
                for (int i = 0; i < s.logs().size(); i++) {
                    Log l = s.logs().get(i);
                    LogIndex.add(tx, l.address(), l.topics(), new LogPointer(b, s.firstLogIndex() + i, s.hash(), i));
                    all.add(new IndexedLog(s, i));
                }
            }
            tx.write(EthereumMaps.BLOCKS).put(block.number(), block.encode());
            tx.write(EthereumMaps.HEAD).put(EthereumMaps.HEAD_KEY, block.number());
        }
        store.commit(tx);
        ChainReader chain = new ChainReader(store.readTx());
        StoredBlock head = chain.head().orElseThrow();
        Visibility everything = new Visibility(Set.of(SENDER), new KvWorldState(store.readTx()), head, chain.settings(),
                100_000);
        for (int q = 0; q < 20; q++) {
            Set<Address> addresses = new HashSet<>();
            int na = r.nextInt(3);
            for (int i = 0; i < na; i++) {
                addresses.add(Address.ofLow(1 + r.nextInt(4)));
            }
            List<Set<Word>> topics = new ArrayList<>();
            int positions = r.nextInt(4);
            for (int p = 0; p < positions; p++) {
                if (r.nextBoolean()) {
                    topics.add(null);
                } else {
                    Set<Word> any = new HashSet<>();
                    int nv = 1 + r.nextInt(2);
                    for (int i = 0; i < nv; i++) {
                        any.add(Word.of(r.nextInt(4)));
                    }
                    topics.add(any);
                }
            }
            LogCriteria criteria = new LogCriteria(addresses, topics);
            long from = r.nextInt(blocks);
            long to = from + r.nextInt(blocks - (int) from);
            List<String> expected = all.stream()
                    .filter(l -> l.transaction().blockNumber() >= from && l.transaction().blockNumber() <= to)
                    .filter(l -> criteria.matches(l.log()))
                    .map(LogFinderPropertyTest::id).toList();
            List<String> found = LogFinder.find(chain, from, to, criteria, everything, 10_000).stream()
                    .map(LogFinderPropertyTest::id).toList();
            assertThat(found).as("criteria %s, blocks %d..%d", criteria, from, to).isEqualTo(expected);
        }
    }

    private static String id(IndexedLog l) {
        return l.transaction().blockNumber() + ":" + l.logIndex();
    }

}
