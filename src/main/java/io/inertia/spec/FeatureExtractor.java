package io.inertia.spec;

import io.inertia.serde.EventDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Applies a {@link FeatureSpec} to a decoded record (a Jackson tree or an Avro record), giving the event the learner
 * reads: its model key, label, weight, event id and named features, in spec order:
 *
 * <ul>
 *   <li>numeric feature {@code name} = x (a boolean is 1 or 0), after its transform: none, ln(1 + x) for x &gt; −1,
 *       or standardized by the {@link Standardizer};</li>
 *   <li>categorical feature {@code name=v} = 1 for each distinct value v (text as it is, whole numbers in decimal,
 *       other numbers as Java prints a double, booleans as true/false);</li>
 *   <li>cross {@code a=v^b=w} (^{@code c=u}) = 1 for every combination of the crossed features' values.</li>
 * </ul>
 *
 * A feature whose value is missing or of the wrong type is left out, or refuses the event when its spec says
 * {@code on-missing: dead-letter}; a missing or wrong-typed model key or label always refuses it. A refusal is a
 * {@link SerializationException} with a one-line reason that starts with what it is about ({@code model key},
 * {@code label}, {@code weight}, {@code feature}), so that the learner dead-letters it under that category. Nothing is
 * standardized before the whole record has been checked, so a refused record never moves a standardizer. Not
 * thread-safe (it reuses a list between records).
 */
public final class FeatureExtractor {

    /** Scales the value of a standardized numeric feature with its model's statistics (see OnlineStandardScaler). */
    @FunctionalInterface
    public interface Standardizer {
        /**
         * The value {@code x} of numeric feature {@code feature} (its index in {@link FeatureSpec#numeric()}) of an
         * event of model {@code modelKey}, scaled with that model's statistics as they are before this event. Whether
         * and when {@code x} is then added to them is the standardizer's: the learner adds it with the event's update
         * (and not when the update is refused or rolled back), a prediction never; {@code inertia check} at once.
         */
        double standardize(String modelKey, int feature, double x);
    }

    private final FeatureSpec spec;
    private final Standardizer standardizer;
    private final List<Object> reached = new ArrayList<>();
    /** {@code name=} of each categorical feature, by its index in the spec. */
    private final String[] prefixes;
    /** The categorical features each cross joins, by their indices in the spec. */
    private final int[][] crosses;
    /** Whether two crosses join the same features in the same order (and so give the same names). */
    private final boolean repeatedCross;
    private final StringBuilder crossName = new StringBuilder();

