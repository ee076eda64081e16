package io.inertia.topology;

import io.inertia.model.FeatureScalers;
import io.inertia.model.LinearModel;

/**
 * A model as a reader on another thread sees it during {@link WorkingModelStore#read}, or as loaded from the
 * {@link ModelStore}: its parameters and the facts of its header that are not learning state.
 *
 * @param key the model key
 * @param model the model, each sparse weight as of its last update (see {@link LinearModel}); not to be changed, and
 *     for a model in memory not to be kept beyond the read
 * @param halted whether the model is halted after a divergence
 * @param lastEventTimestamp the record timestamp of the last event it learned from, −1 before any
 * @param scalers the statistics of its standardized features, or null when it has none; like {@code model}, not to
 *     be changed nor kept beyond the read
 */
public record ModelView(String key, LinearModel model, boolean halted, long lastEventTimestamp,
        FeatureScalers scalers) {

    /** A view of a model without standardized features. */
    public ModelView(String key, LinearModel model, boolean halted, long lastEventTimestamp) {
        this(key, model, halted, lastEventTimestamp, null);
    }
}
