package io.inertia.model;

/**
 * Binary cross-entropy on a logit (logistic regression). The label is read as a class y ∈ {0, 1}: 1 stays 1, and 0 and
 * −1 both mean 0 (see {@link BinaryClassificationLoss}). With p = σ(z) = 1/(1 + e^(−z)):
 *
 * <pre>
 *   L(z, y) = −y·log p − (1 − y)·log(1 − p)
 *   ∂L/∂z   = p − y
 * </pre>
 *
 * <p>L is evaluated as log(1 + e^(−|z|)) + max(z, 0) − y·z, which equals the definition but neither overflows for large
 * |z| nor returns infinity when p rounds to 0 or 1. Prediction: the probability p of class 1; the predicted class is 1
 * when z ≥ 0, i.e. p ≥ ½ (deciding on z avoids p rounding to ½ for a tiny negative z).
 */
final class LogisticLoss extends BinaryClassificationLoss {

    static final LogisticLoss INSTANCE = new LogisticLoss();

    private LogisticLoss() {
    }

    @Override
    public String name() {
        return "logistic";
    }

    @Override
    public double value(double score, double label) {
        double y = classLabel(label);
        return Math.log1p(Math.exp(-Math.abs(score))) + Math.max(score, 0.0) - y * score;
    }

    @Override
    public double derivative(double score, double label) {
        return sigmoid(score) - classLabel(label);
    }

    @Override
    public double prediction(double score) {
        return sigmoid(score);
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
