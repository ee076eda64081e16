package io.inertia.model;

/**
 * Penalties and gradient guards applied around the optimizer, to the weights only (never the bias) for the penalties:
 *
 * <ul>
 *   <li><b>Clipping by norm</b> c_n: the loss gradient of the event (all weights and the bias) is scaled by
 *       min(1, c_n/‖g‖), ‖g‖ = |s·∂L/∂z|·√(Σ x_j² + 1). Then <b>clipping by value</b> c_v: each component is clamped
 *       to [−c_v, c_v]. Both act on the loss gradient only, before the penalties are added. 0 disables either.</li>
 *   <li><b>L2</b> λ₂: λ₂·w is added to each weight's gradient (penalty ½λ₂‖w‖²).</li>
 *   <li><b>L1</b> λ₁, with exact zeros by the cumulative penalty of Tsuruoka, Tsujii and Ananiadou (2009): the model
 *       keeps u = Σ_t η_t·λ₁, the total L1 penalty a weight could have received so far, and each weight keeps q, the
 *       penalty actually applied to it. After the optimizer's step, a positive weight becomes max(0, w − (u + q)), a
 *       negative one min(0, w + (u − q)), and q grows by the change. A weight whose gradient cannot beat the penalty
 *       stays exactly 0. λ₁ and λ₂ together give the elastic net.</li>
 * </ul>
 *
 * @param l1 λ₁ ≥ 0
 * @param l2 λ₂ ≥ 0
 * @param clipValue c_v ≥ 0, 0 for none
 * @param clipNorm c_n ≥ 0, 0 for none
 */
public record Regularization(double l1, double l2, double clipValue, double clipNorm) {

    /** No penalty, no clipping. */
    public static final Regularization NONE = new Regularization(0, 0, 0, 0);

    /** Checks every value is finite and ≥ 0. */
    public Regularization {
        check("l1", l1);
        check("l2", l2);
        check("clip value", clipValue);
        check("clip norm", clipNorm);
    }

    /** Only L2 with strength {@code l2}. */
    public static Regularization l2Only(double l2) {
        return new Regularization(0, l2, 0, 0);
    }

    /** Whether the L1 penalty is on, which needs one more state value per parameter (q). */
    public boolean hasL1() {
        return l1 > 0;
    }

    private static void check(String what, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + value);
        }
    }
}
