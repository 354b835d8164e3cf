package org.consort.evm.tx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.consort.common.Hex;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.fork.Fork;
import org.consort.evm.state.Account;
import org.consort.evm.state.InMemoryWorldState;
import org.consort.evm.vm.BlockEnv;
import org.junit.jupiter.api.Test;

class TransactionProcessorTest {
    private static final Address SENDER = Address.fromHex("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    private static final Address CONTRACT = Address.fromHex("0x1000000000000000000000000000000000000001");
    private static final Address COINBASE = Address.fromHex("0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba");
    private static final Word ETHER = Word.of(1_000_000_000_000_000_000L);

    private static BlockEnv block() {
        return new BlockEnv(COINBASE, 30_000_000, 1, 1000, Word.ZERO, Word.ZERO, Word.of(7), 0, Word.ONE,
                n -> Word.ZERO);
    }

    private static InMemoryWorldState world(String code) {
        InMemoryWorldState w = new InMemoryWorldState();
        w.putAccount(SENDER, Account.of(0, ETHER, new byte[0]));
        w.putAccount(CONTRACT, Account.of(1, Word.ZERO, Hex.decode(code)));
        return w;
    }

    private static Transaction call(long nonce, long gas) {
        return new Transaction(2, SENDER, Word.of(nonce), Word.ZERO, Word.of(1), Word.of(10), Word.of(gas),
                Optional.of(CONTRACT), Word.ZERO, new byte[0], List.of(), Word.ZERO, List.of());
    }

    @Test
    void sstoreChargesColdSetAndPaysFees() throws Exception {
        InMemoryWorldState w = world("600160005500"); // SSTORE(0, 1)
        TransactionResult r = new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(0, 100_000));
        assertThat(r.success()).isTrue();
        assertThat(r.gasUsed()).isEqualTo(21000 + 3 + 3 + 22100);
        assertThat(w.storage(CONTRACT, Word.ZERO)).isEqualTo(Word.ONE);
        assertThat(w.account(SENDER).orElseThrow().nonce()).isEqualTo(1);
        // effective price 7 + 1 = 8; the coinbase gets the priority fee only
        assertThat(w.account(SENDER).orElseThrow().balance()).isEqualTo(ETHER.subtract(Word.of(8 * r.gasUsed())));
        assertThat(w.account(COINBASE).orElseThrow().balance()).isEqualTo(Word.of(r.gasUsed()));
    }

    @Test
    void revertKeepsDataAndUndoesState() throws Exception {
        // SSTORE(0,1); MSTORE(0, 0xaa); REVERT(0, 32)
        InMemoryWorldState w = world("600160005560aa60005260206000fd");
        TransactionResult r = new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(0, 100_000));
        assertThat(r.success()).isFalse();
        assertThat(r.error()).isEqualTo("revert");
        assertThat(r.output()).hasSize(32).endsWith((byte) 0xaa);
        assertThat(w.storage(CONTRACT, Word.ZERO)).isEqualTo(Word.ZERO);
        assertThat(r.gasUsed()).isLessThan(100_000);
    }

    @Test
    void badBytecodeHaltsAndConsumesAllGas() throws Exception {
        InMemoryWorldState w = world("fe");
        TransactionResult r = new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(0, 50_000));
        assertThat(r.success()).isFalse();
        assertThat(r.error()).contains("INVALID");
        assertThat(r.gasUsed()).isEqualTo(50_000);
    }

    @Test
    void endlessLoopStopsWhenGasRunsOut() throws Exception {
        InMemoryWorldState w = world("5b600056"); // JUMPDEST PUSH1 0 JUMP
        TransactionResult r = new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(0, 1_000_000));
        assertThat(r.success()).isFalse();
        assertThat(r.error()).isEqualTo("out of gas");
    }

    @Test
    void forkDecidesWhichOpcodesExist() throws Exception {
        InMemoryWorldState w = world("5f00"); // PUSH0 STOP: Shanghai and later
        Transaction legacy = new Transaction(0, SENDER, Word.ZERO, Word.of(10), Word.ZERO, Word.ZERO, Word.of(100_000),
                Optional.of(CONTRACT), Word.ZERO, new byte[0], List.of(), Word.ZERO, List.of());
        assertThat(new TransactionProcessor(Fork.PARIS).process(w, w, block(), legacy).success()).isFalse();
        InMemoryWorldState w2 = world("5f00");
        assertThat(new TransactionProcessor(Fork.SHANGHAI).process(w2, w2, block(), legacy).success()).isTrue();
    }

    @Test
    void invalidTransactionLeavesStateUntouched() {
        InMemoryWorldState w = world("00");
        byte[] before = w.stateRoot();
        assertThatThrownBy(() -> new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(5, 100_000)))
                .isInstanceOf(InvalidTransactionException.class).hasMessageContaining("nonce");
        assertThatThrownBy(() -> new TransactionProcessor(Fork.CANCUN).process(w, w, block(), call(0, 20_000)))
                .isInstanceOf(InvalidTransactionException.class).hasMessageContaining("intrinsic gas");
        assertThat(w.stateRoot()).isEqualTo(before);
    }

    @Test
    void callDepthLimitIsReachedEvenFromAThreadWithASmallStack() throws Exception {
        // SSTORE(0, SLOAD(0) + 1); CALL(GAS, ADDRESS, 0, 0, 0, 0, 0): recurses until the depth limit
        InMemoryWorldState w = world("6000546001016000556000600060006000600030" + "5af100");
        Transaction tx = new Transaction(0, SENDER, Word.ZERO, Word.ONE, Word.ZERO, Word.ZERO, Word.of(1L << 40),
                Optional.of(CONTRACT), Word.ZERO, new byte[0], List.of(), Word.ZERO, List.of());
        BlockEnv env = new BlockEnv(COINBASE, Long.MAX_VALUE, 1, 1000, Word.ZERO, Word.ZERO, Word.ZERO, 0, Word.ONE,
                n -> Word.ZERO);
        w.putAccount(SENDER, Account.of(0, Word.MAX.subtract(Word.of(1)), new byte[0]));
        TransactionResult[] result = new TransactionResult[1];
        Throwable[] failure = new Throwable[1];
        Thread small = new Thread(null, () -> {
            try {
                result[0] = new TransactionProcessor(Fork.CANCUN).process(w, w, env, tx);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 256 * 1024);
        small.start();
        small.join();
        assertThat(failure[0]).isNull();
        assertThat(result[0].success()).isTrue();
        // the transaction's frame (depth 0) plus 1024 nested calls; the 1025th nested call fails
        assertThat(w.storage(CONTRACT, Word.ZERO)).isEqualTo(Word.of(1025));
    }

    @Test
    void blobBaseFeeFollowsEip4844() {
        assertThat(TransactionProcessor.blobBaseFee(0)).isEqualTo(1);
        assertThat(TransactionProcessor.blobBaseFee(10_000_000).longValue()).isEqualTo(19);
    }
}
