package io.inertia.model;

import java.util.List;

/**
 * Momentum as an exponential moving average of the gradients:
 *
 * <pre>
 *   v ← β·v + (1 − β)·g
 *   θ ← θ − η·v
 * </pre>
 *
 * v is an average, not a sum, so the step size stays near η·|g| whatever β is; at constant η it equals
 * {@link MomentumOptimizer} with learning rate η·(1 − β). Per-parameter state: v, starting at 0.
 */
final class EmaMomentumOptimizer implements Optimizer {

    private final double momentum;

    EmaMomentumOptimizer(double momentum) {
        this.momentum = Optimizer.checkDecay("momentum", momentum);
    }

    @Override
    public String name() {
        return "ema-momentum";
    }

    @Override
    public List<String> stateNames() {
        return List.of("velocity");
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double velocity = momentum * slots[offset + 1] + (1 - momentum) * gradient;
        slots[offset + 1] = velocity;
        slots[offset] -= learningRate * velocity;
    }
}
