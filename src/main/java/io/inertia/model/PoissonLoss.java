package io.inertia.model;

import java.util.Optional;

/**
 * Poisson loss with the log link (Poisson regression, the canonical link of the Poisson generalised linear model; see
 * McCullagh and Nelder, "Generalized Linear Models", 2nd ed., 1989). The label y is a count or rate: any
 * finite number ≥ 0, not necessarily an integer. With the predicted mean μ = e^z:
 *
 * <pre>
 *   L(z, y) = μ − y·z
 *   ∂L/∂z   = μ − y
 * </pre>
 *
 * L is the negative log-likelihood −log(μ^y·e^(−μ)/y!) without the term log(y!), which does not depend on z and so
 * changes no gradient. Because of that L is not 0 at a perfect prediction and can be negative: its minimum over z, at
 * μ = y, is y − y·log y (e.g. 3 − 3·log 3 ≈ −0.296 for y = 3). Compare losses of this kind only with each other.
 *
 * <p>Overflow guard: e^z overflows a double above z ≈ 709.78, so the z fed to the exponential is clamped to at most
 * 700, i.e. μ ≤ e^700 ≈ 1.01·10^304. L, ∂L/∂z and the prediction then stay finite (as long as y·z
 * does). Past the clamp the two are no longer consistent (L's slope in z is −y while ∂L/∂z reports e^700 − y), which
 * only matters for a model that has already diverged: no count is anywhere near 10^304.
 *
 * <p>Prediction: the mean μ = e^min(z, 700).
 */
final class PoissonLoss extends RegressionLoss {

    static final PoissonLoss INSTANCE = new PoissonLoss();

    /** The largest score fed to the exponential; see the class comment. */
    static final double MAX_EXPONENT = 700.0;

    private PoissonLoss() {
    }

    @Override
    public String name() {
        return "poisson";
    }

    @Override
    public double value(double score, double label) {
        return mean(score) - label * score;
    }

    @Override
    public double derivative(double score, double label) {
        return mean(score) - label;
    }

    @Override
    public double prediction(double score) {
        return mean(score);
    }

    @Override
    public Optional<String> checkLabel(double label) {
        Optional<String> notFinite = super.checkLabel(label);
        if (notFinite.isPresent()) {
            return notFinite;
        }
        return label >= 0
                ? Optional.empty()
                : Optional.of("label " + label + " is negative; the poisson loss needs a count or rate >= 0");
    }

    private static double mean(double score) {
        return Math.exp(Math.min(score, MAX_EXPONENT));
    }
}
