package io.inertia.model;

/**
 * Squared loss for least-squares regression, y any finite number:
 *
 * <pre>
 *   L(z, y) = ½(z − y)²
 *   ∂L/∂z   = z − y
 * </pre>
 *
 * The ½ makes the derivative the plain residual. Prediction: the score z.
 */
final class SquaredLoss extends RegressionLoss {

    static final SquaredLoss INSTANCE = new SquaredLoss();

    private SquaredLoss() {
    }

    @Override
    public String name() {
        return "squared";
    }

    @Override
    public double value(double score, double label) {
        double residual = score - label;
        return 0.5 * residual * residual;
    }

    @Override
    public double derivative(double score, double label) {
        return score - label;
    }

    @Override
    public double prediction(double score) {
        return score;
    }
}
