package io.inertia.model;

/**
 * Absolute (L1) loss for median regression, y any finite number:
 *
 * <pre>
 *   L(z, y) = |z − y|
 *   ∂L/∂z   = sign(z − y), and 0 at z = y
 * </pre>
 *
 * L has a kink at z = y, where any value in [−1, 1] is a subgradient; 0 is returned there so that an exact prediction
 * leaves the model unchanged. Every other step has size 1 whatever the residual, which is what makes the loss robust
 * to outliers. Prediction: the score z, an estimate of the conditional median.
 */
final class AbsoluteLoss extends RegressionLoss {

    static final AbsoluteLoss INSTANCE = new AbsoluteLoss();

    private AbsoluteLoss() {
    }

    @Override
    public String name() {
        return "absolute";
    }

    @Override
    public double value(double score, double label) {
        return Math.abs(score - label);
    }

    @Override
    public double derivative(double score, double label) {
        // Not Math.signum: it returns −0.0 for a residual of −0.0, and the kink's subgradient should be a plain 0.
        double residual = score - label;
        if (residual > 0) {
            return 1.0;
        }
        return residual < 0 ? -1.0 : 0.0;
    }

    @Override
    public double prediction(double score) {
        return score;
    }
}
