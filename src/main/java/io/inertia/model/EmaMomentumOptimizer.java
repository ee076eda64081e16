package io.inertia.model;

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
final class EmaMomentumOptimizer extends VelocityOptimizer {

    EmaMomentumOptimizer(double momentum) {
        super(momentum);
    }

    @Override
    public String name() {
        return "ema-momentum";
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double velocity = momentum * slots[offset + 1] + (1 - momentum) * gradient;
        slots[offset + 1] = velocity;
        slots[offset] -= learningRate * velocity;
    }

    /**
     * k updates without loss gradient. Without L2: v_k = β^k·v and θ_k = θ − v·Σ_{i=1..k} η_{from+i}·β^i, in closed
     * form at a constant rate, otherwise summed over at most the updates where β^i still matters in double precision
     * (a bound independent of k). With L2 at constant η: (θ, v) ← M^k (θ, v) with
     * M = [[1 − η(1 − β)λ₂, −ηβ], [(1 − β)λ₂, β]]. Otherwise step by step.
     */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        long k = to - from;
        if (k <= 0) {
            return;
        }
        if (l2 == 0) {
            double velocity = slots[offset + 1];
            double weightedSum;
            if (schedule.isConstant()) {
                weightedSum = schedule.rate(1) * LinearDecay.geometricSum(momentum, k);
            } else {
                weightedSum = 0;
                double power = 1;
                for (long i = 1, last = Math.min(k, LinearDecay.horizon(momentum)); i <= last; i++) {
                    power *= momentum;
                    weightedSum += schedule.rate(from + i) * power;
                }
            }
            slots[offset] -= velocity * weightedSum;
            slots[offset + 1] = velocity * power(k);
        } else if (schedule.isConstant()) {
            double eta = schedule.rate(1);
            LinearDecay.power(slots, offset, 1 - eta * (1 - momentum) * l2, -eta * momentum, (1 - momentum) * l2,
                    momentum, k);
        } else {
            skipStepByStep(slots, offset, from, to, schedule, l2);
        }
    }
}
