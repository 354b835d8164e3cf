package org.consort.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The one JSON mapper of the node, with bounded parsing. Thread-safe. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(64).maxStringLength(1 << 20).maxNumberLength(100).build());
    }

    private Json() {
    }

    /** Parses a request body as a JSON object, or throws 400 with the parser's reason. */
    public static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            throw HttpError.badRequest("request body must be a JSON object, but it is empty");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpError.badRequest("unreadable JSON body");
        }
        if (node == null || !node.isObject()) {
            throw HttpError.badRequest("request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise response", e);
        }
    }
}
