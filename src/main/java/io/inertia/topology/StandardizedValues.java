package io.inertia.topology;

import io.inertia.model.FeatureScalers;
import io.inertia.spec.FeatureExtractor;
import io.inertia.spec.FeatureSpec;
import java.util.Arrays;

/**
 * The standardized values of the event the learner is reading: each value x of a standardized feature is scaled with
 * the statistics of the event's model as they are before it (those it learned from its earlier events, as River's
 * {@code StandardScaler} scales inside a pipeline's {@code learn_one}), and kept, so that the learner adds the raw
 * values to the model's statistics with the event's update ({@link #learnInto}) — never for an event that is
 * dead-lettered, or whose update is rolled back. Only learning moves the statistics: a prediction reads them.
 *
 * <p>O(k) per event for k standardized features: one lookup of the model, one of each feature's scaler. One per
 * learner processor; the stream thread's alone.
 */
final class StandardizedValues implements FeatureExtractor.Standardizer {

    /** The name of each numeric feature of the spec, by its index there. */
    private final String[] featureNames;
    private WorkingModelStore models;
    /** The model the event being read belongs to (its record key); null between events. */
    private String modelKey;
    private String[] names = new String[4];
    private double[] values = new double[4];
    private int size;

    StandardizedValues(FeatureSpec spec) {
        this.featureNames = spec.numeric().stream().map(FeatureSpec.Numeric::name).toArray(String[]::new);
    }

    /** Reads models from {@code models} (the task's, at the processor's init). */
    void attach(WorkingModelStore models) {
        this.models = models;
    }

    /** Starts reading an event of the model {@code modelKey}: nothing of an earlier event remains. */
    void begin(String modelKey) {
        this.modelKey = modelKey;
        size = 0;
    }

    @Override
    public double standardize(String eventModelKey, int feature, double x) {
        String name = featureNames[feature];
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = x;
        size++;
        if (!eventModelKey.equals(modelKey)) {
            // The learner refuses an event whose model key is not its record key: nothing to scale it with.
            return x;
        }
        WorkingModel working = models.get(modelKey);
        FeatureScalers scalers = working == null ? null : working.scalers;
        return scalers == null ? x : scalers.transform(name, x);
    }

    /**
     * Adds the event's raw values to the statistics of {@code working}, its model, with its update: call under the
     * model's write lock, once the update stands.
     */
    void learnInto(WorkingModel working) {
        if (size == 0) {
            return;
        }
        if (working.scalers == null) {
            working.scalers = new FeatureScalers();
        }
        for (int i = 0; i < size; i++) {
            working.scalers.getOrAdd(names[i]).learn(values[i]);
        }
        size = 0;
    }
}
