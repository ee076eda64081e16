package io.inertia.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One labeled training example: dense features x_0..x_{d−1}, named features (name → value, absent means 0), a label y
 * and a sample weight s that scales the example's gradient.
 *
 * <p>Named features are kept sorted by name so that sums over them are evaluated in the same order on every machine:
 * floating-point addition is not associative, and a model must not depend on a hash map's iteration order.
 */
public final class Example {

    private static final double[] NO_DENSE = new double[0];

    private final double[] dense;
    private final SortedMap<String, Double> named;
    private final double label;
    private final double weight;

    private Example(double[] dense, SortedMap<String, Double> named, double label, double weight) {
        this.dense = dense;
        this.named = named;
        this.label = label;
        this.weight = weight;
    }

    /**
     * An example, checked: at least one feature group present, every value finite, the weight finite and ≥ 0.
     *
     * @param dense the dense features, or null
     * @param named the named features, or null
     * @throws IllegalArgumentException naming the first problem found
     */
    public static Example of(double[] dense, Map<String, Double> named, double label, double weight) {
        if (dense == null && named == null) {
            throw new IllegalArgumentException("event has neither dense nor named features");
        }
        if (!Double.isFinite(label)) {
            throw new IllegalArgumentException("label " + label + " is not a finite number");
        }
        if (!(weight >= 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight " + weight + " is not a finite number >= 0");
        }
        double[] denseCopy = dense == null ? NO_DENSE : dense.clone();
        for (int i = 0; i < denseCopy.length; i++) {
            if (!Double.isFinite(denseCopy[i])) {
                throw new IllegalArgumentException("dense feature " + i + " is " + denseCopy[i] + ", not a finite number");
            }
        }
        TreeMap<String, Double> namedCopy = new TreeMap<>();
        if (named != null) {
            for (Map.Entry<String, Double> feature : named.entrySet()) {
                Double value = feature.getValue();
                if (feature.getKey() == null || feature.getKey().isEmpty()) {
                    throw new IllegalArgumentException("a named feature has an empty name");
                }
                if (value == null || !Double.isFinite(value)) {
                    throw new IllegalArgumentException(
                            "feature '" + feature.getKey() + "' is " + value + ", not a finite number");
                }
                namedCopy.put(feature.getKey(), value);
            }
        }
        return new Example(denseCopy, Collections.unmodifiableSortedMap(namedCopy), label, weight);
    }

    /** Number of dense features d (0 when the example has none). */
    public int denseDimension() {
        return dense.length;
    }

    /** Dense feature x_i. */
    public double dense(int i) {
        return dense[i];
    }

    /** The named features, sorted by name; read-only. */
    public SortedMap<String, Double> named() {
        return named;
    }

    /** Σ x_j² over the dense and named features. */
    public double squaredNorm() {
        double sum = 0;
        for (double x : dense) {
            sum += x * x;
        }
        for (double x : named.values()) {
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
        return "Example{dense=" + Arrays.toString(dense) + ", named=" + named + ", label=" + label + ", weight="
                + weight + '}';
    }
}
