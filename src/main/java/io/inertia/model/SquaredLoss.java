package io.inertia.model;

import java.util.Optional;

/** L(z, y) = ½(z − y)², so ∂L/∂z = z − y: least-squares regression. */
final class SquaredLoss implements Loss {

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

    @Override
    public Optional<String> checkLabel(double label) {
        return Double.isFinite(label) ? Optional.empty() : Optional.of("label " + label + " is not a finite number");
    }
}
