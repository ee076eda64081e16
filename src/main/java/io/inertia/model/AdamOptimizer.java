package io.inertia.model;

import java.util.List;

/**
 * Adam (Kingma and Ba, 2015, Algorithm 1) with bias correction, for update t = 1, 2, …:
 *
 * <pre>
 *   m ← β₁·m + (1 − β₁)·g
 *   u ← β₂·u + (1 − β₂)·g²
 *   θ ← θ − η · (m / (1 − β₁^t)) / (√(u / (1 − β₂^t)) + ε)
 * </pre>
 *
 * t counts the updates of the model, so every parameter of a model shares it. Per-parameter state: m and u, both
 * starting at 0.
 */
final class AdamOptimizer implements Optimizer {

    private final double beta1;
    private final double beta2;
    private final double epsilon;

    AdamOptimizer(double beta1, double beta2, double epsilon) {
        this.beta1 = Optimizer.checkDecay("adam beta1", beta1);
        this.beta2 = Optimizer.checkDecay("adam beta2", beta2);
        this.epsilon = Optimizer.checkEpsilon(epsilon);
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    public List<String> stateNames() {
        return List.of("m", "u");
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double m = beta1 * slots[offset + 1] + (1 - beta1) * gradient;
        double u = beta2 * slots[offset + 2] + (1 - beta2) * gradient * gradient;
        slots[offset + 1] = m;
        slots[offset + 2] = u;
        double mHat = m / (1 - Math.pow(beta1, t));
        double uHat = u / (1 - Math.pow(beta2, t));
        slots[offset] -= learningRate * mHat / (Math.sqrt(uHat) + epsilon);
    }
}
