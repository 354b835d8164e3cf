package org.consort.evm.statetest;

/**
 * Outcome of one state-test case (one fork and one data/gas/value index combination).
 *
 * @param file      fixture file
 * @param name      test name inside the file
 * @param fork      fork name as in the fixture
 * @param index     "d{data}g{gas}v{value}"
 * @param pass      root and logs hash matched (or the expected exception happened)
 * @param stateRoot the root we computed (0x-hex), or null when the case could not run
 * @param error     why it failed, or what the transaction's own error was; null if none
 */
public record CaseResult(String file, String name, String fork, String index, boolean pass, String stateRoot,
        String error) {

    /** One JSON object, in the shape of other clients' state-test tools (plus the case index). */
    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"name\":").append(quote(name)).append(',');
        b.append("\"index\":").append(quote(index)).append(',');
        b.append("\"pass\":").append(pass).append(',');
        b.append("\"stateRoot\":").append(stateRoot == null ? "null" : quote(stateRoot)).append(',');
        b.append("\"fork\":").append(quote(fork)).append(',');
        b.append("\"error\":").append(error == null ? "null" : quote(error));
        return b.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
