package io.inertia.model;

import java.util.List;

/** The momentum family: one velocity v per parameter, starting at 0, decaying by β ∈ [0, 1) each update. */
abstract class VelocityOptimizer implements Optimizer {

    /** At most how many powers β^k are tabulated (64 KiB): a sparse weight is usually caught up over fewer. */
    private static final int TABULATED = 8192;

    /** β. */
    protected final double momentum;
    /**
     * β^k = Math.pow(β, k) for k below the table's length: the same values, without a pow per weight. The table
     * stops early where β^k underflows to exactly 0, and {@link #underflows} says that every larger k gives 0 too.
     */
    private final double[] powers;
    /** Whether Math.pow(β, k) is 0 for every k at or beyond the table's length. */
    private final boolean underflows;

    VelocityOptimizer(double momentum) {
        this.momentum = Optimizer.checkDecay("momentum", momentum);
        double[] table = new double[TABULATED];
        int length = 0;
        while (length < TABULATED) {
            table[length] = Math.pow(momentum, length);
            length++;
            if (table[length - 1] == 0.0) {
                break;
            }
        }
        this.powers = java.util.Arrays.copyOf(table, length);
        // β^k only decreases with k, so once it is 0 it stays 0; checked at a few k rather than assumed.
        this.underflows = table[length - 1] == 0.0 && Math.pow(momentum, length) == 0.0
                && Math.pow(momentum, 2L * length) == 0.0 && Math.pow(momentum, Long.MAX_VALUE) == 0.0;
    }

    /** β^k, exactly {@code Math.pow(β, k)}. */
    protected final double power(long k) {
        if (k < powers.length) {
            return powers[(int) k];
        }
        return underflows ? 0.0 : Math.pow(momentum, k);
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
