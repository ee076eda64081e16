package io.inertia.model;

/**
 * Gradient descent with momentum (the "heavy ball" method of Polyak, 1964) in the form
 *
 * <pre>
 *   v ← β·v + η·∇J(θ)
 *   θ ← θ − v
 * </pre>
 *
 * <p>v is the velocity, starting at 0; η &gt; 0 is the learning rate and β ∈ [0, 1) the momentum. The velocity is a
 * geometrically weighted sum of past steps, so directions that persist accelerate (up to η/(1 − β) per unit gradient)
 * and directions that flip cancel out. With β = 0 the rule is plain SGD, θ ← θ − η·∇J(θ).
 *
 * <p>This is the form with η inside the velocity (as in Sutskever et al., 2013, eq. 1), not the exponential moving
 * average form v ← β·v + (1 − β)·g. Per-parameter state: one double, the velocity.
 */
public final class MomentumOptimizer implements Optimizer {

    /** The default learning rate η. */
    public static final double DEFAULT_LEARNING_RATE = 0.01;
    /** The default momentum β. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    private final double learningRate;
    private final double momentum;

    private MomentumOptimizer(double learningRate, double momentum) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    /** Momentum with learning rate η and momentum β. */
    public static MomentumOptimizer of(double learningRate, double momentum) {
        return new MomentumOptimizer(learningRate, momentum);
    }

    /** Plain SGD, θ ← θ − η·∇J(θ): momentum with β = 0. */
    public static MomentumOptimizer sgd(double learningRate) {
        return new MomentumOptimizer(learningRate, 0.0);
    }

    /** The learning rate η. */
    public double learningRate() {
        return learningRate;
    }

    /** The momentum β. */
    public double momentum() {
        return momentum;
    }

    @Override
    public String name() {
        return "momentum";
    }

    @Override
    public int stateSize() {
        return 1;
    }

    @Override
    public void step(double[] slots, int offset, double gradient) {
        double velocity = momentum * slots[offset + 1] + learningRate * gradient;
        slots[offset + 1] = velocity;
        slots[offset] -= velocity;
    }
}
