package io.inertia.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * A user's record as JSON text of any shape, read into a Jackson tree ({@code inertia.input.format=json} with a
 * spec). The record must be one JSON object; bytes framed for a schema registry are refused saying so, since their
 * first bytes are not JSON.
 */
public final class JsonRecordDecoder implements RecordDecoder {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    @Override
    public Object decode(String topic, byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == 0) {
            throw RecordDecoder.refused(topic, "not JSON but " + RecordDecoder.framing(bytes) + "; for Avro use "
                    + "inertia.input.format=confluent-avro");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw RecordDecoder.refused(topic, "not a JSON record: " + reason);
        }
        if (root == null || !root.isObject()) {
            throw RecordDecoder.refused(topic, "a record is one JSON object, got " + (root == null ? "nothing"
                    : FieldPath.kind(root)));
        }
        return root;
    }
}
