package io.inertia.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads an outcome written as JSON, with {@code inertia.input.format=json}, as {@link JsonEventDecoder} reads events:
 *
 * <pre>{"key": "m1", "id": "e17", "label": 1, "weight": 1.0}</pre>
 *
 * {@code id} and {@code label} are required; {@code key} (the model key; the record key when absent) and
 * {@code weight} (default 1) are optional. Anything else, or a value of the wrong type, refuses the outcome with a
 * one-line reason, and the outcome joiner dead-letters it. Not thread-safe.
 */
public final class JsonOutcomeDecoder implements OutcomeReader {

    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public ReceivedOutcome decode(String topic, String recordKey, byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            return read(parser, recordKey);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new SerializationException("cannot deserialize topic '" + topic + "': not a JSON outcome: "
                    + reason);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot deserialize topic '" + topic + "': " + e.getMessage());
        }
    }

    private static ReceivedOutcome read(JsonParser parser, String recordKey) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("a JSON outcome is an object {\"key\", \"id\", \"label\", \"weight\"}");
        }
        String key = null;
        String id = null;
        Double label = null;
        double weight = 1.0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "key" -> key = text(parser, value, "key");
                case "id" -> id = text(parser, value, "id");
                case "label" -> label = number(parser, value, "label");
                case "weight" -> weight = number(parser, value, "weight");
                default -> throw new IllegalArgumentException("unknown field '" + field + "' (expected key, id, "
                        + "label, weight)");
            }
        }
        if (parser.nextToken() != null) {
            throw new IllegalArgumentException("bytes after the JSON object");
        }
        if (id == null) {
            throw new IllegalArgumentException("field 'id' is missing: an outcome names the event it labels");
        }
        if (label == null) {
            throw new IllegalArgumentException("field 'label' is missing");
        }
        return new ReceivedOutcome(key != null ? key : recordKey == null ? "" : recordKey, id, label, weight);
    }

    private static String text(JsonParser parser, JsonToken token, String field) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("field '" + field + "' is not a string");
        }
        return parser.getText();
    }

    private static double number(JsonParser parser, JsonToken token, String field) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new IllegalArgumentException("field '" + field + "' is not a number");
        }
        return parser.getDoubleValue();
    }
}
