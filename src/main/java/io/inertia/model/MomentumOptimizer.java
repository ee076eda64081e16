package io.inertia.model;

/**
 * Gradient descent with momentum (the "heavy ball" method of Polyak, 1964) in the form
 *
 * <pre>
 *   v ← β·v + η·∇J(θ)
 *   θ ← θ − v
 * </pre>
 *
 * <p>v is the velocity, starting at 0; η &gt; 0 is the learning rate (η_t of the schedule) and β ∈ [0, 1) the
 * momentum. The velocity is a geometrically weighted sum of past steps, so directions that persist accelerate (up to
 * η/(1 − β) per unit gradient) and directions that flip cancel out. With β = 0 the rule is plain SGD,
 * θ ← θ − η·∇J(θ). At constant η it equals PyTorch's {@code SGD(momentum=β, dampening=0)}, whose buffer is v/η.
 *
 * <p>This is the form with η inside the velocity (as in Sutskever et al., 2013, eq. 1), not the exponential moving
 * average form of {@link EmaMomentumOptimizer}. Per-parameter state: one double, the velocity.
 */
public final class MomentumOptimizer extends VelocityOptimizer {

    private MomentumOptimizer(double momentum) {
        super(momentum);
    }

    /** Momentum with momentum β. */
    public static MomentumOptimizer of(double momentum) {
        return new MomentumOptimizer(momentum);
    }

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double velocity = momentum * slots[offset + 1] + learningRate * gradient;
        slots[offset + 1] = velocity;
        slots[offset] -= velocity;
    }

    /**
     * k updates without loss gradient. Without L2: v_k = β^k·v and θ_k = θ − v·Σ_{i=1..k} β^i, whatever the rates.
     * With L2 at constant η: (θ, v) ← M^k (θ, v) with M = [[1 − ηλ₂, −β], [ηλ₂, β]]. Otherwise step by step.
     */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        long k = to - from;
        if (k <= 0) {
            return;
        }
        if (l2 == 0) {
            double velocity = slots[offset + 1];
            slots[offset] -= velocity * geometricSum(k);
            slots[offset + 1] = velocity * power(k);
        } else if (schedule.isConstant()) {
            double decay = schedule.rate(1) * l2;
            LinearDecay.power(slots, offset, 1 - decay, -momentum, decay, momentum, k);
        } else {
            skipStepByStep(slots, offset, from, to, schedule, l2);
        }
    }
}
