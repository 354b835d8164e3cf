package org.consort.bench;

import java.util.Locale;

/**
 * The line a load run prints to stderr every second while it runs (LoggingLoad and the Ethereum
 * load of {@code consort bench}): the second, whether it is warm-up, what was acknowledged in
 * that second, errors so far, and how far the commit point trails what was acknowledged.
 */
final class ProgressLine {
    private ProgressLine() {
    }

    /**
     * @param warmup     whether the second belongs to the warm-up
     * @param second     seconds since the phase started
     * @param perSecond  acknowledged in that second
     * @param unit       what was acknowledged, e.g. "writes/s"
     * @param errors     errors in the phase so far
     * @param commitLag  how far the commit point trails, with its unit (e.g. "812 seqnos"), or null when unknown
     * @param extra      anything else worth a glance (the primary), or null
     */
    static String format(boolean warmup, long second, long perSecond, String unit, long errors, String commitLag,
                         String extra) {
        return String.format(Locale.ROOT, "[%4d s]%s %,8d %s   errors %,d   commit lag %s%s", second,
                warmup ? " warm-up" : "", perSecond, unit, errors, commitLag == null ? "?" : commitLag,
                extra == null ? "" : "   " + extra);
    }
}
