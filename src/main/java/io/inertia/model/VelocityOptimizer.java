package io.inertia.model;

import java.util.List;

/** The momentum family: one velocity v per parameter, starting at 0, decaying by β ∈ [0, 1) each update. */
abstract class VelocityOptimizer implements Optimizer {

    /** β. */
    protected final double momentum;

    VelocityOptimizer(double momentum) {
        this.momentum = Optimizer.checkDecay("momentum", momentum);
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
