package io.inertia.model;

import java.util.List;

/**
 * The learning rate η_t of update t = 1, 2, … of a model, t counted in that model's updates (never in time), so a
 * replay gives the same rates.
 */
public interface LearningRateSchedule {

    /** The default learning rate η. */
    double DEFAULT_LEARNING_RATE = 0.01;
    /** The default exponent p of {@link #inverseScaling}. */
    double DEFAULT_POWER = 0.5;
    /** The default α of {@link #optimal}. */
    double DEFAULT_ALPHA = 0.0001;

    /** The name used in configuration and snapshots. */
    String name();

    /** η_t for update {@code t} ≥ 1. */
    double rate(long t);

    /** Whether η_t is the same for every t, which allows closed forms over many updates. */
    default boolean isConstant() {
        return false;
    }

    /** η_t = η. */
    static LearningRateSchedule constant(double eta) {
        checkPositive("learning rate", eta);
        return new LearningRateSchedule() {
            @Override
            public String name() {
                return "constant";
            }

            @Override
            public double rate(long t) {
                return eta;
            }

            @Override
            public boolean isConstant() {
                return true;
            }
        };
    }

    /** η_t = η / t^p (scikit-learn's "invscaling"). */
    static LearningRateSchedule inverseScaling(double eta, double power) {
        checkPositive("learning rate", eta);
        if (!(power >= 0) || !Double.isFinite(power)) {
            throw new IllegalArgumentException("power must be a finite number >= 0, got " + power);
        }
        return new LearningRateSchedule() {
            @Override
            public String name() {
                return "invscaling";
            }

            @Override
            public double rate(long t) {
                return eta / Math.pow(t, power);
            }
        };
    }

    /**
     * η_t = 1 / (α·(t + t₀)) (Bottou's schedule, scikit-learn's "optimal"); α is the regularisation-like scale and t₀
     * sets the first rate: η_1 = 1/(α·(1 + t₀)).
     */
    static LearningRateSchedule optimal(double alpha, double t0) {
        checkPositive("alpha", alpha);
        if (!(t0 >= 0) || !Double.isFinite(t0)) {
            throw new IllegalArgumentException("t0 must be a finite number >= 0, got " + t0);
        }
        return new LearningRateSchedule() {
            @Override
            public String name() {
                return "optimal";
            }

            @Override
            public double rate(long t) {
                return 1.0 / (alpha * (t + t0));
            }
        };
    }

    /** The names of the schedules. */
    static List<String> names() {
        return List.of("constant", "invscaling", "optimal");
    }

    private static void checkPositive(String what, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(what + " must be a finite number > 0, got " + value);
        }
    }
}
