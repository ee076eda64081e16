package io.inertia.model;

import java.util.List;
import java.util.Optional;

/**
 * A per-event loss L(z, y) of a linear score z = w·x + b against a label y.
 *
 * <p>Only the derivative with respect to the score is needed: by the chain rule the gradient of any weight is
 * ∂L/∂w_j = (∂L/∂z)·x_j, and of the bias ∂L/∂b = ∂L/∂z.
 */
public interface Loss {

    /** The name used in configuration and snapshots. */
    String name();

    /** The loss L(z, y) of score {@code score} for label {@code label}. */
    double value(double score, double label);

    /** The derivative ∂L/∂z at score {@code score} for label {@code label}. */
    double derivative(double score, double label);

    /** The model's prediction for a score: the score itself for regression, a probability for classification. */
    double prediction(double score);

    /** Why {@code label} is outside this loss's domain, or empty when it is valid. */
    Optional<String> checkLabel(double label);

    /** Squared loss L = ½(z − y)², ∂L/∂z = z − y. */
    static Loss squared() {
        return SquaredLoss.INSTANCE;
    }

    /**
     * Logistic loss for y ∈ {0, 1}: p = σ(z) = 1/(1 + e^(−z)), L = −y·log p − (1 − y)·log(1 − p), ∂L/∂z = p − y.
     */
    static Loss logistic() {
        return LogisticLoss.INSTANCE;
    }

    /** The names {@link #byName} accepts. */
    static List<String> names() {
        return List.of(SquaredLoss.INSTANCE.name(), LogisticLoss.INSTANCE.name());
    }

    /** The loss called {@code name}, or empty when there is none. */
    static Optional<Loss> byName(String name) {
        for (Loss loss : List.of(squared(), logistic())) {
            if (loss.name().equals(name)) {
                return Optional.of(loss);
            }
        }
        return Optional.empty();
    }
}
