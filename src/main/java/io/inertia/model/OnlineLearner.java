package io.inertia.model;

import java.util.Optional;

/**
 * Learns a {@link LinearModel} one {@link Example} at a time: score, loss, gradient, optimizer step.
 *
 * <p>For an example (x, y) with sample weight s the score is z = w·x + b, the loss L(z, y) is evaluated before the
 * update, and every parameter θ receives gradient g = s·(∂L/∂z)·∂z/∂θ + λ₂·θ, i.e. s·(∂L/∂z)·x_j + λ₂·w_j for
 * weight j and s·(∂L/∂z) for the bias (L2 never applies to the bias), which the optimizer then applies with the
 * schedule's rate η_t for this model's update t (for {@link MomentumOptimizer}: v ← β·v + η_t·g, θ ← θ − v).
 *
 * <p>With the {@link SoftmaxLoss} of K classes the model has K outputs, z_k = w_k·x + b_k, and weight (j, k) receives
 * s·(p_k − [y = k])·x_j + λ₂·w_jk, bias k s·(p_k − [y = k]); clipping by norm scales the whole K × features gradient,
 * by value each component, and each weight keeps its own optimizer state. With an optimizer that applies the
 * penalties itself ({@link Optimizer#appliesPenalties()}, FTRL) the learner adds none: its gradient is the loss's alone.
 */
public final class OnlineLearner {

    /** The default weight α of the newest loss in the running loss. */
    public static final double DEFAULT_LOSS_SMOOTHING = 0.01;
    /** The default number W of recent events over which the windowed mean loss is taken. */
    public static final int DEFAULT_METRICS_WINDOW = 100;

    private final Loss loss;
    /** The loss when it is the K-class softmax, else null. */
    private final SoftmaxLoss softmax;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final Regularization regularization;
    private final double lossSmoothing;
    private final int metricsWindow;

    /**
     * @param schedule the learning rate η_t of each update
     * @param l2 λ₂ ≥ 0, the L2 penalty ½λ₂‖w‖² on the weights (not the bias)
     * @param lossSmoothing α ∈ (0, 1], weight of the newest loss in the running loss
     */
    public OnlineLearner(Loss loss, Optimizer optimizer, LearningRateSchedule schedule, double l2,
            double lossSmoothing) {
        this(loss, optimizer, schedule, l2, lossSmoothing, DEFAULT_METRICS_WINDOW);
    }

    /**
     * As {@link #OnlineLearner(Loss, Optimizer, LearningRateSchedule, double, double)}, keeping prequential metrics
     * over the last {@code metricsWindow} events.
     */
    public OnlineLearner(Loss loss, Optimizer optimizer, LearningRateSchedule schedule, double l2,
            double lossSmoothing, int metricsWindow) {
        this(loss, optimizer, schedule, Regularization.l2Only(l2), lossSmoothing, metricsWindow);
    }

    /**
     * The general form: {@code regularization} gives the L1 and L2 penalties and the gradient clipping.
     *
     * @param metricsWindow W ≥ 1, the number of recent events of the windowed mean loss
     */
    public OnlineLearner(Loss loss, Optimizer optimizer, LearningRateSchedule schedule, Regularization regularization,
            double lossSmoothing, int metricsWindow) {
        if (metricsWindow < 1) {
            throw new IllegalArgumentException("metrics window must be >= 1, got " + metricsWindow);
        }
        this.metricsWindow = metricsWindow;
        if (!(lossSmoothing > 0 && lossSmoothing <= 1)) {
            throw new IllegalArgumentException("loss smoothing must be in (0, 1], got " + lossSmoothing);
        }
        this.loss = loss;
        this.softmax = loss instanceof SoftmaxLoss classes ? classes : null;
        this.optimizer = optimizer;
        this.schedule = schedule;
        // FTRL's λ₁ and λ₂ live in its formula for the weight: the learner's own penalties would apply them twice.
        this.regularization = optimizer.appliesPenalties()
                ? new Regularization(0, 0, regularization.clipValue(), regularization.clipNorm()) : regularization;
        this.lossSmoothing = lossSmoothing;
    }

    /** A learner with a constant learning rate η, no regularisation and the default loss smoothing. */
    public static OnlineLearner of(Loss loss, Optimizer optimizer, double learningRate) {
        return new OnlineLearner(loss, optimizer, LearningRateSchedule.constant(learningRate), 0.0,
                DEFAULT_LOSS_SMOOTHING);
    }

