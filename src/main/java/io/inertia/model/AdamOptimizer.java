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

    /**
     * k updates without loss gradient. Adam has no closed form (ε and the bias corrections change every update), but
     * with g = 0 each further move of θ shrinks by about β₁/√β₂ per update: the first updates, up to where that factor
     * has fallen below double precision (a bound independent of k), are applied exactly one by one; after them θ no
     * longer moves in double precision and only m ← β₁^r·m, u ← β₂^r·u are applied for the r remaining updates. With
     * L2 every update has a gradient, and all k are applied one by one.
     */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        long k = to - from;
        if (k <= 0) {
            return;
        }
        if (l2 != 0) {
            Optimizer.super.skip(slots, offset, from, to, schedule, l2);
            return;
        }
        long exact = Math.min(k, LinearDecay.horizon(beta1 / Math.sqrt(beta2)));
        for (long s = from + 1; s <= from + exact; s++) {
            step(slots, offset, 0.0, schedule.rate(s), s);
        }
        long rest = k - exact;
        if (rest > 0) {
            slots[offset + 1] *= Math.pow(beta1, rest);
            slots[offset + 2] *= Math.pow(beta2, rest);
        }
    }
}
