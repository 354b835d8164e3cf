package org.consort.governance;

import java.time.Duration;

/**
 * The caps on one script run (one validate, one ballot, one resolve or one apply), each in its
 * own fresh sandbox context.
 *
 * <p>{@code statementsMax} is GraalJS's deterministic statement limit. {@code timeMax} is a
 * wall-clock cap. {@code allocatedBytesMax} bounds the bytes the running thread allocates (JS
 * objects plus the interpreter's own garbage): GraalJS community has no heap cap
 * ({@code sandbox.MaxHeapMemory} needs the ISOLATED policy of Oracle GraalVM), so a watchdog
 * reads the thread's allocation counter every {@code watchdogPeriod} and cancels the context
 * when it is over. Single huge allocations are bounded separately: strings to
 * {@code stringLengthMax} characters, typed arrays to {@code typedArrayLengthMax} elements.
 * Immutable.
 */
public record ConstitutionLimits(long statementsMax, Duration timeMax, long allocatedBytesMax,
                                 int stringLengthMax, int typedArrayLengthMax, Duration watchdogPeriod) {
    public ConstitutionLimits {
        if (statementsMax < 1 || allocatedBytesMax < 1 || stringLengthMax < 1 || typedArrayLengthMax < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (timeMax.isNegative() || timeMax.isZero() || watchdogPeriod.isNegative() || watchdogPeriod.isZero()) {
            throw new IllegalArgumentException("durations must be positive");
        }
    }

    /** 1,000,000 statements, 5 s, 256 MiB allocated, 4 Mi-character strings, 1 Mi-element typed arrays, 2 ms watchdog. */
    public static ConstitutionLimits defaults() {
        return new ConstitutionLimits(1_000_000, Duration.ofSeconds(5), 256L << 20, 4 << 20, 1 << 20,
                Duration.ofMillis(2));
    }
}
