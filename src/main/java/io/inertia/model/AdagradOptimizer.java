package io.inertia.model;

import java.util.List;

/**
 * Adagrad (Duchi, Hazan and Singer, 2011), diagonal form:
 *
 * <pre>
 *   G ← G + g²
 *   θ ← θ − η·g / (√G + ε)
 * </pre>
 *
 * Each parameter's step shrinks with its own accumulated squared gradient. Per-parameter state: G, starting at 0.
 */
final class AdagradOptimizer implements Optimizer {

    private final double epsilon;

    AdagradOptimizer(double epsilon) {
        this.epsilon = Optimizer.checkEpsilon(epsilon);
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    public List<String> stateNames() {
        return List.of("sumOfSquares");
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double sum = slots[offset + 1] + gradient * gradient;
        slots[offset + 1] = sum;
        slots[offset] -= learningRate * gradient / (Math.sqrt(sum) + epsilon);
    }

    /** Without loss gradient and without L2 nothing changes (g = 0 adds nothing to G and moves nothing). */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        if (l2 != 0) {
            Optimizer.super.skip(slots, offset, from, to, schedule, l2);
        }
    }
}
