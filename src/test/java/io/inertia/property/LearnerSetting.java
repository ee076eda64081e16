package io.inertia.property;

import io.inertia.model.LearningRateSchedule;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.model.Optimizer;
import io.inertia.model.Regularization;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * The settings of one squared-loss learner, kept as names and numbers so that a failing sample reads plainly.
 *
 * <p>The invscaling schedule uses p = 0.5 (η_t = η/√t) and the optimal one α = 0.5 with t₀ chosen so that η_1 = η
 * (t₀ = 1/(αη) − 1), so both decay noticeably within a few hundred updates.
 *
 * @param optimizer a name of {@link Optimizer#names()}
 * @param beta β of the momentum variants, β₁ of adam
 * @param schedule a name of {@link LearningRateSchedule#names()}
 * @param eta η, the first rate of every schedule
 * @param l2 λ₂ ≥ 0
 */
record LearnerSetting(String optimizer, double beta, String schedule, double eta, double l2) {

    private static final double INVSCALING_POWER = 0.5;
    private static final double OPTIMAL_ALPHA = 0.5;

    /**
     * Settings with an optimizer from {@code optimizers}, a schedule from {@code schedules}, β in [0, 0.95], η in
     * [0.005, 0.1] and λ₂ from {@code l2}.
     */
    static Arbitrary<LearnerSetting> settings(List<String> optimizers, List<String> schedules, Arbitrary<Double> l2) {
        return Combinators.combine(Arbitraries.of(optimizers), Arbitraries.doubles().between(0, 0.95).ofScale(3),
                Arbitraries.of(schedules), Arbitraries.doubles().between(0.005, 0.1).ofScale(4), l2)
                .as(LearnerSetting::new);
    }

    /** λ₂ in (0, 0.1]. */
    static Arbitrary<Double> positiveL2() {
        return Arbitraries.doubles().between(0.0001, 0.1).ofScale(4);
    }

    /** This setting with another optimizer. */
    LearnerSetting withOptimizer(String name) {
        return new LearnerSetting(name, beta, schedule, eta, l2);
    }

    /** The learning-rate schedule. */
    LearningRateSchedule rates() {
        return switch (schedule) {
            case "invscaling" -> LearningRateSchedule.inverseScaling(eta, INVSCALING_POWER);
            case "optimal" -> LearningRateSchedule.optimal(OPTIMAL_ALPHA, 1 / (OPTIMAL_ALPHA * eta) - 1);
            default -> LearningRateSchedule.constant(eta);
        };
    }

    /** A squared-loss learner with these settings. */
    OnlineLearner learner() {
        return learner(Loss.squared());
    }

    /** A learner of {@code loss} with these settings. */
    OnlineLearner learner(Loss loss) {
        // FTRL takes λ₂ into its own formula (α = 10·η, so that it learns at the scale of the others).
        Optimizer rule = Optimizer.byName(optimizer, beta, Optimizer.DEFAULT_BETA2, Optimizer.DEFAULT_EPSILON,
                10 * eta, Optimizer.DEFAULT_FTRL_BETA, 0, l2).orElseThrow();
        return new OnlineLearner(loss, rule, rates(), Regularization.l2Only(l2),
                OnlineLearner.DEFAULT_LOSS_SMOOTHING, OnlineLearner.DEFAULT_METRICS_WINDOW);
    }
}
