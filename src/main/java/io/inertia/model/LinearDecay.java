package io.inertia.model;

/**
 * Closed forms for a parameter that receives no loss gradient for k updates, so that catching it up costs O(log k)
 * or O(1) instead of O(k).
 *
 * <p>Without L2, each momentum-family rule is linear in (θ, v) with a zero gradient, and summing the geometric series
 * gives k steps at once. With L2 at a constant rate η the gradient is λ₂·θ and one update is a fixed 2×2 linear map
 * of (θ, v), so k updates are its k-th power, computed by repeated squaring.
 */
final class LinearDecay {

    private LinearDecay() {
    }

    /** Σ_{i=1..k} β^i = β(1 − β^k)/(1 − β), for β ∈ [0, 1). */
    static double geometricSum(double beta, long k) {
        if (beta == 0 || k == 0) {
            return 0.0;
        }
        return beta * (1 - Math.pow(beta, k)) / (1 - beta);
    }

    /**
     * Applies the map (θ, v) ← (a·θ + b·v, c·θ + d·v) {@code k} times to the parameter at {@code slots[offset]} and its
     * velocity at {@code slots[offset + 1]}.
     */
    static void power(double[] slots, int offset, double a, double b, double c, double d, long k) {
        // Result matrix R = M^k by binary exponentiation.
        double ra = 1, rb = 0, rc = 0, rd = 1;
        double ma = a, mb = b, mc = c, md = d;
        long n = k;
        while (n > 0) {
            if ((n & 1) == 1) {
                double na = ra * ma + rb * mc;
                double nb = ra * mb + rb * md;
                double nc = rc * ma + rd * mc;
                double nd = rc * mb + rd * md;
                ra = na;
                rb = nb;
                rc = nc;
                rd = nd;
            }
            double sa = ma * ma + mb * mc;
            double sb = ma * mb + mb * md;
            double sc = mc * ma + md * mc;
            double sd = mc * mb + md * md;
            ma = sa;
            mb = sb;
            mc = sc;
            md = sd;
            n >>= 1;
        }
        double theta = slots[offset];
        double velocity = slots[offset + 1];
        slots[offset] = ra * theta + rb * velocity;
        slots[offset + 1] = rc * theta + rd * velocity;
    }

    /**
     * The number of updates after which β^i has fallen below 2^−60 relative to 1 (beyond double precision of any sum
     * it contributes to), so a series over later updates can be cut there without changing the result.
     */
    static long horizon(double ratio) {
        if (ratio <= 0) {
            return 1;
        }
        return (long) Math.ceil(-60 * Math.log(2) / Math.log(ratio)) + 1;
    }
}
