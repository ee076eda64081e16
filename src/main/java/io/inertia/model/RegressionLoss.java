package io.inertia.model;

import java.util.Optional;

/**
 * What the regression losses share: the label is a target number read as it is, any finite value unless a loss
 * narrows its domain further.
 */
abstract class RegressionLoss implements Loss {

    @Override
    public final boolean classification() {
        return false;
    }

    /** The label itself: a regression target is not a class. */
    @Override
    public final double classLabel(double label) {
        return label;
    }

    @Override
    public Optional<String> checkLabel(double label) {
        return Double.isFinite(label) ? Optional.empty() : Optional.of("label " + label + " is not a finite number");
    }

    @Override
    public String toString() {
        return describe();
    }
}
