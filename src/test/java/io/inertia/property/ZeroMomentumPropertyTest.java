package io.inertia.property;

import io.inertia.model.LearningRateSchedule;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.model.OnlineLearner.LearningStep;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Momentum with β = 0 is plain SGD: v ← η·g, θ ← θ − v is θ ← θ − η·g, also on the lazy path of sparse events. */
class ZeroMomentumPropertyTest {

    private static final double EXACT = 1e-12;

    @Property(seed = "4207031", tries = 200)
    void shouldLearnExactlyLikeSgdWhenMomentumIsZero(@ForAll("streams") SparseStream stream,
            @ForAll("settings") LearnerSetting setting) {
        OnlineLearner momentum = setting.learner();
        OnlineLearner sgd = setting.withOptimizer("sgd").learner();
        LinearModel withMomentum = momentum.newModel();
        LinearModel plain = sgd.newModel();
        for (int i = 0; i < stream.size(); i++) {
            LearningStep expected = sgd.learn(plain, stream.sparse(i));
            LearningStep actual = momentum.learn(withMomentum, stream.sparse(i));
            ModelAgreement.assertClose("loss of event " + i, expected.loss(), actual.loss(), EXACT);
        }
        momentum.catchUp(withMomentum);
        sgd.catchUp(plain);
        ModelAgreement.assertAgree(plain, withMomentum, stream.vocabulary(), false, EXACT);
    }

    @Provide
    Arbitrary<SparseStream> streams() {
        return SparseStream.streams(150, 300);
    }

    /** Momentum with β = 0, any schedule, with or without L2. */
    @Provide
    Arbitrary<LearnerSetting> settings() {
        Arbitrary<Double> l2 = Arbitraries.oneOf(Arbitraries.just(0.0), LearnerSetting.positiveL2());
        return LearnerSetting.settings(List.of("momentum"), LearningRateSchedule.names(), l2)
                .map(s -> new LearnerSetting("momentum", 0.0, s.schedule(), s.eta(), s.l2()));
    }
}
