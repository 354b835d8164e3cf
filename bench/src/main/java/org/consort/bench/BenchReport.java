package org.consort.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of {@code consort bench}, the same fields for every scenario (the JSON of
 * {@code --json}), and its human summary. Fields:
 * <ul>
 * <li>{@code scenario}, {@code nodes}, {@code network} ("sandbox" or the network.json used),
 *     {@code loop} ("closed" or "open"), {@code clients}, {@code rate} (operations/s of an open
 *     loop, else null), {@code batch}, {@code seconds}, {@code warmupSeconds};</li>
 * <li>{@code operations}, {@code operationsPerSecond}: acknowledged in the timed phase (a logging
 *     write, an ERC-20 transfer, a SmallBank transaction including Balance);</li>
 * <li>{@code committed}, {@code committedPerSecond}: acknowledged writes of the timed phase that
 *     were committed, over the time until the last of them was;</li>
 * <li>{@code responseMsP50/P99} (to the answer), {@code commitMsP50/P99} (to the commit);</li>
 * <li>{@code errorsTotal}, {@code errors} (count by kind, see LoadErrors; {@code rpc:...} for
 *     JSON-RPC errors);</li>
 * <li>{@code acknowledged}: how the acknowledged writes ended: committed, pending, invalid,
 *     unknown (invalid is null for the Ethereum scenarios, whose dropped transactions have no
 *     receipt and count as unknown);</li>
 * <li>{@code check}: the scenario's correctness check, {@code ok} true, false or null (not made);</li>
 * <li>{@code details}: what else the scenario reports (for logging, LoggingLoad's whole report).</li>
 * </ul>
 */
final class BenchReport {
    private BenchReport() {
    }

    /** The common fields from LoggingLoad's report. */
    static Map<String, Object> fromLogging(Map<String, Object> logging, boolean sandbox) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("operations", logging.get("writes"));
        r.put("operationsPerSecond", logging.get("executedWritesPerSecond"));
        r.put("committed", logging.get("committedWrites"));
        r.put("committedPerSecond", logging.get("committedWritesPerSecond"));
        r.put("responseMsP50", logging.get("latencyMsP50"));
        r.put("responseMsP99", logging.get("latencyMsP99"));
        r.put("commitMsP50", logging.get("commitLatencyMsP50"));
        r.put("commitMsP99", logging.get("commitLatencyMsP99"));
        r.put("errorsTotal", logging.get("errorsTotal"));
        r.put("errors", logging.get("errors"));
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("committed", logging.get("committedWrites"));
        ack.put("pending", logging.get("pendingAcknowledged"));
        ack.put("invalid", logging.get("invalidAcknowledged"));
        ack.put("unknown", logging.get("unknownAcknowledged"));
        ack.put("unverified", logging.get("unverifiedAcknowledged"));
        r.put("acknowledged", ack);
        Map<String, Object> check = new LinkedHashMap<>();
        Object verify = logging.get("ledgerVerifyExitCode");
        if (sandbox && verify != null) {
            check.put("ok", verify instanceof Number n && n.intValue() == 0);
            check.put("what", "consort ledger verify of node 0's ledger after the run");
            check.put("output", logging.get("ledgerVerifyOutput"));
        } else {
            check.put("ok", null);
            check.put("what", sandbox ? "the ledger could not be verified: " + logging.getOrDefault("ledgerVerifyError",
                    logging.getOrDefault("ledgerVerifySkipped", "no result"))
                    : "the ledger of a network that bench did not start is not bench's to stop and verify");
        }
        r.put("check", check);
        r.put("details", logging);
        return r;
    }

    /** Whether the report's check failed (it held not; a check not made is no failure). */
    static boolean checkFailed(Map<String, Object> report) {
        return report.get("check") instanceof Map<?, ?> c && Boolean.FALSE.equals(c.get("ok"));
    }

    /** The human summary of a report. */
    static String human(Map<String, Object> r) {
        String scenario = String.valueOf(r.get("scenario"));
        String unit = switch (scenario) {
            case "logging" -> "writes";
            case "erc20" -> "transfers";
            default -> "transactions";
        };
        StringBuilder b = new StringBuilder();
        Object rate = r.get("rate");
        line(b, "consort bench %s: %s node%s (%s), %s, %s clients, %s s after %s s of warm-up%s", scenario, r.get("nodes"),
                Integer.valueOf(1).equals(r.get("nodes")) ? "" : "s",
                "sandbox".equals(r.get("network")) ? "a fresh sandbox" : String.valueOf(r.get("network")),
                rate == null ? "closed loop" : "open loop at " + number(rate) + " operations/s", r.get("clients"),
                r.get("seconds"), r.get("warmupSeconds"),
                r.get("batch") instanceof Number n && n.intValue() > 1 ? ", " + n + " per request" : "");
        line(b, "  committed     %s %s, %s/s   (acknowledged %s operations, %s/s)", number(r.get("committed")), unit,
                number(r.get("committedPerSecond")), number(r.get("operations")), number(r.get("operationsPerSecond")));
        line(b, "  response      p50 %s   p99 %s", ms(r.get("responseMsP50")), ms(r.get("responseMsP99")));
        line(b, "  commit        p50 %s   p99 %s", ms(r.get("commitMsP50")), ms(r.get("commitMsP99")));
        Object errors = r.get("errors");
        if (errors instanceof Map<?, ?> m && !m.isEmpty()) {
            StringBuilder kinds = new StringBuilder();
            m.forEach((k, v) -> kinds.append(kinds.isEmpty() ? "" : ", ").append(k).append(' ').append(number(v)));
            line(b, "  errors        %s (%s)", number(r.get("errorsTotal")), kinds);
        } else {
            line(b, "  errors        none");
        }
        if (r.get("acknowledged") instanceof Map<?, ?> a) {
            line(b, "  acknowledged  %s committed, %s pending, %s invalid, %s unknown%s", number(a.get("committed")),
                    number(a.get("pending")), a.get("invalid") == null ? "-" : number(a.get("invalid")), number(a.get("unknown")),
                    a.get("unverified") instanceof Number n && n.longValue() > 0 ? ", " + number(n) + " unverified" : "");
        }
        if (r.get("details") instanceof Map<?, ?> d && d.get("byType") instanceof Map<?, ?> types && types.size() > 1) {
            StringBuilder t = new StringBuilder();
            types.forEach((name, v) -> {
                if (v instanceof Map<?, ?> m) {
                    t.append(t.isEmpty() ? "" : ", ").append(name).append(' ').append(number(m.get("acknowledged")));
                    if (m.get("reverted") instanceof Number n && n.longValue() > 0) {
                        t.append(" (").append(number(n)).append(" reverted)");
                    }
                }
            });
            line(b, "  by type       %s", t);
        }
        if (r.get("details") instanceof Map<?, ?> d && d.get("exhaustedClients") instanceof Number n && n.intValue() > 0) {
            line(b, "  note          %s clients sent all their pre-signed requests before the end; raise --presign-rate", n);
        }
        if (r.get("check") instanceof Map<?, ?> c) {
            Object ok = c.get("ok");
            line(b, "  check         %s: %s", ok == null ? "not made" : Boolean.TRUE.equals(ok) ? "ok" : "FAILED", c.get("what"));
            if (c.get("expectedTotalCents") != null) {
                line(b, "                sum of balances %s cents, expected %s", number(c.get("actualTotalCents")),
                        number(c.get("expectedTotalCents")));
            }
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String format, Object... args) {
        b.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static String number(Object v) {
        if (v instanceof Double || v instanceof Float) {
            return String.format(Locale.ROOT, "%,.1f", ((Number) v).doubleValue());
        }
        if (v instanceof Number n) {
            return String.format(Locale.ROOT, "%,d", n.longValue());
        }
        if (v instanceof java.math.BigInteger big) {
            return String.format(Locale.ROOT, "%,d", big);
        }
        return String.valueOf(v);
    }

    private static String ms(Object v) {
        return v == null ? "-" : v instanceof Number n ? String.format(Locale.ROOT, "%,.1f ms", n.doubleValue()) : v + " ms";
    }

    /** The order in which the common fields appear, for the tests and docs. */
    static final List<String> FIELDS = List.of("scenario", "nodes", "network", "loop", "clients", "rate", "batch", "seconds",
            "warmupSeconds", "operations", "operationsPerSecond", "committed", "committedPerSecond", "responseMsP50",
            "responseMsP99", "commitMsP50", "commitMsP99", "errorsTotal", "errors", "acknowledged", "check", "details");
}
