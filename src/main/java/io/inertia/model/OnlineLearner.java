package io.inertia.model;

import java.util.Optional;

/**
 * Learns a {@link LinearModel} one {@link Example} at a time: score, loss, gradient, optimizer step.
 *
 * <p>For an example (x, y) with sample weight s the score is z = w·x + b, the loss L(z, y) is evaluated before the
 * update, and every parameter θ receives gradient g = s·(∂L/∂z)·∂z/∂θ, i.e. s·(∂L/∂z)·x_j for weight j and
 * s·(∂L/∂z) for the bias, which the optimizer then applies (for {@link MomentumOptimizer}: v ← β·v + η·g, θ ← θ − v).
 */
public final class OnlineLearner {

    /** The default weight α of the newest loss in the running loss. */
    public static final double DEFAULT_LOSS_SMOOTHING = 0.01;

    private final Loss loss;
    private final Optimizer optimizer;
    private final double lossSmoothing;

    /**
     * @param lossSmoothing α ∈ (0, 1], weight of the newest loss in the running loss
     */
    public OnlineLearner(Loss loss, Optimizer optimizer, double lossSmoothing) {
        if (!(lossSmoothing > 0 && lossSmoothing <= 1)) {
            throw new IllegalArgumentException("loss smoothing must be in (0, 1], got " + lossSmoothing);
        }
        this.loss = loss;
        this.optimizer = optimizer;
        this.lossSmoothing = lossSmoothing;
    }

    /** The loss being minimised. */
    public Loss loss() {
        return loss;
    }

    /** The update rule. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** A new model with no update applied, shaped for this learner's optimizer. */
    public LinearModel newModel() {
        return LinearModel.empty(optimizer.stateSize());
    }

    /**
     * Why {@code example} cannot train {@code model}, or empty when it can: a label outside the loss's domain, a dense
     * vector whose length differs from the model's, or a model stored for an optimizer of another state size.
     */
    public Optional<String> check(LinearModel model, Example example) {
        Optional<String> label = loss.checkLabel(example.label());
        if (label.isPresent()) {
            return label;
        }
        if (model.slotWidth() != 1 + optimizer.stateSize()) {
            return Optional.of("stored model keeps " + (model.slotWidth() - 1) + " state values per parameter but the "
                    + optimizer.name() + " optimizer needs " + optimizer.stateSize());
        }
        int modelDimension = model.denseDimension();
        if (modelDimension >= 0 && example.denseDimension() > 0 && example.denseDimension() != modelDimension) {
            return Optional.of("dense vector has " + example.denseDimension() + " features but the model has "
                    + modelDimension);
        }
        return Optional.empty();
    }

    /**
     * Scores {@code example} with {@code model} as it is, then updates the model in place with the example's gradient.
     * Call {@link #check} first; this method assumes it passed.
     *
     * @return the prediction and loss made before the update, and the model's new version
     */
    public LearningStep learn(LinearModel model, Example example) {
        double score = model.score(example);
        double value = loss.value(score, example.label());
        double scoreGradient = example.weight() * loss.derivative(score, example.label());
        model.step(example, scoreGradient, optimizer);
        model.recordUpdate(value, lossSmoothing);
        return new LearningStep(loss.prediction(score), value, model.version());
    }

    /**
     * What one update saw: the prediction and loss before it, and the version it produced.
     *
     * @param prediction the prediction before the update (the score, or a probability for classification)
     * @param loss the loss L before the update
     * @param version the model's version after the update
     */
    public record LearningStep(double prediction, double loss, long version) {
    }
}
