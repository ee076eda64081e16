package io.inertia.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One labeled training example: dense features x_0..x_{d−1}, sparse features (absent means 0), a label y and a sample
 * weight s that scales the example's gradient.
 *
 * <p>Sparse features are of two kinds, kept in primitive arrays so that learning from an event allocates no
 * per-feature objects: <em>named</em> features (a name and a value), sorted by name, and <em>bucket</em> features (an
 * int index and a value), sorted by index. Hashing ({@link FeatureHasher}) produces buckets; a feature named in the
 * bucket form {@code "#i"} (see {@link #bucketOf(String)}) is the same feature as bucket i, so a model's hashed
 * weights read and print as {@code "#i"} while the learner never builds such a string per event.
 *
 * <p>Sorted order makes every sum over the features the same on every machine: floating-point addition is not
 * associative, and a model must not depend on a hash map's iteration order.
 */
public final class Example {

    private static final double[] NO_DOUBLES = new double[0];
    private static final int[] NO_INTS = new int[0];
    private static final String[] NO_NAMES = new String[0];

    private final double[] dense;
    private final String[] names;
    private final double[] nameValues;
    private final int[] buckets;
    private final double[] bucketValues;
    private final double label;
    private final double weight;
    private SortedMap<String, Double> namedView;

    private Example(double[] dense, String[] names, double[] nameValues, int[] buckets, double[] bucketValues,
            double label, double weight) {
        this.dense = dense;
        this.names = names;
        this.nameValues = nameValues;
        this.buckets = buckets;
        this.bucketValues = bucketValues;
        this.label = label;
        this.weight = weight;
    }

    /**
     * An example, checked: at least one feature group present, every value finite, the weight finite and ≥ 0. Names
     * in the bucket form {@code "#i"} become bucket features.
     *
     * @param dense the dense features, or null
     * @param named the named features, or null
     * @throws IllegalArgumentException naming the first problem found
     */
    public static Example of(double[] dense, Map<String, Double> named, double label, double weight) {
        if (named == null) {
            return of(dense, null, null, label, weight);
        }
        String[] names = new String[named.size()];
        double[] values = new double[names.length];
        toArrays(named, names, values);
        return of(dense, names, values, label, weight);
    }

    /**
     * As {@link #of(double[], Map, double, double)} for the named features {@code names[i]} = {@code values[i]} in
     * any order (both null for none); a name given more than once counts once, with its last value.
     */
    public static Example of(double[] dense, String[] givenNames, double[] givenValues, double label, double weight) {
        double[] denseCopy = checked(dense, givenNames != null, label, weight);
        if (givenNames == null || givenNames.length == 0) {
            return new Example(denseCopy, NO_NAMES, NO_DOUBLES, NO_INTS, NO_DOUBLES, label, weight);
        }
        checkNames(givenNames, givenValues);
        int[] order = sortedByName(givenNames);
        String[] sortedNames = new String[order.length];
        double[] sortedValues = new double[order.length];
        int distinct = 0;
        for (int j = 0; j < order.length; j++) {
            // Equal names sit together in position order: keep the last, as a map would.
            if (j + 1 < order.length && givenNames[order[j]].equals(givenNames[order[j + 1]])) {
                continue;
            }
            sortedNames[distinct] = givenNames[order[j]];
            sortedValues[distinct++] = givenValues[order[j]];
        }
        int bucketCount = 0;
        for (int j = 0; j < distinct; j++) {
            if (bucketOf(sortedNames[j]) >= 0) {
                bucketCount++;
            }
        }
        String[] names = new String[distinct - bucketCount];
        double[] nameValues = new double[names.length];
        int[] buckets = new int[bucketCount];
        double[] bucketValues = new double[bucketCount];
        int n = 0;
        int b = 0;
        for (int j = 0; j < distinct; j++) {
            int bucket = bucketOf(sortedNames[j]);
            if (bucket >= 0) {
                buckets[b] = bucket;
                bucketValues[b++] = sortedValues[j];
            } else {
                names[n] = sortedNames[j];
                nameValues[n++] = sortedValues[j];
            }
        }
        sortByBucket(buckets, bucketValues, bucketCount);
        return new Example(denseCopy, names, nameValues, buckets, bucketValues, label, weight);
    }

    /** Positions 0..n−1 of {@code names} ordered by name, equal names by position. */
    private static int[] sortedByName(String[] names) {
        Integer[] order = new Integer[names.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int byName = names[a].compareTo(names[b]);
            return byName != 0 ? byName : Integer.compare(a, b);
        });
        int[] sorted = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sorted[i] = order[i];
        }
        return sorted;
    }

    private static void toArrays(Map<String, Double> named, String[] names, double[] values) {
        int i = 0;
        for (Map.Entry<String, Double> feature : named.entrySet()) {
            if (feature.getValue() == null) {
                throw new IllegalArgumentException("feature '" + feature.getKey() + "' is null, not a finite number");
            }
            names[i] = feature.getKey();
            values[i++] = feature.getValue();
        }
    }

    /**
     * An example whose named features are hashed into buckets by {@code hasher}, checked first under the names the
     * event gave them (so that a bad value is reported by its name).
     *
     * @throws IllegalArgumentException naming the first problem found
     */
    public static Example hashed(double[] dense, Map<String, Double> named, FeatureHasher hasher, double label,
            double weight) {
        if (named == null) {
            return hashed(dense, null, null, hasher, label, weight);
        }
        String[] names = new String[named.size()];
        double[] values = new double[names.length];
        toArrays(named, names, values);
        return hashed(dense, names, values, hasher, label, weight);
    }

    /** As {@link #hashed(double[], Map, FeatureHasher, double, double)} for the features {@code names[i]} = values[i]. */
    public static Example hashed(double[] dense, String[] names, double[] values, FeatureHasher hasher, double label,
            double weight) {
        double[] denseCopy = checked(dense, names != null, label, weight);
        if (names == null || names.length == 0) {
            return new Example(denseCopy, NO_NAMES, NO_DOUBLES, NO_INTS, NO_DOUBLES, label, weight);
        }
        checkNames(names, values);
        FeatureHasher.Buckets hashed = hasher.buckets(names, values);
        return new Example(denseCopy, NO_NAMES, NO_DOUBLES, hashed.indices(), hashed.values(), label, weight);
    }

    private static double[] checked(double[] dense, boolean hasNamed, double label, double weight) {
        if (dense == null && !hasNamed) {
            throw new IllegalArgumentException("event has neither dense nor named features");
        }
        if (!Double.isFinite(label)) {
            throw new IllegalArgumentException("label " + label + " is not a finite number");
        }
        if (!(weight >= 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight " + weight + " is not a finite number >= 0");
        }
        double[] denseCopy = dense == null ? NO_DOUBLES : dense.clone();
        for (int i = 0; i < denseCopy.length; i++) {
            if (!Double.isFinite(denseCopy[i])) {
                throw new IllegalArgumentException("dense feature " + i + " is " + denseCopy[i] + ", not a finite number");
            }
        }
        return denseCopy;
    }

    /** Checks every feature: its name not empty, its value finite. */
    private static void checkNames(String[] names, double[] values) {
        for (int i = 0; i < names.length; i++) {
            if (names[i] == null || names[i].isEmpty()) {
                throw new IllegalArgumentException("a named feature has an empty name");
            }
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("feature '" + names[i] + "' is " + values[i]
                        + ", not a finite number");
            }
        }
    }

    /** Sorts the first {@code count} buckets ascending, carrying their values along (insertion sort: events are small). */
    static void sortByBucket(int[] buckets, double[] values, int count) {
        for (int i = 1; i < count; i++) {
            int bucket = buckets[i];
            double value = values[i];
            int j = i - 1;
            while (j >= 0 && buckets[j] > bucket) {
                buckets[j + 1] = buckets[j];
                values[j + 1] = values[j];
                j--;
            }
            buckets[j + 1] = bucket;
            values[j + 1] = value;
        }
    }

    /**
     * The bucket that {@code name} stands for when it has the bucket form: {@code "#"} followed by a decimal int
     * without sign or leading zeros (e.g. {@code "#0"}, {@code "#7"}, {@code "#1048575"}); −1 for any other name.
     */
    public static int bucketOf(String name) {
        int length = name.length();
        if (length < 2 || length > 11 || name.charAt(0) != '#') {
            return -1;
        }
        if (name.charAt(1) == '0' && length > 2) {
            return -1;
        }
        long value = 0;
        for (int i = 1; i < length; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= Integer.MAX_VALUE ? (int) value : -1;
    }

    /** The name of bucket {@code bucket}: {@code "#" + bucket}. */
    public static String bucketName(int bucket) {
        return FeatureHasher.BUCKET_PREFIX + bucket;
    }

    /** Number of dense features d (0 when the example has none). */
    public int denseDimension() {
        return dense.length;
    }

    /** Dense feature x_i. */
    public double dense(int i) {
        return dense[i];
    }

    /** Number of named (non-bucket) features. */
    public int nameCount() {
        return names.length;
    }

    /** The i-th named feature's name, in ascending name order. */
    public String name(int i) {
        return names[i];
    }

    /** The i-th named feature's value. */
    public double nameValue(int i) {
        return nameValues[i];
    }

    /** Number of bucket features. */
    public int bucketCount() {
        return buckets.length;
    }

    /** The i-th bucket feature's index, in ascending order. */
    public int bucket(int i) {
        return buckets[i];
    }

    /** The i-th bucket feature's value. */
    public double bucketValue(int i) {
        return bucketValues[i];
    }

    /** Number of sparse features: named plus buckets. */
    public int sparseCount() {
        return names.length + buckets.length;
    }

    /**
     * Every sparse feature by name (buckets as {@code "#i"}), sorted by name; read-only. Built on first use, for
     * readers and tests; the learner itself works on the arrays.
     */
    public SortedMap<String, Double> named() {
        if (namedView == null) {
            TreeMap<String, Double> all = new TreeMap<>();
            for (int i = 0; i < names.length; i++) {
                all.put(names[i], nameValues[i]);
            }
            for (int i = 0; i < buckets.length; i++) {
                all.put(bucketName(buckets[i]), bucketValues[i]);
            }
            namedView = Collections.unmodifiableSortedMap(all);
        }
        return namedView;
    }

    /** Σ x_j² over the dense and sparse features. */
    public double squaredNorm() {
        double sum = 0;
        for (double x : dense) {
            sum += x * x;
        }
        for (double x : nameValues) {
            sum += x * x;
        }
        for (double x : bucketValues) {
            sum += x * x;
        }
        return sum;
    }

    /** The label y. */
    public double label() {
        return label;
    }

    /** The sample weight s. */
    public double weight() {
        return weight;
    }

    @Override
    public String toString() {
        return "Example{dense=" + Arrays.toString(dense) + ", named=" + named() + ", label=" + label + ", weight="
                + weight + '}';
    }
}