    /**
     * An extractor of {@code spec}'s features; {@code standardizer} scales the standardized ones and may be null only
     * when the spec standardizes nothing.
     */
    public FeatureExtractor(FeatureSpec spec, Standardizer standardizer) {
        if (spec.standardizes() && standardizer == null) {
            throw new IllegalArgumentException("the spec standardizes a feature but no standardizer is given");
        }
        this.spec = spec;
        this.standardizer = standardizer;
        this.prefixes = spec.categorical().stream().map(feature -> feature.name() + "=").toArray(String[]::new);
        this.crosses = spec.crosses().stream()
                .map(cross -> cross.parts().stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        this.repeatedCross = spec.crosses().stream().map(FeatureSpec.Cross::parts).distinct().count()
                < spec.crosses().size();
    }

    /**
     * An extractor that only reads model keys ({@link #modelKey}), e.g. to re-key records or to key a file's records:
     * it never standardizes, which is the learner's, per model.
     */
    public static FeatureExtractor keysOnly(FeatureSpec spec) {
        return new FeatureExtractor(spec, (modelKey, feature, x) -> {
            throw new IllegalStateException("an extractor of model keys only does not extract features");
        });
    }

    /** The spec applied. */
    public FeatureSpec spec() {
        return spec;
    }

    /**
     * The model key of {@code record}: {@code recordKey} (the record's own key, may be null), a field's value, or the
     * spec's constant.
     *
     * @throws SerializationException when the key field is missing or of the wrong type
     */
    public String modelKey(Object record, String recordKey) {
        if (spec.modelKey() instanceof FeatureSpec.ConstantKey constant) {
            return constant.value();
        }
        if (spec.modelKey() instanceof FeatureSpec.KeyField field) {
            Object value = field.path().single(record);
            if (value instanceof String text && !text.isEmpty()) {
                return text;
            }
            if (value instanceof Long whole) {
                return whole.toString();
            }
            throw refused("model key field '" + field.path() + "' " + (value instanceof String ? "is empty"
                    : problem(value, "a string or whole number")));
        }
        return recordKey == null ? "" : recordKey;
    }

    /**
     * The event {@code record} becomes, read at {@code topic}/{@code partition}/{@code offset} (the event id of
     * {@code event-id: position}; a negative partition gives no id) under the record key {@code recordKey}.
     *
     * @throws SerializationException naming the first reason the record cannot be learned from
     */
    public EventDecoder.Event extract(Object record, String recordKey, String topic, int partition, long offset) {
        String modelKey = modelKey(record, recordKey);
        double label = label(record);
        double weight = weight(record);
        String eventId = eventId(record, topic, partition, offset);
        Features features = features(record, modelKey);
        return new EventDecoder.Event(modelKey, null, features.names(), features.values(), label, weight, eventId);
    }

    /**
     * The named features of a record and their values.
     *
     * @param names the feature names, in spec order
     * @param values their values, {@code values[i]} of {@code names[i]}
     */
    public record Features(String[] names, double[] values) {
    }

    /**
     * The features alone of {@code record}, of the model {@code modelKey}, as {@link #extract} gives them, whatever
     * its label, weight and event id: what a prediction for the record reads.
     *
     * @throws SerializationException when a feature whose spec says {@code on-missing: dead-letter} is missing or of
     *     the wrong type
     */
    public Features features(Object record, String modelKey) {
        int numericCount = spec.numeric().size();
        double[] numericValues = new double[numericCount];
        boolean[] present = new boolean[numericCount];
        int count = 0;
        for (int i = 0; i < numericCount; i++) {
            FeatureSpec.Numeric feature = spec.numeric().get(i);
            Object value = feature.path().single(record);
            double x;
            String problem = null;
            if (value instanceof Boolean flag) {
                x = flag ? 1 : 0;
            } else if (value instanceof Number number) {
                x = number.doubleValue();
            } else {
                x = Double.NaN;
                problem = problem(value, "a number");
            }
            if (problem == null && !Double.isFinite(x)) {
                problem = "is " + x + ", not a finite number";
            }
            if (problem == null && feature.transform() == FeatureSpec.Transform.LOG1P) {
                if (x > -1) {
                    x = Math.log1p(x);
                } else {
                    problem = "is " + x + ": log1p needs a value > -1";
                }
            }
            if (problem != null) {
                if (feature.deadLetterIfMissing()) {
                    throw refused("feature '" + feature.name() + "': field '" + feature.path() + "' " + problem);
                }
                continue;
            }
            numericValues[i] = x;
            present[i] = true;
            count++;
        }

        int categoricalCount = spec.categorical().size();
        String[][] categories = new String[categoricalCount][];
        // Whether two of the event's names may be equal: only through a value holding = or ^, or a cross listed twice.
        boolean mayRepeat = repeatedCross;
        for (int c = 0; c < categoricalCount; c++) {
            FeatureSpec.Categorical feature = spec.categorical().get(c);
            reached.clear();
            feature.path().collect(record, reached);
            String[] values = new String[reached.size()];
            // A few values are compared one by one; many (a long array) go through a set.
            Set<String> many = values.length > 16 ? new HashSet<>() : null;
            int distinct = 0;
            for (Object value : reached) {
                String text = category(value);
                if (text != null) {
                    if (many == null ? !contains(values, distinct, text) : many.add(text)) {
                        values[distinct++] = text;
                        mayRepeat |= text.indexOf('=') >= 0 || text.indexOf('^') >= 0;
                    }
                } else if (feature.deadLetterIfMissing()) {
                    throw refused("feature '" + feature.name() + "': field '" + feature.path() + "' "
                            + problem(value, "a string, number or boolean"));
                }
            }
            if (distinct == 0 && feature.deadLetterIfMissing()) {
                throw refused("feature '" + feature.name() + "': field '" + feature.path() + "' is missing");
            }
            categories[c] = distinct == values.length ? values : Arrays.copyOf(values, distinct);
            count += distinct;
        }
        for (int[] cross : crosses) {
            int combinations = 1;
            for (int part : cross) {
                combinations *= categories[part].length;
            }
            count += combinations;
        }

        // Everything is checked: only now may a standardizer learn the event's values.
        Names names = new Names(count, mayRepeat);
        for (int i = 0; i < numericCount; i++) {
            if (!present[i]) {
                continue;
            }
            FeatureSpec.Numeric feature = spec.numeric().get(i);
            double x = feature.transform() == FeatureSpec.Transform.STANDARDIZE
                    ? standardizer.standardize(modelKey, i, numericValues[i]) : numericValues[i];
            names.add(feature.name(), x);
        }
        for (int c = 0; c < categoricalCount; c++) {
            String prefix = prefixes[c];
            for (String value : categories[c]) {
                names.add(prefix.concat(value), 1.0);
            }
        }
        for (int[] cross : crosses) {
            crossed(cross, 0, crossName, categories, names);
        }
        return names.features();
    }

    /** Adds every combination of the values of {@code parts} from {@code index} on to the name built so far. */
    private void crossed(int[] parts, int index, StringBuilder name, String[][] categories, Names names) {
        if (index == 0) {
            name.setLength(0);
        }
        if (index == parts.length) {
            names.add(name.toString(), 1.0);
            return;
        }
        int part = parts[index];
        String prefix = prefixes[part];
        int length = name.length();
        for (String value : categories[part]) {
            if (index > 0) {
                name.append('^');
            }
            name.append(prefix).append(value);
            crossed(parts, index + 1, name, categories, names);
            name.setLength(length);
        }
    }

    /** Whether {@code values[0..size)} holds {@code value}: an event's few values, compared one by one. */
    private static boolean contains(String[] values, int size, String value) {
        for (int i = 0; i < size; i++) {
            if (values[i].equals(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An event's feature names and values in the order added. A name added again is left out, the first one counts;
     * a set is kept only for an event whose names may repeat.
     */
    private static final class Names {
        private final String[] names;
        private final double[] values;
        private final Set<String> seen;
        private int size;

        Names(int capacity, boolean mayRepeat) {
            names = new String[capacity];
            values = new double[capacity];
            seen = mayRepeat ? new HashSet<>() : null;
        }

        void add(String name, double value) {
            if (seen == null || seen.add(name)) {
                names[size] = name;
                values[size++] = value;
            }
        }

        Features features() {
            return size == names.length ? new Features(names, values)
                    : new Features(Arrays.copyOf(names, size), Arrays.copyOf(values, size));
        }
    }

    private double label(Object record) {
        FeatureSpec.Label label = spec.label();
        Object value = label.path().single(record);
        if (value instanceof Boolean flag) {
            return flag ? 1 : 0;
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof String text) {
            int index = label.classes().indexOf(text);
            if (index >= 0) {
                return index;
            }
            throw refused("label field '" + label.path() + "' is '" + text + "', " + (label.classes().isEmpty()
                    ? "a string: list the class names in label.classes to learn from strings"
                    : "not one of the classes " + label.classes()));
        }
        throw refused("label field '" + label.path() + "' " + problem(value, "a number, boolean or class name"));
    }

    private double weight(Object record) {
        FeatureSpec.Weight weight = spec.weight();
        if (weight == null) {
            return 1.0;
        }
        Object value = weight.path().single(record);
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (weight.deadLetterIfMissing()) {
            throw refused("weight field '" + weight.path() + "' " + problem(value, "a number"));
        }
        return 1.0;
    }

    private String eventId(Object record, String topic, int partition, long offset) {
        if (spec.eventId() instanceof FeatureSpec.PositionEventId) {
            return partition < 0 ? null : topic + "/" + partition + "/" + offset;
        }
        if (spec.eventId() instanceof FeatureSpec.EventIdField field) {
            Object value = field.path().single(record);
            return value instanceof String || value instanceof Long ? value.toString() : null;
        }
        return null;
    }

    /** A categorical value as text, or null when the value cannot be one. */
    private static String category(Object value) {
        if (value instanceof String text) {
            return text;
        }
        if (value instanceof Long || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof Double number) {
            return Double.isFinite(number) ? number.toString() : null;
        }
        return null;
    }

    /** Why {@code value} is not {@code expected}, e.g. {@code is missing} or {@code is a string, not a number}. */
    private static String problem(Object value, String expected) {
        if (value == null) {
            return "is missing";
        }
        if (value instanceof FieldPath.Mismatch mismatch && mismatch.what().contains(" where ")) {
            return "cannot be reached: " + mismatch.what();
        }
        return "is " + describe(value) + ", not " + expected;
    }

    private static String describe(Object value) {
        if (value instanceof FieldPath.Mismatch mismatch) {
            return mismatch.what();
        }
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof Number) {
            return "a number";
        }
        return "null";
    }

    private static SerializationException refused(String reason) {
        return new SerializationException(reason);
    }
}
