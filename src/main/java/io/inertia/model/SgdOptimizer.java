package io.inertia.model;

import java.util.List;

/** Plain stochastic gradient descent, θ ← θ − η·g; no state. */
final class SgdOptimizer implements Optimizer {

    static final SgdOptimizer INSTANCE = new SgdOptimizer();

    private SgdOptimizer() {
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public List<String> stateNames() {
        return List.of();
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        slots[offset] -= learningRate * gradient;
    }

    /** No loss gradient: θ stays; with L2 at constant η, θ ← θ·(1 − ηλ₂)^k. */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        if (l2 == 0 || to <= from) {
            return;
        }
        if (schedule.isConstant()) {
            slots[offset] *= Math.pow(1 - schedule.rate(1) * l2, to - from);
        } else {
            Optimizer.super.skip(slots, offset, from, to, schedule, l2);
        }
    }
}
