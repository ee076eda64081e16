package io.inertia.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A feature spec: how a user's own record (JSON of any shape, or an Avro record) becomes an event the learner reads,
 * declared in YAML ({@code --feature-spec FILE}; the README documents every field):
 *
 * <pre>
 * model-key: record-key            # or {field: PATH}, or {constant: NAME}
 * label: {field: clicked}          # numbers; booleans 1/0; strings through classes: [a, b, …] → 0, 1, …
 * weight: {field: PATH}            # optional; a missing weight is 1 unless on-missing: dead-letter
 * event-id: none                   # or position (topic/partition/offset), or {field: PATH}
 * numeric:                         # value x of PATH, named PATH (or name:)
 *   - {field: ad.price, transform: log1p}      # none, log1p or standardize
 * categorical:                     # value v of PATH becomes the feature PATH=v with value 1
 *   - {field: user.country}
 *   - {field: items[].id}          # every element: one feature each
 * crosses:                         # p=v^q=w with value 1, for every combination
 *   - [user.country, items[].id]
 * </pre>
 *
 * A missing or wrong-typed feature is skipped unless its {@code on-missing} says {@code dead-letter}; a missing or
 * wrong-typed model key or label always dead-letters the event (skipping it would lose it silently). Parsing collects
 * every mistake, one line each, into a {@link FeatureSpecException}.
 *
 * @param modelKey where the model key comes from
 * @param label the label
 * @param weight the sample weight, or null (every event weighs 1)
 * @param eventId where the event id comes from
 * @param numeric the numeric features, in spec order
 * @param categorical the categorical features, in spec order
 * @param crosses the crosses, in spec order
 */
