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
}
