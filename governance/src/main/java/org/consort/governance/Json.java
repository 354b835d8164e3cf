package org.consort.governance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Jackson helpers with deterministic output (sorted map keys). Thread-safe. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Json() {
    }

    /** Parses {@code text}; IllegalArgumentException with {@code what} in the message if it is not JSON. */
    static JsonNode parse(String text, String what) {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException(what + " is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    static ObjectNode object(String text, String what) {
        JsonNode n = parse(text, what);
        if (!n.isObject()) {
            throw new IllegalArgumentException(what + " must be a JSON object");
        }
        return (ObjectNode) n;
    }

    static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    static String write(JsonNode node) {
        try {
            // Through a tree copy so ORDER_MAP_ENTRIES_BY_KEYS applies to object nodes too.
            Object plain = MAPPER.treeToValue(node, Object.class);
            return MAPPER.writeValueAsString(plain);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
