package io.inertia.model;

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
final class NesterovOptimizer extends VelocityOptimizer {

    NesterovOptimizer(double momentum) {
        super(momentum);
    }

    @Override
    public String name() {
        return "nesterov";
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double step = learningRate * gradient;
        double velocity = momentum * slots[offset + 1] + step;
        slots[offset + 1] = velocity;
        slots[offset] -= momentum * velocity + step;
    }

    /**
     * k updates without loss gradient. Without L2: v_k = β^k·v and θ_k = θ − β·v·Σ_{i=1..k} β^i. With L2 at constant
     * η: (θ, v) ← M^k (θ, v) with M = [[1 − ηλ₂(1 + β), −β²], [ηλ₂, β]]. Otherwise step by step.
     */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        long k = to - from;
        if (k <= 0) {
            return;
        }
        if (l2 == 0) {
            double velocity = slots[offset + 1];
            slots[offset] -= momentum * velocity * geometricSum(k);
            slots[offset + 1] = velocity * power(k);
        } else if (schedule.isConstant()) {
            double decay = schedule.rate(1) * l2;
            LinearDecay.power(slots, offset, 1 - decay * (1 + momentum), -momentum * momentum, decay, momentum, k);
        } else {
            skipStepByStep(slots, offset, from, to, schedule, l2);
        }
    }
}