    /** The loss being minimised. */
    public Loss loss() {
        return loss;
    }

    /** The update rule. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * Brings every named parameter of {@code model} up to its current version, as if every update had stepped it:
     * call before reading the model as a whole (a snapshot). Costs O(named parameters).
     */
    public void catchUp(LinearModel model) {
        for (int i = 0, n = model.coordinateCount(); i < n; i++) {
            model.catchUpCoordinate(i, optimizer, schedule, regularization);
        }
    }

    /**
     * Coordinate {@code i} of {@code model} as it is at the model's version, written into {@code into}, the model left
     * unchanged (see {@link #catchUp}).
     */
    public void currentSlots(LinearModel model, int i, double[] into) {
        model.caughtUpSlots(i, into, optimizer, schedule, regularization);
    }

    /**
     * Whether {@link #untouchedSlotsAt} can tell a weight's value at a later version now: without L1 (with it, the
     * catch-up depends on the updates between).
     */
    public boolean foreseesUntouched() {
        return !regularization.hasL1();
    }

    /**
     * Coordinate {@code i} of {@code model} as it will be at version {@code target} if no update until then touches
     * it, written into {@code into}, the model left unchanged: what {@link #currentSlots} will give at {@code target}.
     * Only when {@link #foreseesUntouched()}.
     */
    public void untouchedSlotsAt(LinearModel model, int i, long target, double[] into) {
        model.untouchedSlotsAt(i, target, into, optimizer, schedule, regularization);
    }

