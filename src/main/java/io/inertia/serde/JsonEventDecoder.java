package io.inertia.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads an event written as JSON, for producers that are not JVMs with Avro (shell scripts, {@code kcat -P}, services
 * in other languages), with {@code inertia.input.format=json}:
 *
 * <pre>{"key": "m1", "features": {"a": 1.5, "b": -2}, "dense": [0.5, 1], "label": 3.0, "weight": 1.0, "id": "e17"}</pre>
 *
 * One of {@code features} (name → number) and {@code dense} (array of numbers) is required; {@code label} (absent or
 * null for an event whose label comes later, as an outcome), {@code key} (the model key; the record key when absent,
 * which must then be the model key as always), {@code weight} (default 1), {@code id} and {@code served} (the
 * prediction a client was already given for an event without label, {@code {"prediction", "score",
 * "modelVersion"}}, as the Avro field {@code servedPrediction}: what HTTP predict with an {@code eventId} records) are
 * optional. Anything else, or a value of the wrong type, refuses the event with a
 * one-line reason, which the learner dead-letters like any other bad event. Fields the schema does not know are refused
 * too, so that a misspelt {@code lable} is not silently ignored. Read with Jackson's streaming parser into the same
 * arrays as {@link EventDecoder}; not thread-safe.
 *
 * <p>With class names (a softmax model's {@code inertia.class-names}) the label may also be a class's name, read as
 * its index; a name that is not one of them refuses the event.
 */
public final class JsonEventDecoder implements EventReader {

    private static final JsonFactory JSON = new JsonFactory();

    private final EventDecoder.StringCache strings = new EventDecoder.StringCache();
    /** Class name → index; empty when labels must be numbers. */
    private final java.util.Map<String, Integer> classes;

    /** A decoder whose labels are numbers. */
    public JsonEventDecoder() {
        this(java.util.List.of());
    }

    /** A decoder that also reads a label given as one of {@code classNames} (their indices 0, 1, …). */
    public JsonEventDecoder(java.util.List<String> classNames) {
        java.util.Map<String, Integer> byName = new java.util.HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            byName.put(classNames.get(i), i);
        }
        this.classes = java.util.Map.copyOf(byName);
        this.classNames = String.join(", ", classNames);
    }

    private final String classNames;

    /**
     * The event in {@code bytes}, its model key {@code recordKey} when the JSON names none.
     *
     * @throws SerializationException naming what is wrong, in one line
     */
    @Override
    public EventDecoder.Event decode(String topic, String recordKey, byte[] bytes) {
        try (JsonParser parser = JSON.createParser(bytes)) {
            return read(parser, recordKey);
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new SerializationException("cannot deserialize topic '" + topic + "': not a JSON event: " + reason);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot deserialize topic '" + topic + "': " + e.getMessage());
        }
    }

    private EventDecoder.Event read(JsonParser parser, String recordKey) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("a JSON event is an object {\"key\", \"features\" or \"dense\", "
                    + "\"label\", …}");
        }
        String key = null;
        double[] dense = null;
        String[] names = null;
        double[] values = null;
        Double label = null;
        double weight = 1.0;
        String id = null;
        EventDecoder.Served served = null;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "key" -> key = text(parser, value, "key");
                case "id" -> id = value == JsonToken.VALUE_NULL ? null : text(parser, value, "id");
                case "label" -> label = value == JsonToken.VALUE_NULL ? null
                        : value == JsonToken.VALUE_STRING ? classIndex(parser.getText()) : number(parser, value, "label");
                case "weight" -> weight = number(parser, value, "weight");
                case "dense" -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw new IllegalArgumentException("field 'dense' is not an array of numbers");
                    }
                    double[] read = new double[8];
                    int n = 0;
                    for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                        if (n == read.length) {
                            read = Arrays.copyOf(read, n * 2);
                        }
                        read[n] = number(parser, item, "dense[" + n + "]");
                        n++;
                    }
                    dense = Arrays.copyOf(read, n);
                }
                case "features" -> {
                    if (value != JsonToken.START_OBJECT) {
                        throw new IllegalArgumentException("field 'features' is not an object of name → number");
                    }
                    String[] readNames = new String[16];
                    double[] readValues = new double[16];
                    int n = 0;
                    for (JsonToken item = parser.nextToken(); item != JsonToken.END_OBJECT;
                            item = parser.nextToken()) {
                        if (n == readNames.length) {
                            readNames = Arrays.copyOf(readNames, n * 2);
                            readValues = Arrays.copyOf(readValues, n * 2);
                        }
                        String name = parser.currentName();
                        byte[] utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        readNames[n] = strings.get(utf8, 0, utf8.length);
                        readValues[n] = number(parser, parser.nextToken(), "feature '" + name + "'");
                        n++;
                    }
                    names = Arrays.copyOf(readNames, n);
                    values = Arrays.copyOf(readValues, n);
                }
                case "served" -> served = value == JsonToken.VALUE_NULL ? null : served(parser, value);
                default -> throw new IllegalArgumentException("unknown field '" + field + "' (expected key, "
                        + "features, dense, label, weight, id, served)");
            }
        }
        if (parser.nextToken() != null) {
            throw new IllegalArgumentException("bytes after the JSON object");
        }
        String modelKey = key != null ? key : recordKey == null ? "" : recordKey;
        return new EventDecoder.Event(modelKey, dense, names, values, label == null ? Double.NaN : label, weight, id,
                label != null, served);
    }

    /** {@code "served": {"prediction": p, "score": z, "modelVersion": v}}, all three required. */
    private static EventDecoder.Served served(JsonParser parser, JsonToken token) throws IOException {
        if (token != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("field 'served' is not an object {\"prediction\", \"score\", "
                    + "\"modelVersion\"}");
        }
        Double prediction = null;
        Double score = null;
        Long version = null;
        for (JsonToken item = parser.nextToken(); item != JsonToken.END_OBJECT; item = parser.nextToken()) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "prediction" -> prediction = number(parser, value, "served.prediction");
                case "score" -> score = number(parser, value, "served.score");
                case "modelVersion" -> {
                    if (value != JsonToken.VALUE_NUMBER_INT) {
                        throw new IllegalArgumentException("served.modelVersion is not an integer");
                    }
                    version = parser.getLongValue();
                }
                default -> throw new IllegalArgumentException("unknown field 'served." + field + "' (expected "
                        + "prediction, score, modelVersion)");
            }
        }
        if (prediction == null || score == null || version == null) {
            throw new IllegalArgumentException("field 'served' needs prediction, score and modelVersion");
        }
        return new EventDecoder.Served(prediction, score, version);
    }

    /** The index of the class named {@code name}. */
    private double classIndex(String name) {
        Integer index = classes.get(name);
        if (index == null) {
            throw new IllegalArgumentException(classes.isEmpty()
                    ? "label '" + name + "' is not a number (labels by name need inertia.class-names)"
                    : "label '" + name + "' is not a class name (expected one of " + classNames + ")");
        }
        return index;
    }

    private static String text(JsonParser parser, JsonToken token, String field) throws IOException {
        if (token != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("field '" + field + "' is not a string");
        }
        return parser.getText();
    }

    private static double number(JsonParser parser, JsonToken token, String what) throws IOException {
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new IllegalArgumentException(what + " is not a number");
        }
        return parser.getDoubleValue();
    }
}
