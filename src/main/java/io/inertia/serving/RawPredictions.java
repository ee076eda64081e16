package io.inertia.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.FeatureScalers;
import io.inertia.spec.FeatureExtractor;
import io.inertia.spec.FeatureSpec;
import io.inertia.topology.ModelView;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * {@code POST /models/{key}/predict?raw=true}: the body is the user's own record (or a list of them) as the feature
 * spec given to {@code run} reads it, and the spec makes the features, exactly as the learner makes them from the
 * topic's records: the same paths, transforms, categories and crosses, hashed as the learner hashes. A standardized
 * feature is scaled with the model's statistics as they are at the version that scores it, read-only: a prediction
 * never moves them (only learning an event does).
 *
 * <p>The records are JSON; with {@code inertia.input.reader-schema} they are Avro's JSON form of that schema (a union's
 * value wrapped in its branch, {@code {"string": "DE"}}), read by Avro's JSON decoder, otherwise plain JSON (Avro's
 * JSON form of a record without unions is plain JSON). The label, weight and event id are not needed. The model is
 * the path's: a record whose own model-key field names another model is refused (400) rather than scored by a model
 * it does not belong to; a record without that field is scored by the path's model.
 *
 * <p>The records are read and their features made before the model is read; the scaling of standardized features and
 * the hashing (O(features) per record) happen inside the model read, with its statistics.
 */
final class RawPredictions {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** The values a prediction reads, scaled later with the model's statistics: nothing is learned here. */
    private static final FeatureExtractor.Standardizer AS_READ = (modelKey, feature, x) -> x;

    private final FeatureSpec spec;
    private final Schema avroSchema;
    private final FeatureHasher hasher;
    /** The names of the spec's standardized features. */
    private final Set<String> standardized = new TreeSet<>();

    RawPredictions(InertiaConfig config) {
        this.spec = config.featureSpec();
        this.avroSchema = config.readerSchema();
        this.hasher = config.hashBits() > 0 ? FeatureHasher.of(config.hashBits()) : null;
        if (spec != null) {
            for (FeatureSpec.Numeric feature : spec.numeric()) {
                if (feature.transform() == FeatureSpec.Transform.STANDARDIZE) {
                    standardized.add(feature.name());
                }
            }
        }
    }

    /** One record's features as the spec made them, before scaling, and where it is in the request. */
    record Item(String[] names, double[] values, int[] standardizedAt, String where) {
    }

    /** The records of one request, and whether they came as a list. */
    record Request(List<Item> items, boolean list) {
    }

    /**
     * The features of every record of {@code body} for the model {@code modelKey}.
     *
     * @throws ApiError 400 naming the first problem: no spec, not JSON, not a record or a list of records, a record
     *     that Avro cannot read as the reader schema, a record of another model, a required feature missing
     */
    Request parse(String modelKey, byte[] body) {
        if (spec == null) {
            throw new ApiError(400, "predict?raw=true reads records through a feature spec, and this learner runs "
                    + "without one (inertia.feature-spec)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new ApiError(400, "body is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            throw new ApiError(400, "body must be a record (a JSON object) or a list of them");
        }
        FeatureExtractor extractor = new FeatureExtractor(spec, AS_READ);
        List<Item> items = new ArrayList<>();
        List<JsonNode> records = new ArrayList<>();
        if (root.isArray()) {
            root.forEach(records::add);
        } else {
            records.add(root);
        }
        for (int i = 0; i < records.size(); i++) {
            String where = root.isArray() ? "item " + i + ": " : "";
            items.add(item(extractor, modelKey, records.get(i), where));
        }
        return new Request(items, root.isArray());
    }

    private Item item(FeatureExtractor extractor, String modelKey, JsonNode json, String where) {
        if (!json.isObject()) {
            throw new ApiError(400, where + "a record is a JSON object");
        }
        Object record = json;
        if (avroSchema != null) {
            try {
                record = new GenericDatumReader<>(avroSchema).read(null,
                        DecoderFactory.get().jsonDecoder(avroSchema, json.toString()));
            } catch (IOException | RuntimeException e) {
                throw new ApiError(400, where + "not a record of the reader schema " + avroSchema.getFullName()
                        + " in Avro's JSON form: " + firstLine(e.getMessage()));
            }
        }
        if (spec.modelKey() instanceof FeatureSpec.KeyField field) {
            String own;
            try {
                own = extractor.modelKey(record, null);
            } catch (SerializationException e) {
                own = null; // no key of its own: the path's model scores it
            }
            if (own != null && !own.equals(modelKey)) {
                throw new ApiError(400, where + "the record's model key field '" + field.path() + "' is '" + own
                        + "', not '" + modelKey + "' of the path");
            }
        }
        FeatureExtractor.Features features;
        try {
            features = extractor.features(record, modelKey);
        } catch (SerializationException e) {
            throw new ApiError(400, where + e.getMessage());
        }
        String[] names = features.names();
        int[] at = new int[names.length];
        int n = 0;
        for (int j = 0; j < names.length && !standardized.isEmpty(); j++) {
            if (standardized.contains(names[j])) {
                at[n++] = j;
            }
        }
        if (names.length == 0) {
            throw new ApiError(400, where + "the record has none of the spec's features");
        }
        return new Item(names, features.values(), java.util.Arrays.copyOf(at, n), where);
    }

    /**
     * The items as {@link Predictions} scores them, each standardized feature scaled with {@code view}'s statistics
     * (a model that has none scales nothing: z = x − 0) and hashed as the learner hashes; call inside the model read.
     *
     * @throws ApiError 400 when a record's features cannot be an example
     */
    Predictions.Request examples(ModelView view, Request request) {
        FeatureScalers scalers = view.scalers();
        List<Predictions.Item> items = new ArrayList<>(request.items().size());
        for (Item item : request.items()) {
            double[] values = item.values();
            if (item.standardizedAt().length > 0 && scalers != null) {
                values = values.clone();
                for (int j : item.standardizedAt()) {
                    values[j] = scalers.transform(item.names()[j], values[j]);
                }
            }
            try {
                Example example = hasher != null ? Example.hashed(null, item.names(), values, hasher, 0.0, 1.0)
                        : Example.of(null, item.names(), values, 0.0, 1.0);
                items.add(new Predictions.Item(example, item.where(), null, null, null, null));
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, item.where() + e.getMessage());
            }
        }
        return new Predictions.Request(items, request.list());
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
