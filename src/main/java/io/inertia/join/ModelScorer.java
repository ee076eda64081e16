package io.inertia.join;

import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.EventDecoder;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link Scorer} over the models a lookup finds (the learner's working models, in the topology), with the learner's
 * example rules: features hashed as it hashes them, the same checks and the same words. A model the lookup does not
 * have scores as a new one would. Never changes a model ({@link OnlineLearner#score}).
 */
public final class ModelScorer implements Scorer {

    /** Longest feature name (characters) learned without hashing, as the learner allows. */
    static final int MAX_NAME_LENGTH = 1000;

    private final OnlineLearner learner;
    private final FeatureHasher hasher;
    private final Function<String, LinearModel> models;

    /**
     * A scorer with {@code learner}'s rules, hashing names into 2^{@code hashBits} buckets (0: not hashed), scoring the
     * models {@code models} finds (null for a model it does not have).
     */
    public ModelScorer(OnlineLearner learner, int hashBits, Function<String, LinearModel> models) {
        this.learner = learner;
        this.hasher = hashBits > 0 ? FeatureHasher.of(hashBits) : null;
        this.models = models;
    }

    @Override
    public Scored score(String modelKey, EventDecoder.Event event) {
        Example example;
        try {
            // The label is not known yet and not read by scoring: any finite number passes the example's checks.
            if (hasher != null) {
                example = Example.hashed(event.dense(), event.names(), event.values(), hasher, 0.0, event.weight());
            } else {
                if (event.names() != null) {
                    for (String name : event.names()) {
                        if (name != null && name.length() > MAX_NAME_LENGTH) {
                            return Scored.refused("feature name '" + name.substring(0, 40) + "…' is longer than "
                                    + MAX_NAME_LENGTH + " characters");
                        }
                    }
                }
                example = Example.of(event.dense(), event.names(), event.values(), 0.0, event.weight());
            }
        } catch (IllegalArgumentException e) {
            return Scored.refused(e.getMessage());
        }
        LinearModel model = models.apply(modelKey);
        if (model == null) {
            model = learner.newModel();
        }
        Optional<String> problem = learner.checkFeatures(model, example);
        if (problem.isPresent()) {
            return Scored.refused(problem.get());
        }
        OnlineLearner.Score score = learner.score(model, example);
        if (!Double.isFinite(score.score()) || !Double.isFinite(score.prediction())) {
            return Scored.refused("score " + score.score() + " or prediction " + score.prediction()
                    + " of the event is not finite (divergence)");
        }
        return Scored.of(new EventDecoder.Served(score.prediction(), score.score(), score.version()));
    }
}
