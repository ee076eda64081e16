package io.inertia.property;

import io.inertia.model.LearningRateSchedule;
import io.inertia.model.LinearModel;
import io.inertia.model.Loss;
import io.inertia.model.OnlineLearner;
import io.inertia.model.OnlineLearner.LearningStep;
import io.inertia.model.Optimizer;
import io.inertia.model.Regularization;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The sparse path (an event steps only the weights it carries; the others are caught up in closed form by
 * {@link Optimizer#skip} when next touched, or by {@link OnlineLearner#catchUp}) equals the dense semantics (every
 * weight steps on every event, with zero loss gradient when the event lacks its feature), which the same stream
 * padded with explicit zeros computes step by step.
 *
 * <p>Covered: the momentum variants and sgd under every schedule without L2, and with L2 at a constant rate (the
 * closed forms); adagrad and adam without L2; every optimizer and schedule with L2 (mostly the step-by-step fallback);
 * L1 without L2. Not yet: L1 and L2 together (disabled below, it fails).
 *
 * <p>Quiet tails of up to 700 updates go past the horizons where the truncated forms (ema-momentum under a varying
 * rate, adam) stop stepping one by one; a coverage check requires that at least a fifth of the samples do (about
 * two fifths do).
 */
class SparsePathPropertyTest {

    private static final double TOLERANCE = 1e-9;
    /** Beyond the horizon of β = 0.9, and of adam's β₁/√β₂ with the default betas (both about 400 updates). */
    private static final int PAST_HORIZON = 400;
    private static final List<String> MOMENTUM_FAMILY = List.of("momentum", "nesterov", "ema-momentum", "sgd");

    @Property(seed = "3141592", tries = 150)
    void shouldMatchTheDensePathForMomentumVariantsWithoutL2(@ForAll("streams") SparseStream stream,
            @ForAll("momentumWithoutL2") LearnerSetting setting) {
        assertSparseEqualsDense(stream, setting);
    }

    @Property(seed = "2718281", tries = 150)
    void shouldMatchTheDensePathForMomentumVariantsWithL2AtAConstantRate(@ForAll("streams") SparseStream stream,
            @ForAll("momentumWithL2") LearnerSetting setting) {
        assertSparseEqualsDense(stream, setting);
    }

    @Property(seed = "1618033", tries = 150)
    void shouldMatchTheDensePathForAdagradAndAdamWithoutL2(@ForAll("streams") SparseStream stream,
            @ForAll("adaptiveWithoutL2") LearnerSetting setting) {
        assertSparseEqualsDense(stream, setting);
    }

    @Property(seed = "1414213", tries = 100)
    void shouldMatchTheDensePathForAnyOptimizerAndScheduleWithL2(@ForAll("streams") SparseStream stream,
            @ForAll("anyWithL2") LearnerSetting setting) {
        // Mostly the step-by-step fallback of Optimizer.skip; guards its bookkeeping of which updates to replay.
        assertSparseEqualsDense(stream, setting);
    }

    @Property(seed = "1732050", tries = 100)
    void shouldMatchTheDensePathWithL1(@ForAll("streams") SparseStream stream,
            @ForAll("anyWithoutL2") LearnerSetting setting, @ForAll("l1") double l1) {
        // Without L2 a skipped weight's steps do not depend on the weight, so applying the cumulative L1 penalty once
        // at catch-up equals applying it after every step.
        assertSparseEqualsDense(stream, withL1(setting, l1));
    }

    /**
     * Fails today: with L1 and L2 together the lazy path applies the L2 steps of the skipped updates one by one but the
     * L1 penalty only once at catch-up, while the dense path applies L1 after every step, and each L2 step sees the
     * weight L1 left; the two differ by up to about 1e-5.
     */
    @Property(seed = "2236067", tries = 100)
    void shouldMatchTheDensePathWithL1AndL2(@ForAll("streams") SparseStream stream,
            @ForAll("anyWithL2") LearnerSetting setting, @ForAll("l1") double l1) {
        assertSparseEqualsDense(stream, withL1(setting, l1));
    }

    /**
     * A softmax model of {@value SparseStream#SOFTMAX_CLASSES} classes keeps K weights per feature, each with its own
     * state, caught up per class: every optimizer and schedule, with and without L2.
     */
    @Property(seed = "1123581", tries = 100)
    void shouldMatchTheDensePathForSoftmaxModels(@ForAll("streams") SparseStream stream,
            @ForAll("anyWithOrWithoutL2") LearnerSetting setting) {
        OnlineLearner learner = setting.learner(Loss.softmax(SparseStream.SOFTMAX_CLASSES));
        LinearModel sparse = learner.newModel();
        LinearModel dense = learner.newModel();
        for (int i = 0; i < stream.size(); i++) {
            LearningStep expected = learner.learn(dense, stream.dense(i, "softmax"));
            LearningStep actual = learner.learn(sparse, stream.sparse(i, "softmax"));
            ModelAgreement.assertClose("loss of event " + i, expected.loss(), actual.loss(), TOLERANCE);
            for (int k = 0; k < SparseStream.SOFTMAX_CLASSES; k++) {
                ModelAgreement.assertClose("p_" + k + " of event " + i, expected.probabilities()[k],
                        actual.probabilities()[k], TOLERANCE);
            }
        }
        learner.catchUp(sparse);
        ModelAgreement.assertAgree(dense, sparse, stream.vocabulary(), true, TOLERANCE);
        ModelAgreement.assertClose("running loss", dense.runningLoss(), sparse.runningLoss(), TOLERANCE);
    }

    private static OnlineLearner withL1(LearnerSetting setting, double l1) {
        OnlineLearner plain = setting.learner();
        return new OnlineLearner(plain.loss(), plain.optimizer(), plain.schedule(),
                new Regularization(l1, setting.l2(), 0, 0), OnlineLearner.DEFAULT_LOSS_SMOOTHING,
                OnlineLearner.DEFAULT_METRICS_WINDOW);
    }

    private static void assertSparseEqualsDense(SparseStream stream, LearnerSetting setting) {
        assertSparseEqualsDense(stream, setting.learner());
    }

    private static void assertSparseEqualsDense(SparseStream stream, OnlineLearner learner) {
        Statistics.label("quiet run past horizon").collect(stream.longestQuietRun() > PAST_HORIZON);
        Statistics.label("quiet run past horizon").coverage(check -> check.check(true).percentage(p -> p >= 20));
        LinearModel sparse = learner.newModel();
        LinearModel dense = learner.newModel();
        for (int i = 0; i < stream.size(); i++) {
            LearningStep expected = learner.learn(dense, stream.dense(i));
            LearningStep actual = learner.learn(sparse, stream.sparse(i));
            ModelAgreement.assertClose("loss of event " + i, expected.loss(), actual.loss(), TOLERANCE);
        }
        learner.catchUp(sparse);
        ModelAgreement.assertAgree(dense, sparse, stream.vocabulary(), true, TOLERANCE);
        ModelAgreement.assertClose("running loss", dense.runningLoss(), sparse.runningLoss(), TOLERANCE);
    }

    @Provide
    Arbitrary<SparseStream> streams() {
        return SparseStream.streams(150, 700);
    }

    @Provide
    Arbitrary<LearnerSetting> momentumWithoutL2() {
        return LearnerSetting.settings(MOMENTUM_FAMILY, LearningRateSchedule.names(), Arbitraries.just(0.0));
    }

    @Provide
    Arbitrary<LearnerSetting> momentumWithL2() {
        return LearnerSetting.settings(MOMENTUM_FAMILY, List.of("constant"), LearnerSetting.positiveL2());
    }

    @Provide
    Arbitrary<LearnerSetting> adaptiveWithoutL2() {
        return LearnerSetting.settings(List.of("adagrad", "adam"), LearningRateSchedule.names(),
                Arbitraries.just(0.0));
    }

    @Provide
    Arbitrary<LearnerSetting> anyWithoutL2() {
        return LearnerSetting.settings(Optimizer.names(), LearningRateSchedule.names(), Arbitraries.just(0.0));
    }

    @Provide
    Arbitrary<Double> l1() {
        return Arbitraries.doubles().between(0.0001, 0.01).ofScale(4);
    }

    @Provide
    Arbitrary<LearnerSetting> anyWithOrWithoutL2() {
        return LearnerSetting.settings(Optimizer.names(), LearningRateSchedule.names(),
                Arbitraries.oneOf(Arbitraries.just(0.0), LearnerSetting.positiveL2()));
    }

    @Provide
    Arbitrary<LearnerSetting> anyWithL2() {
        return LearnerSetting.settings(Optimizer.names(), LearningRateSchedule.names(), LearnerSetting.positiveL2());
    }
}