public record FeatureSpec(ModelKey modelKey, Label label, Weight weight, EventId eventId, List<Numeric> numeric,
        List<Categorical> categorical, List<Cross> crosses) {

    /** Longest model key, as the learner allows. */
    static final int MAX_KEY_LENGTH = 1000;

    /** Where each event's model key comes from. */
    public sealed interface ModelKey {
    }

    /** The record's own key: records must then be keyed (and partitioned) by model key. */
    public record RecordKey() implements ModelKey {
    }

    /** The value of a field (text, or a whole number written in decimal). */
    public record KeyField(FieldPath path) implements ModelKey {
    }

    /** One model for every event. */
    public record ConstantKey(String value) implements ModelKey {
    }

    /**
     * The label.
     *
     * @param path where it is
     * @param classes the class names whose index is the label of a string label, or empty (strings refused)
     */
    public record Label(FieldPath path, List<String> classes) {
    }

    /**
     * The sample weight.
     *
     * @param path where it is
     * @param deadLetterIfMissing whether an event without a usable weight is dead-lettered (else it weighs 1)
     */
    public record Weight(FieldPath path, boolean deadLetterIfMissing) {
    }

    /** Where each event's id comes from. */
    public sealed interface EventId {
    }

    /** No event id. */
    public record NoEventId() implements EventId {
    }

    /** The record's position: {@code topic/partition/offset}. */
    public record PositionEventId() implements EventId {
    }

    /** The value of a field; an event without it has no id. */
    public record EventIdField(FieldPath path) implements EventId {
    }

    /** What a numeric feature's value goes through before learning. */
    public enum Transform {
        /** The value as it is. */
        NONE("none"),
        /** ln(1 + x), for x &gt; −1: counts and prices spanning orders of magnitude. */
        LOG1P("log1p"),
        /** (x − μ)/σ over the model's earlier values; see {@link io.inertia.model.OnlineStandardScaler}. */
        STANDARDIZE("standardize");

        private final String specName;

        Transform(String specName) {
            this.specName = specName;
        }

        /** The name in a spec. */
        public String specName() {
            return specName;
        }
    }

    /**
     * A numeric feature: the number at {@code path} (a boolean is 1 or 0), transformed, named {@code name}.
     *
     * @param name the feature's name
     * @param path where its value is
     * @param transform what the value goes through
     * @param deadLetterIfMissing whether an event without a usable value is dead-lettered (else the feature is left
     *     out)
     */
    public record Numeric(String name, FieldPath path, Transform transform, boolean deadLetterIfMissing) {
    }

    /**
     * A categorical feature: each value v at {@code path} becomes the feature {@code name=v} with value 1.
     *
     * @param name the feature's name, the part before {@code =}
     * @param path where its values are
     * @param deadLetterIfMissing whether an event without a usable value is dead-lettered (else the feature is left
     *     out)
     */
    public record Categorical(String name, FieldPath path, boolean deadLetterIfMissing) {
    }

    /** A cross of two or three categorical features (indices into {@link #categorical()}). */
    public record Cross(List<Integer> parts) {
    }

    /** Whether some numeric feature is standardized (which keeps state per model). */
    public boolean standardizes() {
        return numeric.stream().anyMatch(feature -> feature.transform() == Transform.STANDARDIZE);
    }

    /** Every path the spec reads, with where in the spec it is named, e.g. {@code numeric[0]}. */
    public Map<String, FieldPath> paths() {
        Map<String, FieldPath> paths = new java.util.LinkedHashMap<>();
        if (modelKey instanceof KeyField field) {
            paths.put("model-key", field.path());
        }
        paths.put("label", label.path());
        if (weight != null) {
            paths.put("weight", weight.path());
        }
        if (eventId instanceof EventIdField field) {
            paths.put("event-id", field.path());
        }
        for (int i = 0; i < numeric.size(); i++) {
            paths.put("numeric[" + i + "]", numeric.get(i).path());
        }
        for (int i = 0; i < categorical.size(); i++) {
            paths.put("categorical[" + i + "]", categorical.get(i).path());
        }
        return paths;
    }

    /**
     * One line per path that {@code schema} (an Avro record schema the records are read as) does not hold as the
     * path's role needs (a field it does not have, {@code []} on what is not an array, a label that is a record, …);
     * empty when every path fits.
     */
    public List<String> problemsWith(org.apache.avro.Schema schema) {
        return SchemaCheck.problems(this, schema);
    }

    /**
     * The spec in the YAML file {@code file}.
     *
     * @throws FeatureSpecException with one line per mistake, each starting with the file's name
     */
    public static FeatureSpec load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new FeatureSpecException(List.of(file + ": no such file"));
        } catch (IOException e) {
            throw new FeatureSpecException(List.of(file + ": cannot read: " + e.getMessage()));
        }
        return parse(text, file.toString());
    }

    /**
     * The spec written in {@code yaml}, its mistakes reported as from {@code source}.
     *
     * @throws FeatureSpecException with one line per mistake, each starting with {@code source}
     */
    public static FeatureSpec parse(String yaml, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            String what = e.getOriginalMessage().lines().findFirst().orElse("");
            if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked) {
                what = (marked.getContext() == null ? "" : marked.getContext() + ": ") + marked.getProblem();
                if (marked.getProblem() != null
                        && what.contains("flow") && marked.getProblem().contains("[")) {
                    what += " (inside {…} or […], quote a path that has []: {field: 'items[].id'})";
                }
            }
            throw new FeatureSpecException(List.of(source + ": not valid YAML" + where + ": " + what));
        }
        Parser parser = new Parser(source);
        FeatureSpec spec = parser.spec(root);
        if (!parser.problems.isEmpty()) {
            throw new FeatureSpecException(parser.problems);
        }
        return spec;
    }

    /** Reads the tree, collecting every mistake. */
    private static final class Parser {
        private static final List<String> TOP = List.of("model-key", "label", "weight", "event-id", "numeric",
                "categorical", "crosses");
        private final String source;
        private final List<String> problems = new ArrayList<>();

        Parser(String source) {
            this.source = source;
        }

        private void problem(String where, String what) {
            problems.add(source + ": " + where + ": " + what);
        }

        FeatureSpec spec(JsonNode root) {
            if (root == null || root.isMissingNode() || root.isNull()) {
                problems.add(source + ": empty; a feature spec needs at least a label and one feature");
                return null;
            }
            if (!root.isObject()) {
                problems.add(source + ": a feature spec is a mapping of " + String.join(", ", TOP));
                return null;
            }
            unknownKeys(root, "", TOP);
            ModelKey modelKey = modelKey(root.get("model-key"));
            Label label = label(root.get("label"));
            Weight weight = weight(root.get("weight"));
            EventId eventId = eventId(root.get("event-id"));
            List<Numeric> numeric = numeric(root.get("numeric"));
            List<Categorical> categorical = categorical(root.get("categorical"));
            List<Cross> crosses = crosses(root.get("crosses"), categorical);
            if (root.path("numeric").size() + root.path("categorical").size() == 0) {
                problems.add(source + ": no features: give numeric or categorical features (or both)");
            }
            names(numeric, categorical);
            return new FeatureSpec(modelKey, label, weight, eventId, List.copyOf(numeric), List.copyOf(categorical),
                    List.copyOf(crosses));
        }

        private void unknownKeys(JsonNode node, String where, List<String> known) {
            node.fieldNames().forEachRemaining(name -> {
                if (!known.contains(name)) {
                    problems.add(source + ": " + (where.isEmpty() ? "" : where + ": ") + "unknown key '" + name
                            + "' (expected " + String.join(", ", known) + ")");
                }
            });
        }

        private ModelKey modelKey(JsonNode node) {
            if (node == null || node.isNull() || (node.isTextual() && node.textValue().equals("record-key"))) {
                return new RecordKey();
            }
            if (!node.isObject() || node.size() != 1) {
                problem("model-key", "expected record-key, {field: PATH} or {constant: NAME}");
                return new RecordKey();
            }
            unknownKeys(node, "model-key", List.of("field", "constant"));
            if (node.has("field")) {
                FieldPath path = path(node.get("field"), "model-key.field", false);
                return path == null ? new RecordKey() : new KeyField(path);
            }
            if (node.has("constant")) {
                JsonNode constant = node.get("constant");
                if (!constant.isValueNode() || constant.isNull() || constant.asText().isEmpty()) {
                    problem("model-key.constant", "must be a non-empty model key");
                } else if (constant.asText().length() > MAX_KEY_LENGTH || constant.asText().indexOf('\0') >= 0) {
                    problem("model-key.constant", "a model key has at most " + MAX_KEY_LENGTH
                            + " characters and no NUL");
                } else {
                    return new ConstantKey(constant.asText());
                }
            }
            return new RecordKey();
        }

        private Label label(JsonNode node) {
            if (node == null || node.isNull()) {
                problem("label", "missing: say which field holds the label, e.g. label: {field: clicked}");
                return null;
            }
            if (node.isTextual()) {
                node = new ObjectMapper().createObjectNode().put("field", node.textValue());
            }
            if (!node.isObject()) {
                problem("label", "expected {field: PATH} and optionally classes: [NAME, …]");
                return null;
            }
            unknownKeys(node, "label", List.of("field", "classes", "on-missing"));
            onMissingMustDeadLetter(node, "label");
            FieldPath path = path(node.get("field"), "label.field", false);
            List<String> classes = new ArrayList<>();
            JsonNode list = node.get("classes");
            if (list != null) {
                if (!list.isArray() || list.isEmpty()) {
                    problem("label.classes", "expected a list of class names, e.g. [no, yes]");
                } else {
                    Set<String> seen = new HashSet<>();
                    for (int i = 0; i < list.size(); i++) {
                        JsonNode name = list.get(i);
                        if (!name.isValueNode() || name.isNull()) {
                            problem("label.classes[" + i + "]", "must be a name");
                        } else if (!seen.add(name.asText())) {
                            problem("label.classes[" + i + "]", "'" + name.asText() + "' is listed twice");
                        } else {
                            classes.add(name.asText());
                        }
                    }
                }
            }
            return path == null ? null : new Label(path, List.copyOf(classes));
        }

        private Weight weight(JsonNode node) {
            if (node == null || node.isNull()) {
                return null;
            }
            if (node.isTextual()) {
                node = new ObjectMapper().createObjectNode().put("field", node.textValue());
            }
            if (!node.isObject()) {
                problem("weight", "expected {field: PATH} and optionally on-missing: skip|dead-letter");
                return null;
            }
            unknownKeys(node, "weight", List.of("field", "on-missing"));
            FieldPath path = path(node.get("field"), "weight.field", false);
            boolean deadLetter = onMissing(node, "weight");
            return path == null ? null : new Weight(path, deadLetter);
        }

        private EventId eventId(JsonNode node) {
            if (node == null || node.isNull() || (node.isTextual() && node.textValue().equals("none"))) {
                return new NoEventId();
            }
            if (node.isTextual() && node.textValue().equals("position")) {
                return new PositionEventId();
            }
            if (!node.isObject() || !node.has("field")) {
                problem("event-id", "expected none, position (topic/partition/offset) or {field: PATH}");
                return new NoEventId();
            }
            unknownKeys(node, "event-id", List.of("field"));
            FieldPath path = path(node.get("field"), "event-id.field", false);
            return path == null ? new NoEventId() : new EventIdField(path);
        }

        private List<Numeric> numeric(JsonNode list) {
            List<Numeric> features = new ArrayList<>();
            for (int i = 0; list != null && i < checkedList(list, "numeric"); i++) {
                String where = "numeric[" + i + "]";
                JsonNode node = featureNode(list.get(i), where);
                if (node == null) {
                    continue;
                }
                unknownKeys(node, where, List.of("field", "name", "transform", "on-missing"));
                FieldPath path = path(node.get("field"), where + ".field", false);
                String name = name(node, where, path);
                Transform transform = Transform.NONE;
                JsonNode given = node.get("transform");
                if (given != null) {
                    transform = null;
                    for (Transform candidate : Transform.values()) {
                        if (candidate.specName().equals(given.asText())) {
                            transform = candidate;
                        }
                    }
                    if (transform == null || !given.isTextual()) {
                        problem(where + ".transform", "unknown transform '" + given.asText()
                                + "', expected none, log1p or standardize");
                        transform = Transform.NONE;
                    }
                }
                boolean deadLetter = onMissing(node, where);
                if (path != null && name != null) {
                    features.add(new Numeric(name, path, transform, deadLetter));
                }
            }
            return features;
        }

        private List<Categorical> categorical(JsonNode list) {
            List<Categorical> features = new ArrayList<>();
            for (int i = 0; list != null && i < checkedList(list, "categorical"); i++) {
                String where = "categorical[" + i + "]";
                JsonNode node = featureNode(list.get(i), where);
                if (node == null) {
                    continue;
                }
                unknownKeys(node, where, List.of("field", "name", "on-missing"));
                FieldPath path = path(node.get("field"), where + ".field", true);
                String name = name(node, where, path);
                boolean deadLetter = onMissing(node, where);
                if (path != null && name != null) {
                    features.add(new Categorical(name, path, deadLetter));
                }
            }
            return features;
        }

        private List<Cross> crosses(JsonNode list, List<Categorical> categorical) {
            List<Cross> crosses = new ArrayList<>();
            for (int i = 0; list != null && i < checkedList(list, "crosses"); i++) {
                String where = "crosses[" + i + "]";
                JsonNode node = list.get(i);
                if (!node.isArray() || node.size() < 2 || node.size() > 3) {
                    problem(where, "a cross is a list of two or three categorical features, e.g. "
                            + "[user.country, ad.id]");
                    continue;
                }
                List<Integer> parts = new ArrayList<>();
                for (JsonNode part : node) {
                    int index = -1;
                    for (int c = 0; c < categorical.size(); c++) {
                        if (categorical.get(c).name().equals(part.asText())
                                || categorical.get(c).path().toString().equals(part.asText())) {
                            index = c;
                        }
                    }
                    if (index < 0) {
                        problem(where, "'" + part.asText() + "' is not a categorical feature of this spec (name "
                                + "or field of an entry of categorical)");
                    } else if (parts.contains(index)) {
                        problem(where, "'" + part.asText() + "' is crossed with itself");
                    } else {
                        parts.add(index);
                    }
                }
                if (parts.size() == node.size()) {
                    crosses.add(new Cross(List.copyOf(parts)));
                }
            }
            return crosses;
        }

        private int checkedList(JsonNode list, String where) {
            if (list.isNull()) {
                return 0;
            }
            if (!list.isArray()) {
                problem(where, "expected a list");
                return 0;
            }
            return list.size();
        }

        private JsonNode featureNode(JsonNode node, String where) {
            if (node.isTextual()) {
                // A bare path is the common case: "- user.country".
                return new ObjectMapper().createObjectNode().put("field", node.textValue());
            }
            if (!node.isObject()) {
                problem(where, "expected a field path or {field: PATH, …}");
                return null;
            }
            return node;
        }

        private FieldPath path(JsonNode node, String where, boolean arraysAllowed) {
            if (node == null || node.isNull()) {
                problem(where, "missing");
                return null;
            }
            if (!node.isTextual()) {
                problem(where, "expected a field path such as user.country");
                return null;
            }
            try {
                FieldPath path = FieldPath.parse(node.textValue());
                if (!arraysAllowed && path.hasArrays()) {
                    problem(where, "'" + path + "' may reach several values ([]); only a categorical feature takes "
                            + "every element of an array");
                    return null;
                }
                return path;
            } catch (IllegalArgumentException e) {
                problem(where, e.getMessage());
                return null;
            }
        }

        private String name(JsonNode node, String where, FieldPath path) {
            JsonNode given = node.get("name");
            String name = given == null ? (path == null ? null : path.toString()) : given.asText();
            if (name == null) {
                return null;
            }
            if (given != null && (!given.isValueNode() || name.isEmpty())) {
                problem(where + ".name", "must be a non-empty name");
                return null;
            }
            if (name.indexOf('=') >= 0 || name.indexOf('^') >= 0 || name.startsWith("#")) {
                problem(where + ".name", "'" + name + "': = and ^ join the parts of categorical features and "
                        + "crosses, and #N names a hashed bucket; choose a name without them");
                return null;
            }
            return name;
        }

        private boolean onMissing(JsonNode node, String where) {
            JsonNode given = node.get("on-missing");
            if (given == null) {
                return false;
            }
            return switch (given.asText()) {
                case "skip" -> false;
                case "dead-letter" -> true;
                default -> {
                    problem(where + ".on-missing", "expected skip or dead-letter, got '" + given.asText() + "'");
                    yield false;
                }
            };
        }

        private void onMissingMustDeadLetter(JsonNode node, String where) {
            JsonNode given = node.get("on-missing");
            if (given != null && !given.asText().equals("dead-letter")) {
                problem(where + ".on-missing", "an event without a usable " + where + " is always dead-lettered; "
                        + "skipping it would lose it silently");
            }
        }

        private void names(List<Numeric> numeric, List<Categorical> categorical) {
            Set<String> seen = new LinkedHashSet<>();
            for (Numeric feature : numeric) {
                if (!seen.add(feature.name())) {
                    problems.add(source + ": numeric: two features are named '" + feature.name() + "'; give one a "
                            + "name:");
                }
            }
            Set<String> categories = new LinkedHashSet<>();
            for (Categorical feature : categorical) {
                if (!categories.add(feature.name())) {
                    problems.add(source + ": categorical: two features are named '" + feature.name() + "'; give "
                            + "one a name:");
                }
            }
        }
    }
}
