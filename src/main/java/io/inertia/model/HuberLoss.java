package io.inertia.model;

/**
 * Huber loss with threshold δ &gt; 0 (Huber, "Robust Estimation of a Location Parameter", 1964), y any finite number.
 * With the residual r = z − y:
 *
 * <pre>
 *   L(z, y) = ½r²           if |r| ≤ δ
 *           = δ·(|r| − ½δ)   otherwise
 *   ∂L/∂z   = clamp(r, −δ, δ) = max(−δ, min(r, δ))
 * </pre>
 *
 * Squared near the label, absolute (shifted to join smoothly) beyond δ: L and ∂L/∂z are both continuous at |r| = δ,
 * and the step never exceeds δ in size, so an outlier pulls no harder than a residual of δ. δ is in the label's units.
 * Prediction: the score z.
 */
final class HuberLoss extends RegressionLoss {

    private final double delta;

    /** @throws IllegalArgumentException unless δ is a finite number &gt; 0 */
    HuberLoss(double delta) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("huber delta must be > 0, got " + delta);
        }
        if (delta == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("huber delta must be finite, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public String name() {
        return "huber";
    }

    @Override
    public String describe() {
        return "huber(delta=" + delta + ")";
    }

    @Override
    public double value(double score, double label) {
        double residual = score - label;
        double size = Math.abs(residual);
        return size <= delta ? 0.5 * residual * residual : delta * (size - 0.5 * delta);
    }

    @Override
    public double derivative(double score, double label) {
        return Math.max(-delta, Math.min(score - label, delta));
    }

    @Override
    public double prediction(double score) {
        return score;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HuberLoss huber && Double.compare(delta, huber.delta) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(delta);
    }
}
