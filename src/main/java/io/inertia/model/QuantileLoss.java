package io.inertia.model;

/**
 * Quantile (pinball) loss for quantile τ ∈ (0, 1) (Koenker and Bassett, "Regression Quantiles", 1978), y any finite
 * number. With r = y − z (note: label minus score, the reverse of the other losses' residual):
 *
 * <pre>
 *   L(z, y) = τ·r         if r ≥ 0 (the score is at or below the label)
 *           = (τ − 1)·r   if r &lt; 0 (the score is above the label)
 *   ∂L/∂z   = −τ      if z &lt; y
 *           = 1 − τ   if z &gt; y
 *           = 0       if z = y
 * </pre>
 *
 * L ≥ 0 and has a kink at z = y, where any value in [−τ, 1 − τ] is a subgradient; 0 is returned there.
 * Under-prediction costs τ per unit and over-prediction 1 − τ, so the expected loss is minimised by the τ-quantile of y
 * given x; τ = ½ is half the absolute loss. Prediction: the score z, an estimate of that quantile.
 */
final class QuantileLoss extends RegressionLoss {

    private final double tau;

    /** @throws IllegalArgumentException unless τ ∈ (0, 1) */
    QuantileLoss(double tau) {
        if (!(tau > 0 && tau < 1)) {
            throw new IllegalArgumentException("quantile tau must be in (0, 1), got " + tau);
        }
        this.tau = tau;
    }

    @Override
    public String name() {
        return "quantile";
    }

    @Override
    public String describe() {
        return "quantile(tau=" + tau + ")";
    }

    @Override
    public double value(double score, double label) {
        double residual = label - score;
        return residual >= 0 ? tau * residual : (tau - 1) * residual;
    }

    @Override
    public double derivative(double score, double label) {
        if (score < label) {
            return -tau;
        }
        return score > label ? 1 - tau : 0.0;
    }

    @Override
    public double prediction(double score) {
        return score;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof QuantileLoss quantile && Double.compare(tau, quantile.tau) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(tau);
    }
}
