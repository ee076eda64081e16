package io.inertia.model;

import java.util.List;

/**
 * Nesterov's accelerated gradient in the "look-ahead" form used by PyTorch's {@code SGD(nesterov=True)}:
 *
 * <pre>
 *   v ← β·v + η·g
 *   θ ← θ − (β·v + η·g)      (with the new v)
 * </pre>
 *
 * At constant η this equals PyTorch's rule, whose buffer is v/η (Sutskever et al., 2013, reformulated by Bengio et
 * al., 2013). Per-parameter state: the velocity v, starting at 0.
 */
final class NesterovOptimizer implements Optimizer {

    private final double momentum;

    NesterovOptimizer(double momentum) {
        this.momentum = Optimizer.checkDecay("momentum", momentum);
    }

    @Override
    public String name() {
        return "nesterov";
    }

    @Override
    public List<String> stateNames() {
        return List.of("velocity");
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double step = learningRate * gradient;
        double velocity = momentum * slots[offset + 1] + step;
        slots[offset + 1] = velocity;
        slots[offset] -= momentum * velocity + step;
    }
}
