package io.inertia.model;

import java.util.List;

/** The momentum family: one velocity v per parameter, starting at 0, decaying by β ∈ [0, 1) each update. */
abstract class VelocityOptimizer implements Optimizer {

    /** How many powers β^k are tabulated: a sparse weight is usually caught up over fewer updates than this. */
    private static final int TABULATED = 4096;

    /** β. */
    protected final double momentum;
    /** β^k = Math.pow(β, k) for k &lt; {@value #TABULATED}: the same values, without a pow per weight. */
    private final double[] powers = new double[TABULATED];

    VelocityOptimizer(double momentum) {
        this.momentum = Optimizer.checkDecay("momentum", momentum);
        for (int k = 0; k < TABULATED; k++) {
            powers[k] = Math.pow(momentum, k);
        }
    }

    /** β^k, exactly {@code Math.pow(β, k)}. */
    protected final double power(long k) {
        return k < TABULATED ? powers[(int) k] : Math.pow(momentum, k);
    }

    /** Σ_{i=1..k} β^i = β·(1 − β^k)/(1 − β), exactly as {@link LinearDecay#geometricSum}. */
    protected final double geometricSum(long k) {
        if (momentum == 0 || k == 0) {
            return 0.0;
        }
        return momentum * (1 - power(k)) / (1 - momentum);
    }

    /** The momentum β. */
    public double momentum() {
        return momentum;
    }

    @Override
    public List<String> stateNames() {
        return List.of("velocity");
    }

    /** {@link Optimizer#skip}'s general form, update by update, for the cases without a closed form. */
    protected final void skipStepByStep(double[] slots, int offset, long from, long to, LearningRateSchedule schedule,
            double l2) {
        Optimizer.super.skip(slots, offset, from, to, schedule, l2);
    }
}
