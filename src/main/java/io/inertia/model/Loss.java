package io.inertia.model;

import java.util.List;
import java.util.Optional;

/**
 * A per-event loss L(z, y) of a linear score z = w·x + b against a label y.
 *
 * <p>Only the derivative with respect to the score is needed: by the chain rule the gradient of any weight is
 * ∂L/∂w_j = (∂L/∂z)·x_j, and of the bias ∂L/∂b = ∂L/∂z. Sign convention: {@link #derivative} is ∂L/∂z itself, positive
 * when raising the score would raise the loss. Where L has a kink (absolute, quantile, hinge) the derivative returns
 * one subgradient, stated by each loss.
 *
 * <p>{@link #value} and {@link #derivative} expect a label that {@link #checkLabel} accepts; a classification loss
 * throws {@link IllegalArgumentException} for any other, since it cannot tell which class the label means.
 */
public interface Loss {

    /** The δ of {@link #huber} that {@link #byName(String)} uses. */
    double DEFAULT_HUBER_DELTA = 1.0;
    /** The τ of {@link #quantile} that {@link #byName(String)} uses: the median. */
    double DEFAULT_QUANTILE_TAU = 0.5;

    /** The name used in configuration and snapshots, without parameters. */
    String name();

    /** The name with the loss's parameters, e.g. {@code huber(delta=1.0)}; the bare name when there are none. */
    default String describe() {
        return name();
    }

    /** The loss L(z, y) of score {@code score} for label {@code label}. */
    double value(double score, double label);

    /** The derivative ∂L/∂z at score {@code score} for label {@code label}. */
    double derivative(double score, double label);

    /**
     * The model's prediction for a score: the score itself for most losses, the probability p = σ(z) for the logistic
     * loss, the mean μ = e^z for the poisson loss.
     */
    double prediction(double score);

    /** Why {@code label} is outside this loss's domain, or empty when it is valid. */
    Optional<String> checkLabel(double label);

    /** Whether this loss learns a classifier (logistic, hinge and softmax) rather than a regression. */
    boolean classification();

    /**
     * How many scores the loss reads: 1 for every loss but {@link SoftmaxLoss}, which reads K (one per class) and
     * is evaluated by {@link SoftmaxLoss#evaluate} rather than the scalar methods above.
     */
    default int outputs() {
        return 1;
    }

    /**
     * The label as the loss reads it: for a classification loss the class, 0 or 1 (so −1 becomes 0); for a regression
     * loss the label itself.
     *
     * @throws IllegalArgumentException for a classification loss, when {@link #checkLabel} refuses the label
     */
    double classLabel(double label);

    /** Squared loss: L = ½(z − y)², ∂L/∂z = z − y. */
    static Loss squared() {
        return SquaredLoss.INSTANCE;
    }

    /** Absolute loss: L = |z − y|, ∂L/∂z = sign(z − y), 0 at z = y. */
    static Loss absolute() {
        return AbsoluteLoss.INSTANCE;
    }

    /**
     * Huber loss with threshold δ: with r = z − y, L = ½r² if |r| ≤ δ, else δ·(|r| − ½δ); ∂L/∂z = clamp(r, −δ, δ).
     *
     * @throws IllegalArgumentException unless δ is a finite number &gt; 0
     */
    static Loss huber(double delta) {
        return new HuberLoss(delta);
    }

    /**
     * Quantile (pinball) loss for quantile τ: with r = y − z, L = τ·r if r ≥ 0, else (τ − 1)·r; ∂L/∂z = −τ if z &lt; y,
     * 1 − τ if z &gt; y, 0 if z = y.
     *
     * @throws IllegalArgumentException unless τ ∈ (0, 1)
     */
    static Loss quantile(double tau) {
        return new QuantileLoss(tau);
    }

    /**
     * Logistic loss for y ∈ {0, 1} or {−1, +1} (−1 read as 0): p = σ(z) = 1/(1 + e^(−z)),
     * L = −y·log p − (1 − y)·log(1 − p), ∂L/∂z = p − y.
     */
    static Loss logistic() {
        return LogisticLoss.INSTANCE;
    }

    /**
     * Hinge loss for y ∈ {0, 1} or {−1, +1}, read as t ∈ {−1, +1} (0 → −1): L = max(0, 1 − t·z), ∂L/∂z = −t if
     * t·z &lt; 1, else 0.
     */
    static Loss hinge() {
        return HingeLoss.INSTANCE;
    }

    /**
     * Poisson loss with log link for counts or rates y ≥ 0: μ = e^z, L = μ − y·z (log y! dropped), ∂L/∂z = μ − y.
     */
    static Loss poisson() {
        return PoissonLoss.INSTANCE;
    }

    /**
     * Softmax (multiclass logistic) loss over K classes, labels 0..K−1: p = softmax(z), L = −log p_y,
     * ∂L/∂z_k = p_k − [y = k]; see {@link SoftmaxLoss}.
     */
    static Loss softmax(int classes) {
        return new SoftmaxLoss(classes);
    }

    /** The names {@link #byName} accepts, and {@code softmax} (built by {@link #softmax} with its K). */
    static List<String> names() {
        return List.of("squared", "absolute", "huber", "quantile", "logistic", "hinge", "poisson", "softmax");
    }

    /**
     * The loss called {@code name} with the default parameters {@link #DEFAULT_HUBER_DELTA} and
     * {@link #DEFAULT_QUANTILE_TAU}, or empty when there is none.
     */
    static Optional<Loss> byName(String name) {
        return byName(name, DEFAULT_HUBER_DELTA, DEFAULT_QUANTILE_TAU);
    }

    /**
     * The loss called {@code name}, or empty when there is none. Each parameter is read, and checked, only by the loss
     * it belongs to.
     *
     * @param huberDelta δ of the huber loss
     * @param quantileTau τ of the quantile loss
     * @throws IllegalArgumentException when the named loss refuses its parameter
     */
    static Optional<Loss> byName(String name, double huberDelta, double quantileTau) {
        if (name == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (name) {
            case "squared" -> squared();
            case "absolute" -> absolute();
            case "huber" -> huber(huberDelta);
            case "quantile" -> quantile(quantileTau);
            case "logistic" -> logistic();
            case "hinge" -> hinge();
            case "poisson" -> poisson();
            default -> null;
        });
    }
}
