package io.inertia.model;

import java.util.Optional;

/**
 * What the binary classification losses share: the labels they accept and how they read them.
 *
 * <p>A label is 1 for the positive class, and 0 or −1 for the negative one, so that both conventions in common use,
 * {0, 1} (logistic regression) and {−1, +1} (margin classifiers), work with every classification loss. Any other
 * value, 0.5 or 2 included, is refused rather than guessed at.
 */
abstract class BinaryClassificationLoss implements Loss {

    @Override
    public final boolean classification() {
        return true;
    }

    @Override
    public final Optional<String> checkLabel(double label) {
        return label == 1.0 || label == 0.0 || label == -1.0
                ? Optional.empty()
                : Optional.of("label " + label + " is outside the " + name() + " loss's domain {0, 1} or {-1, +1}");
    }

    /** 1 for the positive class (label 1), 0 for the negative one (label 0 or −1). */
    @Override
    public final double classLabel(double label) {
        return positive(label) ? 1.0 : 0.0;
    }

    /**
     * Whether {@code label} names the positive class.
     *
     * @throws IllegalArgumentException when {@link #checkLabel} refuses the label
     */
    final boolean positive(double label) {
        if (label == 1.0) {
            return true;
        }
        if (label == 0.0 || label == -1.0) {
            return false;
        }
        throw new IllegalArgumentException(checkLabel(label).orElseThrow());
    }

    @Override
    public String toString() {
        return describe();
    }
}
