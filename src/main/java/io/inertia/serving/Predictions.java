package io.inertia.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.model.SoftmaxLoss;
import io.inertia.topology.ModelView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code POST /models/{key}/predict}: a body of one item {@code {"features": {name: x, …}, "dense": [x, …]}} (either
 * or both) or a list of them, each answered with the model's score z = w·x + b and prediction (the loss's link of z:
 * z itself, or a probability for the classification losses), all from one version of the model. A softmax model's
 * item is answered with its K probabilities, the predicted class (the most probable, the lowest index on a tie) as
 * {@code prediction} and {@code predictedClass}, its name when the classes have names, and that class's score.
 *
 * <p>The body is parsed and checked, and named features hashed as the learner hashes them ({@code inertia.hash-bits}),
 * before the model is read; reading it then costs the header and one weight per feature of each item
 * ({@link OnlineLearner#currentScore}), whatever the model's size, with one read for the whole list.
 */
final class Predictions {

    /**
     * Field names are not canonicalized: feature names are open-ended (a million names hashed into buckets), and a
     * symbol table of every name ever seen cost a hashed prediction more than its parsing otherwise does. Numbers are
     * parsed by Jackson's fast double parser (correctly rounded, the same doubles as {@link Double#parseDouble}): the
     * JDK's slow path (big-integer arithmetic for numbers of 17 significant digits) took a tenth of the HTTP threads'
     * samples in a profile of dense predictions under load. Answers are written by its fast double writer (the
     * shortest decimal that reads back as the same double) for the same reason: the JDK's Double.toString took
     * big-integer arithmetic for most scores, 3% of the HTTP threads' samples.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();
    private static final String EXPECTED = "expected {\"features\": {name: number, …}} and/or {\"dense\": [numbers]}";

    private final FeatureHasher hasher;
    private final Loss loss;
    private final OnlineLearner learner;
    /** The names of a softmax model's classes, or empty. */
    private final List<String> classNames;

    Predictions(InertiaConfig config, OnlineLearner learner) {
        this.hasher = config.hashBits() > 0 ? FeatureHasher.of(config.hashBits()) : null;
        this.loss = config.loss();
        this.learner = learner;
        this.classNames = config.classNames();
    }

    /**
     * The items of a request body, read in one pass of a streaming parser (no tree): an item's fields other than
     * {@code features} and {@code dense} are skipped.
     *
     * @throws ApiError 400 naming the first problem: not JSON (or more than one JSON value), not an item or list of
     *     items, a feature value that is not a finite number
     */
    Request parse(byte[] body) {
        requireUtf8(body);
        try (JsonParser json = FACTORY.createParser(body)) {
            JsonToken first = json.nextToken();
            Request request;
            if (first == JsonToken.START_OBJECT) {
                request = new Request(List.of(item(json, "")), false);
            } else if (first == JsonToken.START_ARRAY) {
                List<Item> items = new ArrayList<>();
                for (JsonToken token = json.nextToken(); token != JsonToken.END_ARRAY; token = json.nextToken()) {
                    String where = "item " + items.size() + ": ";
                    if (token != JsonToken.START_OBJECT) {
                        throw new ApiError(400, where + EXPECTED);
                    }
                    items.add(item(json, where));
                }
                request = new Request(items, true);
            } else {
                throw new ApiError(400, "body must be {\"features\": {...}} or {\"dense\": [...]}, or a list of them");
            }
            if (json.nextToken() != null) {
                throw new ApiError(400, "body holds more than one JSON value");
            }
            return request;
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "body is not JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + firstLine(e.getMessage()));
        }
    }

    /**
     * The scores of every item of {@code request} by {@code view}'s model, at its one version; quick, reading only the
     * weights of the items' features (call inside a model read).
     *
     * @throws ApiError 400 when an item's dense vector has another length than the model's; 409 when the model has
     *     another number of outputs than the learner's loss
     */
    Scores score(ModelView view, Request request) {
        LinearModel model = view.model();
        if (model.outputs() != loss.outputs()) {
            throw new ApiError(409, "model has " + model.outputs() + " output(s) but the learner's loss "
                    + loss.name() + " has " + loss.outputs());
        }
        double[] scratch = new double[model.blockWidth()];
        double[][] scores = new double[request.items().size()][model.outputs()];
        for (int i = 0; i < scores.length; i++) {
            Item item = request.items().get(i);
            if (item.example().denseDimension() > 0 && item.example().denseDimension() != model.denseDimension()) {
                throw new ApiError(400, item.where() + "dense vector has " + item.example().denseDimension()
                        + " features but the model has " + Math.max(0, model.denseDimension()));
            }
            learner.currentScores(model, item.example(), scratch, scores[i]);
        }
        return new Scores(model.version(), scores);
    }

    /** The answer: {@code {"modelKey", "version", "prediction", "score"}}, or {@code "predictions": [...]} for a list. */
    byte[] answer(String key, Request request, Scores scores) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(96 + 64 * scores.scores().length);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("modelKey", key);
            json.writeNumberField("version", scores.version());
            if (request.list()) {
                json.writeArrayFieldStart("predictions");
                for (double[] score : scores.scores()) {
                    json.writeStartObject();
                    prediction(json, score);
                    json.writeEndObject();
                }
                json.writeEndArray();
            } else {
                prediction(json, scores.scores()[0]);
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void prediction(JsonGenerator json, double[] scores) throws IOException {
        if (loss instanceof SoftmaxLoss softmax) {
            double[] probabilities = new double[softmax.classes()];
            softmax.probabilities(scores, probabilities);
            int predicted = SoftmaxLoss.predictedClass(probabilities, softmax.classes());
            json.writeNumberField("prediction", predicted);
            json.writeNumberField("score", scores[predicted]);
            json.writeNumberField("predictedClass", predicted);
            if (!classNames.isEmpty()) {
                json.writeStringField("className", classNames.get(predicted));
            }
            json.writeArrayFieldStart("probabilities");
            for (double probability : probabilities) {
                json.writeNumber(probability);
            }
            json.writeEndArray();
            return;
        }
        json.writeNumberField("prediction", loss.prediction(scores[0]));
        json.writeNumberField("score", scores[0]);
    }

    /** The example of the item whose object {@code json} is at the start of, hashed as the learner hashes. */
    private Item item(JsonParser json, String where) throws IOException {
        List<String> names = null;
        double[] values = null;
        double[] dense = null;
        String eventId = null;
        for (String field = json.nextFieldName(); field != null; field = json.nextFieldName()) {
            JsonToken token = json.nextToken();
            switch (field) {
                case "eventId" -> eventId = eventId(json, token, where);
                case "features" -> {
                    if (token != JsonToken.START_OBJECT) {
                        throw new ApiError(400, where + "features must be an object of name → number");
                    }
                    names = new ArrayList<>();
                    values = new double[8];
                    for (String name = json.nextFieldName(); name != null; name = json.nextFieldName()) {
                        if (names.size() == values.length) {
                            values = Arrays.copyOf(values, values.length * 2);
                        }
                        JsonToken value = json.nextToken();
                        // The message's text only for a bad number: not three strings per feature of every request.
                        values[names.size()] = isFiniteNumber(json, value) ? json.getDoubleValue()
                                : number(json, value, where + "feature '" + name + "'");
                        names.add(name);
                    }
                }
                case "dense" -> {
                    if (token != JsonToken.START_ARRAY) {
                        throw new ApiError(400, where + "dense must be an array of numbers");
                    }
                    dense = new double[16];
                    int n = 0;
                    for (JsonToken next = json.nextToken(); next != JsonToken.END_ARRAY; next = json.nextToken()) {
                        if (n == dense.length) {
                            dense = Arrays.copyOf(dense, n * 2);
                        }
                        dense[n] = isFiniteNumber(json, next) ? json.getDoubleValue()
                                : number(json, next, where + "dense[" + n + "]");
                        n++;
                    }
                    dense = Arrays.copyOf(dense, n);
                }
                default -> json.skipChildren();
            }
        }
        if (names == null && dense == null) {
            throw new ApiError(400, where + EXPECTED);
        }
        try {
            String[] given = names == null ? null : names.toArray(new String[0]);
            double[] givenValues = names == null ? null : Arrays.copyOf(values, given.length);
            Example example = hasher != null ? Example.hashed(dense, given, givenValues, hasher, 0.0, 1.0)
                    : Example.of(dense, given, givenValues, 0.0, 1.0);
            return new Item(example, where, eventId, dense, given, givenValues);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, where + e.getMessage());
        }
    }

    /**
     * Refuses a body that is not UTF-8 (RFC 8259 8.1). Checked here because the parser, without a symbol table of
     * field names, decodes a malformed name leniently instead of failing; an ASCII body, the usual one, costs a scan.
     */
    static void requireUtf8(byte[] body) {
        for (byte b : body) {
            if (b < 0) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
                } catch (CharacterCodingException e) {
                    throw new ApiError(400, "body is not valid UTF-8");
                }
                return;
            }
        }
    }

    /** An item's {@code eventId}: a non-empty string, or null (absent or JSON null); else 400. */
    static String eventId(JsonParser json, JsonToken token, String where) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.VALUE_STRING || json.getText().isEmpty()) {
            throw new ApiError(400, where + "eventId must be a non-empty string");
        }
        return json.getText();
    }

    /** The number at {@code token}: finite, else 400 naming {@code what}. */
    private static boolean isFiniteNumber(JsonParser json, JsonToken token) throws IOException {
        return (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT)
                && Double.isFinite(json.getDoubleValue());
    }

    static double number(JsonParser json, JsonToken token, String what) throws IOException {
        if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
            double value = json.getDoubleValue();
            if (Double.isFinite(value)) {
                return value;
            }
        }
        throw new ApiError(400, what + " is not a finite number");
    }

    static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /** The items of one request, and whether they came as a list. */
    record Request(List<Item> items, boolean list) {
        /** Whether an item carries an event id: the learning loop records it. */
        boolean recorded() {
            return items.stream().anyMatch(item -> item.eventId() != null);
        }
    }

    /**
     * One item: its example, where it is in the request (for messages), and what an event recorded for it carries: its
     * {@code eventId} (or null) and its features as given, before hashing (each null when absent).
     */
    record Item(Example example, String where, String eventId, double[] dense, String[] names, double[] values) {
    }

    /** The K scores of each of a request's items, and the model version that gave them. */
    record Scores(long version, double[][] scores) {
    }
}
