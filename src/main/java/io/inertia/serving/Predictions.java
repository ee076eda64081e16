package io.inertia.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.topology.ModelView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /models/{key}/predict}: a body of one item {@code {"features": {name: x, …}, "dense": [x, …]}} (either
 * or both) or a list of them, each answered with the model's score z = w·x + b and prediction (the loss's link of z:
 * z itself, or a probability for the classification losses), all from one version of the model.
 *
 * <p>The body is parsed and checked, and named features hashed as the learner hashes them ({@code inertia.hash-bits}),
 * before the model is read; reading it then costs the header and one weight per feature of each item
 * ({@link OnlineLearner#currentScore}), whatever the model's size, with one read for the whole list.
 */
final class Predictions {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private final FeatureHasher hasher;
    private final Loss loss;
    private final OnlineLearner learner;

    Predictions(InertiaConfig config, OnlineLearner learner) {
        this.hasher = config.hashBits() > 0 ? FeatureHasher.of(config.hashBits()) : null;
        this.loss = config.loss();
        this.learner = learner;
    }

    /**
     * The items of a request body.
     *
     * @throws ApiError 400 naming the first problem: not JSON, not an item or list of items, a feature value that is
     *     not a finite number
     */
    Request parse(byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "body is not JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + firstLine(e.getMessage()));
        }
        if (request == null || !(request.isObject() || request.isArray())) {
            throw new ApiError(400, "body must be {\"features\": {...}} or {\"dense\": [...]}, or a list of them");
        }
        if (request.isObject()) {
            return new Request(List.of(item(request, "")), false);
        }
        List<Item> items = new ArrayList<>(request.size());
        for (int i = 0; i < request.size(); i++) {
            items.add(item(request.get(i), "item " + i + ": "));
        }
        return new Request(items, true);
    }

    /**
     * The scores of every item of {@code request} by {@code view}'s model, at its one version; quick, reading only the
     * weights of the items' features (call inside a model read).
     *
     * @throws ApiError 400 when an item's dense vector has another length than the model's
     */
    Scores score(ModelView view, Request request) {
        LinearModel model = view.model();
        double[] scratch = new double[model.slotWidth()];
        double[] scores = new double[request.items().size()];
        for (int i = 0; i < scores.length; i++) {
            Item item = request.items().get(i);
            if (item.example().denseDimension() > 0 && item.example().denseDimension() != model.denseDimension()) {
                throw new ApiError(400, item.where() + "dense vector has " + item.example().denseDimension()
                        + " features but the model has " + Math.max(0, model.denseDimension()));
            }
            scores[i] = learner.currentScore(model, item.example(), scratch);
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
                for (double score : scores.scores()) {
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

    private void prediction(JsonGenerator json, double score) throws IOException {
        json.writeNumberField("prediction", loss.prediction(score));
        json.writeNumberField("score", score);
    }

    /** The example of one request item, hashed as the learner hashes. */
    private Item item(JsonNode item, String where) {
        if (!item.isObject() || (!item.has("features") && !item.has("dense"))) {
            throw new ApiError(400, where + "expected {\"features\": {name: number, …}} and/or {\"dense\": [numbers]}");
        }
        String[] names = null;
        double[] values = null;
        JsonNode features = item.path("features");
        if (!features.isMissingNode()) {
            if (!features.isObject()) {
                throw new ApiError(400, where + "features must be an object of name → number");
            }
            names = new String[features.size()];
            values = new double[names.length];
            int j = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = features.fields(); it.hasNext(); j++) {
                Map.Entry<String, JsonNode> feature = it.next();
                names[j] = feature.getKey();
                values[j] = number(feature.getValue(), where + "feature '" + feature.getKey() + "'");
            }
        }
        double[] dense = null;
        JsonNode denseNode = item.path("dense");
        if (!denseNode.isMissingNode()) {
            if (!denseNode.isArray()) {
                throw new ApiError(400, where + "dense must be an array of numbers");
            }
            dense = new double[denseNode.size()];
            for (int i = 0; i < dense.length; i++) {
                dense[i] = number(denseNode.get(i), where + "dense[" + i + "]");
            }
        }
        try {
            Example example = hasher != null ? Example.hashed(dense, names, values, hasher, 0.0, 1.0)
                    : Example.of(dense, names, values, 0.0, 1.0);
            return new Item(example, where);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, where + e.getMessage());
        }
    }

    private static double number(JsonNode value, String what) {
        if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
            throw new ApiError(400, what + " is not a finite number");
        }
        return value.asDouble();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    /** The items of one request, and whether they came as a list. */
    record Request(List<Item> items, boolean list) {
    }

    /** One item: its example, and where it is in the request (for messages). */
    record Item(Example example, String where) {
    }

    /** The scores of a request's items, and the model version that gave them. */
    record Scores(long version, double[] scores) {
    }
}
