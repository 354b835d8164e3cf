package org.consort.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SmallBankMixTest {
    private static final int DRAWS = 20_000;

    /** Draws {@code DRAWS} transactions with a seeded Random; checks each draw and returns the counts by type. */
    private static Map<SmallBankMix.Type, Integer> draw(SmallBankMix mix, long seed) {
        Random random = new Random(seed);
        Map<SmallBankMix.Type, Integer> counts = new EnumMap<>(SmallBankMix.Type.class);
        for (int i = 0; i < DRAWS; i++) {
            SmallBankMix.Draw d = mix.next(random);
            counts.merge(d.type(), 1, Integer::sum);
            assertThat(d.customer()).isBetween(0, mix.accounts() - 1);
            switch (d.type()) {
                case AMALGAMATE, SEND_PAYMENT -> assertThat(d.second()).isBetween(0, mix.accounts() - 1).isNotEqualTo(d.customer());
                default -> assertThat(d.second()).isEqualTo(-1);
            }
        }
        return counts;
    }

    /** Each type's share of the draws is within five standard deviations of its weight's share. */
    private static void assertProportions(SmallBankMix mix, Map<SmallBankMix.Type, Integer> counts) {
        for (SmallBankMix.Type t : SmallBankMix.Type.values()) {
            double p = mix.share(t);
            double observed = counts.getOrDefault(t, 0) / (double) DRAWS;
            double sigma = Math.sqrt(p * (1 - p) / DRAWS);
            assertThat(observed).as("%s: weight share %.4f", t, p).isCloseTo(p, org.assertj.core.data.Offset.offset(5 * sigma + 1e-9));
        }
    }

    @Property(tries = 50)
    void theDefaultMixHoldsOverManyDraws(@ForAll long seed, @ForAll @IntRange(min = 2, max = 100_000) int accounts) {
        SmallBankMix mix = new SmallBankMix(SmallBankMix.parseWeights(SmallBankMix.DEFAULT_WEIGHTS), accounts);
        assertProportions(mix, draw(mix, seed));
    }

    @Property(tries = 50)
    void anyMixHoldsOverManyDraws(@ForAll long seed, @ForAll @IntRange(max = 40) int amalgamate, @ForAll @IntRange(max = 40) int balance,
                                  @ForAll @IntRange(max = 40) int deposit, @ForAll @IntRange(max = 40) int payment,
                                  @ForAll @IntRange(min = 1, max = 40) int savings, @ForAll @IntRange(max = 40) int check) {
        Map<SmallBankMix.Type, Integer> w = new EnumMap<>(SmallBankMix.Type.class);
        w.put(SmallBankMix.Type.AMALGAMATE, amalgamate);
        w.put(SmallBankMix.Type.BALANCE, balance);
        w.put(SmallBankMix.Type.DEPOSIT_CHECKING, deposit);
        w.put(SmallBankMix.Type.SEND_PAYMENT, payment);
        w.put(SmallBankMix.Type.TRANSACT_SAVINGS, savings);
        w.put(SmallBankMix.Type.WRITE_CHECK, check);
        SmallBankMix mix = new SmallBankMix(w, 50);
        Map<SmallBankMix.Type, Integer> counts = draw(mix, seed);
        assertProportions(mix, counts);
        w.forEach((t, x) -> {
            if (x == 0) {
                assertThat(counts).doesNotContainKey(t);
            }
        });
    }

    @Property(tries = 20)
    void aSeedDrawsTheSameTransactionsAgain(@ForAll long seed) {
        SmallBankMix mix = new SmallBankMix(SmallBankMix.parseWeights(SmallBankMix.DEFAULT_WEIGHTS), 1000);
        Random a = new Random(seed);
        Random b = new Random(seed);
        for (int i = 0; i < 1000; i++) {
            assertThat(mix.next(a)).isEqualTo(mix.next(b));
        }
    }

    @Test
    void theDefaultWeightsAreBenchBases() {
        SmallBankMix mix = new SmallBankMix(SmallBankMix.parseWeights(SmallBankMix.DEFAULT_WEIGHTS), 10);
        assertThat(mix.share(SmallBankMix.Type.SEND_PAYMENT)).isEqualTo(0.25);
        for (SmallBankMix.Type t : new SmallBankMix.Type[] {SmallBankMix.Type.AMALGAMATE, SmallBankMix.Type.BALANCE,
                SmallBankMix.Type.DEPOSIT_CHECKING, SmallBankMix.Type.TRANSACT_SAVINGS, SmallBankMix.Type.WRITE_CHECK}) {
            assertThat(mix.share(t)).as(t.label).isEqualTo(0.15);
        }
        assertThat(mix.toString()).contains("SendPayment 25%", "Balance 15%");
    }

    @Test
    void amountsAndInitialBalancesAreBenchBases() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            assertThat(SmallBankMix.initialBalance(random)).isBetween(1_000_000L, 5_000_000L);
        }
        SmallBankMix mix = new SmallBankMix(Map.of(SmallBankMix.Type.WRITE_CHECK, 1), 2);
        assertThat(mix.next(random).amountCents()).isEqualTo(500);
    }

    @Test
    void badWeightsAreRefused() {
        assertThatThrownBy(() -> SmallBankMix.parseWeights("Balance=15,Nonsense=3")).hasMessageContaining("Nonsense");
        assertThatThrownBy(() -> SmallBankMix.parseWeights("Balance")).hasMessageContaining("Name=weight");
        assertThatThrownBy(() -> SmallBankMix.parseWeights("Balance=x")).hasMessageContaining("not a whole number");
        assertThatThrownBy(() -> new SmallBankMix(Map.of(SmallBankMix.Type.BALANCE, 0), 10)).hasMessageContaining("above 0");
        assertThatThrownBy(() -> new SmallBankMix(Map.of(SmallBankMix.Type.BALANCE, -1), 10)).hasMessageContaining("negative");
        assertThatThrownBy(() -> new SmallBankMix(Map.of(SmallBankMix.Type.BALANCE, 1), 1)).hasMessageContaining("2 accounts");
        assertThat(SmallBankMix.parseWeights("balance=1, writecheck=2")).containsEntry(SmallBankMix.Type.WRITE_CHECK, 2);
    }
}
