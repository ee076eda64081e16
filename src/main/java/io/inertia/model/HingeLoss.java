package io.inertia.model;

/**
 * Hinge loss, the loss of the linear support vector machine (Cortes and Vapnik, "Support-Vector Networks", 1995). The
 * label is read as a sign t ∈ {−1, +1}: 1 stays +1, and 0 and −1 both mean −1 (see {@link BinaryClassificationLoss}).
 *
 * <pre>
 *   L(z, y) = max(0, 1 − t·z)
 *   ∂L/∂z   = −t   if t·z &lt; 1
 *           = 0    otherwise
 * </pre>
 *
 * t·z is the margin: an example on the right side by at least 1 costs nothing and moves nothing. At the kink t·z = 1
 * any value between −t and 0 is a subgradient; 0 is returned there.
 *
 * <p>Prediction: the score z itself, not a probability; its sign gives the class (class 1 when z ≥ 0).
 */
final class HingeLoss extends BinaryClassificationLoss {

    static final HingeLoss INSTANCE = new HingeLoss();

    private HingeLoss() {
    }

    @Override
    public String name() {
        return "hinge";
    }

    @Override
    public double value(double score, double label) {
        double margin = sign(label) * score;
        return Math.max(0.0, 1.0 - margin);
    }

    @Override
    public double derivative(double score, double label) {
        double t = sign(label);
        return t * score < 1.0 ? -t : 0.0;
    }

    @Override
    public double prediction(double score) {
        return score;
    }

    private double sign(double label) {
        return positive(label) ? 1.0 : -1.0;
    }
}
