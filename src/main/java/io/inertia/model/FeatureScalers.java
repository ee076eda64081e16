package io.inertia.model;

import java.util.Arrays;

/**
 * The {@link OnlineStandardScaler}s of one model, one per standardized feature, by feature name: what a model learned
 * of its standardized features' distributions, kept beside its weights. A feature never learned scales as a scaler that
 * has seen no value does: z = x − 0 = x.
 *
 * <p>A model has a handful of standardized features (those a feature spec names), so a lookup is a scan of at most
 * that many names, O(k); with the spec's own name strings it is an identity check each. Iterated in ascending name
 * order ({@link #name}, {@link #scaler}), whatever the order the features were first learned in, so that a snapshot's
 * bytes depend only on the statistics. Not thread-safe: the learner changes it under its model's write lock.
 */
public final class FeatureScalers {

    private String[] names = new String[0];
    private OnlineStandardScaler[] scalers = new OnlineStandardScaler[0];

    /** No feature learned yet. */
    public FeatureScalers() {
    }

    /** The scaler of {@code feature}, or null when the model never learned a value of it. */
    public OnlineStandardScaler get(String feature) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(feature)) {
                return scalers[i];
            }
        }
        return null;
    }

    /** The scaler of {@code feature}, a new one (no value seen) when it has none yet. */
    public OnlineStandardScaler getOrAdd(String feature) {
        OnlineStandardScaler scaler = get(feature);
        return scaler != null ? scaler : put(feature, new OnlineStandardScaler());
    }

    /**
     * Sets the scaler of {@code feature} to {@code scaler} (resuming a stored model).
     *
     * @return {@code scaler}
     */
    public OnlineStandardScaler put(String feature, OnlineStandardScaler scaler) {
        int at = Arrays.binarySearch(names, feature);
        if (at >= 0) {
            scalers[at] = scaler;
            return scaler;
        }
        int insert = -at - 1;
        String[] moreNames = new String[names.length + 1];
        OnlineStandardScaler[] moreScalers = new OnlineStandardScaler[names.length + 1];
        System.arraycopy(names, 0, moreNames, 0, insert);
        System.arraycopy(scalers, 0, moreScalers, 0, insert);
        moreNames[insert] = feature;
        moreScalers[insert] = scaler;
        System.arraycopy(names, insert, moreNames, insert + 1, names.length - insert);
        System.arraycopy(scalers, insert, moreScalers, insert + 1, names.length - insert);
        names = moreNames;
        scalers = moreScalers;
        return scaler;
    }

    /** {@code x} of {@code feature} scaled with what the model learned so far, learning nothing. */
    public double transform(String feature, double x) {
        OnlineStandardScaler scaler = get(feature);
        return scaler == null ? x : scaler.transform(x);
    }

    /** The number of features with a scaler. */
    public int size() {
        return names.length;
    }

    /** The name of the {@code i}-th feature in ascending name order. */
    public String name(int i) {
        return names[i];
    }

    /** The scaler of the {@code i}-th feature in ascending name order. */
    public OnlineStandardScaler scaler(int i) {
        return scalers[i];
    }

    /** An independent copy. */
    public FeatureScalers copy() {
        FeatureScalers copy = new FeatureScalers();
        copy.names = names.clone();
        copy.scalers = new OnlineStandardScaler[scalers.length];
        for (int i = 0; i < scalers.length; i++) {
            OnlineStandardScaler scaler = scalers[i];
            copy.scalers[i] = OnlineStandardScaler.of(scaler.count(), scaler.mean(), scaler.m2());
        }
        return copy;
    }

    /** Heap estimate in bytes. */
    public long estimatedBytes() {
        long bytes = 48;
        for (String name : names) {
            bytes += 80 + 2L * name.length();
        }
        return bytes;
    }
}
