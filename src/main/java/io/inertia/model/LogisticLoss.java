package io.inertia.model;

import java.util.Optional;

/**
 * Binary cross-entropy on a logit: with p = σ(z), L = −y·log p − (1 − y)·log(1 − p) and ∂L/∂z = p − y, y ∈ {0, 1}.
 *
 * <p>L is evaluated as log(1 + e^(−|z|)) + max(z, 0) − y·z, which equals the definition but neither overflows for large
 * |z| nor returns infinity when p rounds to 0 or 1.
 */
final class LogisticLoss implements Loss {

    static final LogisticLoss INSTANCE = new LogisticLoss();

    private LogisticLoss() {
    }

    @Override
    public String name() {
        return "logistic";
    }

    @Override
    public double value(double score, double label) {
        return Math.log1p(Math.exp(-Math.abs(score))) + Math.max(score, 0.0) - label * score;
    }

    @Override
    public double derivative(double score, double label) {
        return sigmoid(score) - label;
    }

    @Override
    public double prediction(double score) {
        return sigmoid(score);
    }

    @Override
    public Optional<String> checkLabel(double label) {
        return label == 0.0 || label == 1.0
                ? Optional.empty()
                : Optional.of("label " + label + " is outside the logistic loss's domain {0, 1}");
    }

    /** σ(z) = 1/(1 + e^(−z)), computed on the side where the exponential cannot overflow. */
    static double sigmoid(double z) {
        if (z >= 0) {
            return 1.0 / (1.0 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1.0 + e);
    }
}
