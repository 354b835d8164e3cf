package org.consort.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The SmallBank transaction mix: which transaction a client sends next, on which customers, for
 * how much. The default weights are BenchBase's (the H-Store SmallBank of Alomari et al.):
 * Amalgamate 15, Balance 15, DepositChecking 15, SendPayment 25, TransactSavings 15, WriteCheck
 * 15 (percent); customers are drawn uniformly, two different ones for Amalgamate and
 * SendPayment; the amounts are BenchBase's, in cents. Deterministic for a given {@link Random}, so
 * a seeded run draws the same transactions again.
 */
final class SmallBankMix {
    /** SmallBank's transactions; only Balance is read-only. */
    enum Type {
        AMALGAMATE("Amalgamate"), BALANCE("Balance"), DEPOSIT_CHECKING("DepositChecking"), SEND_PAYMENT("SendPayment"),
        TRANSACT_SAVINGS("TransactSavings"), WRITE_CHECK("WriteCheck");

        final String label;

        Type(String label) {
            this.label = label;
        }

        boolean writes() {
            return this != BALANCE;
        }

        static Type byLabel(String label) {
            for (Type t : values()) {
                if (t.label.equalsIgnoreCase(label)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("no SmallBank transaction '" + label + "' (known: "
                    + Arrays.stream(values()).map(t -> t.label).toList() + ")");
        }
    }

    /** BenchBase's default weights, in the order of {@link Type}. */
    static final String DEFAULT_WEIGHTS = "Amalgamate=15,Balance=15,DepositChecking=15,SendPayment=25,TransactSavings=15,WriteCheck=15";

    /** BenchBase's amounts, in cents: a deposit of 1.30, a savings withdrawal of 20.20, a check and a payment of 5.00. */
    static final long DEPOSIT_CHECKING_CENTS = 130;
    static final long TRANSACT_SAVINGS_CENTS = -2020;
    static final long WRITE_CHECK_CENTS = 500;
    static final long SEND_PAYMENT_CENTS = 500;

    /** BenchBase's initial balances: uniform in [10,000, 50,000] dollars, for checking and savings each. */
    static final long MIN_BALANCE_CENTS = 1_000_000;
    static final long MAX_BALANCE_CENTS = 5_000_000;

    /** One drawn transaction: its type, its customers ({@code second} is -1 unless it takes two) and amount in cents. */
    record Draw(Type type, int customer, int second, long amountCents) {
    }

    private final Map<Type, Integer> weights;
    /** The types with a weight above 0, and the running sum of their weights. */
    private final Type[] types;
    private final int[] upTo;
    private final int total;
    private final int accounts;

    /**
     * @param weights  the relative weight of each transaction (missing ones 0, at least one above 0)
     * @param accounts the number of customers, at least 2
     */
    SmallBankMix(Map<Type, Integer> weights, int accounts) {
        if (accounts < 2) {
            throw new IllegalArgumentException("SmallBank needs at least 2 accounts");
        }
        EnumMap<Type, Integer> w = new EnumMap<>(Type.class);
        for (Type t : Type.values()) {
            int x = weights.getOrDefault(t, 0);
            if (x < 0) {
                throw new IllegalArgumentException("a weight must not be negative: " + t.label + "=" + x);
            }
            w.put(t, x);
        }
        this.weights = w;
        this.total = w.values().stream().mapToInt(Integer::intValue).reduce(0, Math::addExact);
        if (total <= 0) {
            throw new IllegalArgumentException("at least one SmallBank weight must be above 0");
        }
        List<Type> drawn = new ArrayList<>();
        List<Integer> sums = new ArrayList<>();
        int sum = 0;
        for (var e : w.entrySet()) {
            if (e.getValue() > 0) {
                sum = Math.addExact(sum, e.getValue());
                drawn.add(e.getKey());
                sums.add(sum);
            }
        }
        this.types = drawn.toArray(Type[]::new);
        this.upTo = sums.stream().mapToInt(Integer::intValue).toArray();
        this.accounts = accounts;
    }

    /** Parses {@code Name=weight,...} (names as in {@link Type#label}, case-insensitive). */
    static Map<Type, Integer> parseWeights(String text) {
        Map<Type, Integer> w = new EnumMap<>(Type.class);
        for (String part : text.split(",")) {
            String[] kv = part.trim().split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("expected Name=weight, got '" + part.trim() + "'");
            }
            try {
                w.put(Type.byLabel(kv[0].trim()), Integer.parseInt(kv[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a whole number: '" + kv[1].trim() + "' for " + kv[0].trim());
            }
        }
        return w;
    }

    /** The share of {@code type} in the mix, between 0 and 1. */
    double share(Type type) {
        return weights.get(type) / (double) total;
    }

    Map<Type, Integer> weights() {
        return weights;
    }

    int accounts() {
        return accounts;
    }

    /** The next transaction, drawn with {@code random}. */
    Draw next(Random random) {
        int x = random.nextInt(total);
        int i = 0;
        while (upTo[i] <= x) {
            i++;
        }
        Type type = types[i];
        int a = random.nextInt(accounts);
        return switch (type) {
            case AMALGAMATE, SEND_PAYMENT -> {
                int b = random.nextInt(accounts - 1);
                yield new Draw(type, a, b >= a ? b + 1 : b, type == Type.SEND_PAYMENT ? SEND_PAYMENT_CENTS : 0);
            }
            case BALANCE -> new Draw(type, a, -1, 0);
            case DEPOSIT_CHECKING -> new Draw(type, a, -1, DEPOSIT_CHECKING_CENTS);
            case TRANSACT_SAVINGS -> new Draw(type, a, -1, TRANSACT_SAVINGS_CENTS);
            case WRITE_CHECK -> new Draw(type, a, -1, WRITE_CHECK_CENTS);
        };
    }

    /** An initial balance in cents, drawn with {@code random}. */
    static long initialBalance(Random random) {
        return MIN_BALANCE_CENTS + (long) (random.nextDouble() * (MAX_BALANCE_CENTS - MIN_BALANCE_CENTS + 1));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        weights.forEach((t, x) -> b.append(b.isEmpty() ? "" : ", ").append(t.label).append(' ')
                .append(String.format(Locale.ROOT, "%.0f%%", 100.0 * x / total)));
        return b.toString();
    }
}
