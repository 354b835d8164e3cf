package org.consort.ethereum.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.consort.evm.Address;
import org.consort.evm.Word;
import org.consort.evm.vm.Log;

/**
 * The address and topic part of a log filter, with its standard meaning: a log matches when its
 * address is in {@code addresses} (any address when empty) and, for each position i of
 * {@code topics}, the entry is null (anything, even no topic) or its set contains the log's
 * topic i (the log must have one). Immutable.
 */
public record LogCriteria(Set<Address> addresses, List<Set<Word>> topics) {
    public static final int TOPIC_POSITIONS = 4;

    public LogCriteria {
        addresses = Set.copyOf(addresses);
        topics = java.util.Collections.unmodifiableList(new ArrayList<>(topics));
    }

    public boolean matches(Log log) {
        if (!addresses.isEmpty() && !addresses.contains(log.address())) {
            return false;
        }
        for (int i = 0; i < topics.size(); i++) {
            Set<Word> want = topics.get(i);
            if (want == null) {
                continue;
            }
            if (i >= log.topics().size() || !want.contains(log.topics().get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Parses {@code address} and {@code topics} of a filter object; -32602 for anything malformed. */
    public static LogCriteria parse(JsonNode filter, int valuesMax) {
        Set<Address> addresses = new LinkedHashSet<>();
        JsonNode a = filter.get("address");
        if (a != null && !a.isNull()) {
            if (a.isArray()) {
                if (a.size() > valuesMax) {
                    throw new RpcError(RpcError.LIMIT_EXCEEDED, "filter has " + a.size() + " addresses, more than the limit of "
                            + valuesMax);
                }
                for (JsonNode x : a) {
                    addresses.add(Hex.parseAddress(x.asText(null), "filter address"));
                }
            } else if (a.isTextual()) {
                addresses.add(Hex.parseAddress(a.asText(), "filter address"));
            } else {
                throw RpcError.invalidParams("filter address must be an address or an array of addresses");
            }
        }
        List<Set<Word>> topics = new ArrayList<>();
        JsonNode t = filter.get("topics");
        if (t != null && !t.isNull()) {
            if (!t.isArray()) {
                throw RpcError.invalidParams("filter topics must be an array");
            }
            if (t.size() > TOPIC_POSITIONS) {
                throw RpcError.invalidParams("filter topics has " + t.size() + " positions; a log has at most 4 topics");
            }
            for (JsonNode pos : t) {
                if (pos.isNull()) {
                    topics.add(null);
                } else if (pos.isTextual()) {
                    topics.add(Set.of(Hex.parseWord32(pos.asText(), "filter topic")));
                } else if (pos.isArray()) {
                    if (pos.size() > valuesMax) {
                        throw new RpcError(RpcError.LIMIT_EXCEEDED, "a filter topic position has " + pos.size()
                                + " alternatives, more than the limit of " + valuesMax);
                    }
                    Set<Word> any = new LinkedHashSet<>();
                    boolean wildcard = false;
                    for (JsonNode x : pos) {
                        if (x.isNull()) {
                            wildcard = true;
                        } else {
                            any.add(Hex.parseWord32(x.asText(null), "filter topic"));
                        }
                    }
                    topics.add(wildcard || any.isEmpty() ? null : any);
                } else {
                    throw RpcError.invalidParams("a filter topic must be null, a 32-byte hex string or an array of them");
                }
            }
        }
        while (!topics.isEmpty() && topics.get(topics.size() - 1) == null) {
            topics.remove(topics.size() - 1);
        }
        return new LogCriteria(addresses, topics);
    }
}
