package org.consort.evm.fork;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Ethereum forks this EVM supports, as data: each fork is its parent plus a set of EIPs.
 * The interpreter and transaction processor ask {@link #has(Eip)} instead of comparing forks,
 * so a new fork is one new constant. Immutable and thread-safe.
 */
public enum Fork {
    BERLIN(null, Eip.EIP_2565, Eip.EIP_2929, Eip.EIP_2930),
    LONDON(BERLIN, Eip.EIP_1559, Eip.EIP_3198, Eip.EIP_3529, Eip.EIP_3541),
    PARIS(LONDON, Eip.EIP_4399),
    SHANGHAI(PARIS, Eip.EIP_3651, Eip.EIP_3855, Eip.EIP_3860, Eip.EIP_4895),
    CANCUN(SHANGHAI, Eip.EIP_1153, Eip.EIP_4844, Eip.EIP_5656, Eip.EIP_6780, Eip.EIP_7516);

    private final Set<Eip> eips;

    Fork(Fork parent, Eip... added) {
        EnumSet<Eip> s = parent == null ? EnumSet.noneOf(Eip.class) : EnumSet.copyOf(parent.eips);
        s.addAll(java.util.List.of(added));
        this.eips = java.util.Collections.unmodifiableSet(s);
    }

    public boolean has(Eip eip) {
        return eips.contains(eip);
    }

    public Set<Eip> eips() {
        return eips;
    }

    /** The fork's name as the Ethereum tests spell it (Berlin, London, Paris, Shanghai, Cancun). */
    public String testName() {
        String n = name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }

    /** Looks a fork up by its test name; "Merge" is an alias of Paris. Empty when unsupported. */
    public static Optional<Fork> byName(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("MERGE")) {
            return Optional.of(PARIS);
        }
        for (Fork f : values()) {
            if (f.name().equals(n)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    // Gas schedule entries that change between the supported forks.

    /** Refund for clearing a storage slot (EIP-2200 vs EIP-3529). */
    public long sstoreClearsRefund() {
        return has(Eip.EIP_3529) ? 4800 : 15000;
    }

    /** Refunds are capped at gasUsed / this. */
    public long maxRefundQuotient() {
        return has(Eip.EIP_3529) ? 5 : 2;
    }

    public long selfDestructRefund() {
        return has(Eip.EIP_3529) ? 0 : 24000;
    }
}
