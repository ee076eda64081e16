package io.inertia.model;

import java.util.List;

/**
 * FTRL-Proximal, per coordinate, exactly as Algorithm 1 of McMahan et al., "Ad Click Prediction: a View from the
 * Trenches" (KDD 2013):
 *
 * <pre>
 *   w = 0                                              if |z| ≤ λ₁
 *   w = −(z − sgn(z)·λ₁) / ((β + √n)/α + λ₂)           otherwise
 *   on a gradient g:  σ = (√(n + g²) − √n)/α;  z ← z + g − σ·w;  n ← n + g²
 * </pre>
 *
 * <p>z and n start at 0 and are the per-parameter state; the weight w kept at the slot block's first place is always
 * the one the formula gives for the current z and n, so a prediction reads it like any other optimizer's weight and a
 * snapshot publishes it. λ₁ and λ₂ act inside the formula for w, not through the gradient: the learner passes the
 * pure loss gradient (weighted and clipped) and applies no penalty of its own with this optimizer. The bias takes
 * {@link #forBias()}, the same rule with λ₁ = λ₂ = 0, since Inertia never regularises the bias.
 *
 * <p>η of the schedule is not used: α/(β + √n) is each coordinate's own rate. FTRL is lazy by nature: a coordinate
 * without gradient keeps z, n and w, so {@link #skip} does nothing and a sparse event costs O(its features).
 */
final class FtrlOptimizer implements Optimizer {

    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;
    private final FtrlOptimizer bias;

    FtrlOptimizer(double alpha, double beta, double l1, double l2) {
        this(alpha, beta, l1, l2, true);
    }

    private FtrlOptimizer(double alpha, double beta, double l1, double l2, boolean withBias) {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("ftrl alpha must be a finite number > 0, got " + alpha);
        }
        if (!(beta >= 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("ftrl beta must be a finite number >= 0, got " + beta);
        }
        if (!(l1 >= 0) || !Double.isFinite(l1) || !(l2 >= 0) || !Double.isFinite(l2)) {
            throw new IllegalArgumentException("ftrl l1 and l2 must be finite numbers >= 0, got " + l1 + ", " + l2);
        }
        this.alpha = alpha;
        this.beta = beta;
        this.l1 = l1;
        this.l2 = l2;
        this.bias = withBias ? new FtrlOptimizer(alpha, beta, 0, 0, false) : this;
    }

    @Override
    public String name() {
        return "ftrl";
    }

    @Override
    public List<String> stateNames() {
        return List.of("z", "n");
    }

    @Override
    public void step(double[] slots, int offset, double gradient, double learningRate, long t) {
        double w = slots[offset];
        double z = slots[offset + 1];
        double n = slots[offset + 2];
        double grown = n + gradient * gradient;
        double sigma = (Math.sqrt(grown) - Math.sqrt(n)) / alpha;
        z += gradient - sigma * w;
        slots[offset + 1] = z;
        slots[offset + 2] = grown;
        slots[offset] = weight(z, grown);
    }

    /** w for z and n: 0 within λ₁ of 0, else −(z − sgn(z)·λ₁) / ((β + √n)/α + λ₂). */
    double weight(double z, double n) {
        if (Math.abs(z) <= l1) {
            return 0.0;
        }
        return -(z - Math.signum(z) * l1) / ((beta + Math.sqrt(n)) / alpha + l2);
    }

    /** No gradient: σ = 0, so z, n and w stay. A gradient of λ₂·θ never comes: FTRL's λ₂ is inside w's formula. */
    @Override
    public void skip(double[] slots, int offset, long from, long to, LearningRateSchedule schedule, double l2) {
        if (l2 != 0) {
            Optimizer.super.skip(slots, offset, from, to, schedule, l2);
        }
    }

    /** The same rule without penalties: the bias is a coordinate with x = 1 and no L1 or L2. */
    @Override
    public Optimizer forBias() {
        return bias;
    }

    @Override
    public boolean appliesPenalties() {
        return true;
    }
}