    /**
     * The score z = w·x + b that {@code model} gives {@code example} at its current version, without changing the
     * model: each sparse weight the example carries is taken as {@link #currentSlots} brings it up to date, so z is
     * exactly the score {@link #learn} would compute for this example next (dense terms in index order, then named
     * terms in name order, then bucket terms in bucket order, then the bias; a feature the model does not have weighs
     * 0). Costs O(dense dimension + the example's sparse features), whatever the model's size.
     *
     * @param scratch at least {@link LinearModel#blockWidth()} doubles, overwritten
     */
    public double currentScore(LinearModel model, Example example, double[] scratch) {
        double sum = 0.0;
        double[] dense = model.denseSlots();
        int width = model.blockWidth();
        int d = Math.min(example.denseDimension(), Math.max(model.denseDimension(), 0));
        for (int i = 0; i < d; i++) {
            sum += dense[i * width] * example.dense(i);
        }
        for (int j = 0; j < example.nameCount(); j++) {
            int i = model.coordinateOf(example.name(j));
            if (i >= 0) {
                currentSlots(model, i, scratch);
                sum += scratch[0] * example.nameValue(j);
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = model.coordinateOfBucket(example.bucket(j));
            if (i >= 0) {
                currentSlots(model, i, scratch);
                sum += scratch[0] * example.bucketValue(j);
            }
        }
        return sum + model.bias();
    }

    /**
     * The K scores z_k = w_k·x + b_k that {@code model} gives {@code example} at its current version, into
     * {@code into}, without changing the model: {@link #currentScore} for each output, the sums in the order of
     * {@link LinearModel#scores(Example, double[])}, so that they are exactly the scores {@link #learn} would compute
     * next. O(K × (dense dimension + the example's sparse features)).
     *
     * @param scratch at least {@link LinearModel#blockWidth()} doubles, overwritten
     * @param into at least K doubles
     */
    public void currentScores(LinearModel model, Example example, double[] scratch, double[] into) {
        int outputs = model.outputs();
        int width = model.slotWidth();
        int block = model.blockWidth();
        java.util.Arrays.fill(into, 0, outputs, 0.0);
        double[] dense = model.denseSlots();
        int d = Math.min(example.denseDimension(), Math.max(model.denseDimension(), 0));
        for (int i = 0; i < d; i++) {
            addTerms(dense, i * block, example.dense(i), width, outputs, into);
        }
        for (int j = 0; j < example.nameCount(); j++) {
            int i = model.coordinateOf(example.name(j));
            if (i >= 0) {
                currentSlots(model, i, scratch);
                addTerms(scratch, 0, example.nameValue(j), width, outputs, into);
            }
        }
        for (int j = 0; j < example.bucketCount(); j++) {
            int i = model.coordinateOfBucket(example.bucket(j));
            if (i >= 0) {
                currentSlots(model, i, scratch);
                addTerms(scratch, 0, example.bucketValue(j), width, outputs, into);
            }
        }
        addTerms(model.biasSlots(), 0, 1.0, width, outputs, into);
    }

    private static void addTerms(double[] block, int offset, double x, int width, int outputs, double[] sums) {
        for (int k = 0, at = offset; k < outputs; k++, at += width) {
            sums[k] += block[at] * x;
        }
    }

    /** Brings coordinate {@code i} of {@code model} up to its current version (see {@link #catchUp}). */
    public void catchUp(LinearModel model, int i) {
        model.catchUpCoordinate(i, optimizer, schedule, regularization);
    }

    /** The penalties and clipping. */
    public Regularization regularization() {
        return regularization;
    }

    /**
     * Names of the state values kept per parameter: the optimizer's, then {@code l1Applied} (the q of the cumulative
     * L1 penalty) when L1 is on.
     */
    public java.util.List<String> stateNames() {
        if (!regularization.hasL1()) {
            return optimizer.stateNames();
        }
        java.util.List<String> names = new java.util.ArrayList<>(optimizer.stateNames());
        names.add("l1Applied");
        return java.util.List.copyOf(names);
    }

    /** The number W of recent events of the windowed mean loss. */
    public int metricsWindow() {
        return metricsWindow;
    }

    /** The learning-rate schedule. */
    public LearningRateSchedule schedule() {
        return schedule;
    }

    /** K, the number of outputs of this learner's models: the classes of the softmax loss, else 1. */
    public int outputs() {
        return loss.outputs();
    }

    /** A new model with no update applied, shaped for this learner's optimizer and loss. */
    public LinearModel newModel() {
        return LinearModel.empty(stateNames().size(), metricsWindow, outputs());
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
        return checkFeatures(model, example);
    }

    /**
     * As {@link #check}, without the label: why {@code example} cannot be scored by {@code model} (and later learned
     * once its label is known), or empty when it can.
     */
    public Optional<String> checkFeatures(LinearModel model, Example example) {
        if (model.slotWidth() != 1 + stateNames().size()) {
            return Optional.of("stored model keeps " + (model.slotWidth() - 1) + " state values per parameter but "
                    + "this learner needs " + stateNames().size() + " " + stateNames());
        }
        if (model.outputs() != outputs()) {
            return Optional.of("stored model has " + model.outputs() + " output" + (model.outputs() == 1 ? "" : "s")
                    + " but this learner's loss needs " + outputs());
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
     * Costs O(dense dimension + the example's named features): named parameters the example does not carry are left
     * to be caught up later (see {@link LinearModel}). Call {@link #check} first; this method assumes it passed.
     *
     * @return the prediction and loss made before the update, and the model's new version
     */
    public LearningStep learn(LinearModel model, Example example) {
        // New coordinates are added current to this version, so catching up only moves the ones the model had.
        int[] coordinates = model.coordinatesOf(example);
        for (int i : coordinates) {
            model.catchUpCoordinate(i, optimizer, schedule, regularization);
        }
        if (softmax != null) {
            return learnClasses(model, example, coordinates);
        }
        double score = model.score(example, coordinates);
        double value = loss.value(score, example.label());
        double scoreGradient = example.weight() * loss.derivative(score, example.label());
        if (regularization.clipNorm() > 0) {
            double norm = Math.abs(scoreGradient) * Math.sqrt(example.squaredNorm() + 1);
            if (norm > regularization.clipNorm()) {
                scoreGradient *= regularization.clipNorm() / norm;
            }
        }
        model.step(example, coordinates, scoreGradient, optimizer, schedule.rate(model.version() + 1),
                regularization);
        model.metrics().record(value, loss.prediction(score), example.label(), loss, score);
        model.recordUpdate(value, lossSmoothing);
        return new LearningStep(loss.prediction(score), score, value, model.version(), coordinates);
    }

    /** {@link #learn} for the K outputs of the softmax loss; the coordinates are caught up. */
    private LearningStep learnClasses(LinearModel model, Example example, int[] coordinates) {
        int classes = softmax.classes();
        double[] scores = new double[classes];
        double[] probabilities = new double[classes];
        double[] gradient = new double[classes];
        model.scores(example, coordinates, scores);
        int label = softmax.classOf(example.label());
        double value = softmax.evaluate(scores, label, probabilities, gradient);
        int predicted = SoftmaxLoss.predictedClass(probabilities, classes);
        double squares = 0;
        for (int k = 0; k < classes; k++) {
            gradient[k] *= example.weight();
            squares += gradient[k] * gradient[k];
        }
        if (regularization.clipNorm() > 0) {
            // ‖∇‖ over every weight and bias: Σ_k Σ_j (g_k·x_j)² + Σ_k g_k² = (Σ_k g_k²)·(‖x‖² + 1).
            double norm = Math.sqrt(squares) * Math.sqrt(example.squaredNorm() + 1);
            if (norm > regularization.clipNorm()) {
                double scale = regularization.clipNorm() / norm;
                for (int k = 0; k < classes; k++) {
                    gradient[k] *= scale;
                }
            }
        }
        model.step(example, coordinates, gradient, optimizer, schedule.rate(model.version() + 1), regularization);
        model.metrics().recordClass(value, label, predicted);
        model.recordUpdate(value, lossSmoothing);
        return new LearningStep(predicted, scores[predicted], value, model.version(), coordinates, probabilities,
                predicted);
    }

    /**
     * What {@code model} predicts for {@code example} now, without learning from it or changing it in any way: the
     * prediction and score that {@link #learn} would report before its update, bit for bit (see
     * {@link LinearModel#currentScore}), and the model's version. The example's label is not read. Call
     * {@link #checkFeatures} first.
     */
    public Score score(LinearModel model, Example example) {
        double score = model.currentScore(example, optimizer, schedule, regularization);
        return new Score(loss.prediction(score), score, model.version());
    }

    /**
     * A prediction made without learning.
     *
     * @param prediction the prediction (the score, or a probability for classification)
     * @param score the raw score z
     * @param version the version of the model that made it (updates applied so far)
     */
    public record Score(double prediction, double score, long version) {
    }

    /**
     * Why the update {@link #learn} just applied to {@code model} for {@code example} diverged, or empty when it did
     * not: the first parameter the update touched (every dense weight, the example's named weights, the bias, and
     * their optimizer state), the running loss, the L1 total or a prequential metric that is no longer a finite
     * number, or else the step's score, prediction or loss if one is not finite. Overflow (|x| beyond ~1.8e308) is the
     * usual cause: a learning rate too large for the features' scale makes the parameters grow without bound. The
     * model must then be discarded, not stored. Costs O(dense dimension + the example's named features).
     */
    public Optional<String> divergence(LinearModel model, Example example, LearningStep step) {
        Optional<String> parameter = model.firstNonFinite(step.coordinates());
        if (parameter.isPresent()) {
            return Optional.of("update would make " + parameter.get() + " non-finite (divergence)");
        }
        if (step.probabilities() != null) {
            for (double p : step.probabilities()) {
                if (!Double.isFinite(p)) {
                    return Optional.of("class probabilities of the event are not finite (divergence)");
                }
            }
        }
        if (!Double.isFinite(step.score()) || !Double.isFinite(step.prediction()) || !Double.isFinite(step.loss())) {
            return Optional.of("score " + step.score() + ", prediction " + step.prediction() + " or loss " + step.loss()
                    + " of the event is not finite (divergence)");
        }
        return Optional.empty();
    }

    /**
     * What one update saw: the prediction and loss before it, and the version it produced.
     *
     * @param prediction the prediction before the update (the score, a probability for binary classification, the
     *     predicted class for softmax)
     * @param score the raw score z before the update (for softmax, the predicted class's)
     * @param loss the loss L before the update
     * @param version the model's version after the update
     * @param coordinates the model's coordinates of the example's sparse features, which the update stepped
     * @param probabilities for softmax, the K class probabilities before the update; null otherwise
     * @param predictedClass for softmax, the most probable class (lowest index on a tie); −1 otherwise
     */
    public record LearningStep(double prediction, double score, double loss, long version, int[] coordinates,
            double[] probabilities, int predictedClass) {

        /** A step of a single-output model. */
        public LearningStep(double prediction, double score, double loss, long version, int[] coordinates) {
            this(prediction, score, loss, version, coordinates, null, -1);
        }
    }
}
