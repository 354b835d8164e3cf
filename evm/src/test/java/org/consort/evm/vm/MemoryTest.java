package org.consort.evm.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemoryTest {

    @Test
    void costIsLinearPlusQuadratic() {
        assertThat(Memory.cost(0)).isZero();
        assertThat(Memory.cost(1)).isEqualTo(3);
        assertThat(Memory.cost(32)).isEqualTo(98);
        assertThat(Memory.cost(1024)).isEqualTo(3 * 1024 + 2048);
    }

    @Test
    void expansionIsChargedOnlyForNewWords() {
        Memory m = new Memory();
        assertThat(m.expansionCost(0, 32)).isEqualTo(3);
        m.ensure(0, 32);
        assertThat(m.size()).isEqualTo(32);
        assertThat(m.expansionCost(0, 32)).isZero();
        assertThat(m.expansionCost(31, 2)).isEqualTo(3);
        assertThat(m.expansionCost(1000, 0)).as("zero length never expands").isZero();
    }

    @Test
    void hugeRequestsCostMoreThanAnyGasInsteadOfAllocating() {
        Memory m = new Memory();
        assertThat(m.expansionCost(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(m.expansionCost(0, Memory.MAX_BYTES + 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(m.expansionCost(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void copyPadsWithZeros() {
        Memory m = new Memory();
        m.ensure(0, 64);
        m.copyFrom(new byte[] {1, 2, 3}, 1, 0, 4);
        assertThat(m.slice(0, 4)).containsExactly(2, 3, 0, 0);
        m.copyWithin(0, 1, 3);
        assertThat(m.slice(0, 4)).containsExactly(2, 2, 3, 0);
    }
}
