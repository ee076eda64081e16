package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegularizationTest {

    private static final double EXACT = 1e-12;

    private static OnlineLearner sgd(double eta, Regularization regularization) {
        return new OnlineLearner(Loss.squared(), Optimizer.sgd(), LearningRateSchedule.constant(eta), regularization,
                OnlineLearner.DEFAULT_LOSS_SMOOTHING, OnlineLearner.DEFAULT_METRICS_WINDOW);
    }

    @Test
    void shouldClampEachLossGradientComponentWhenClippingByValue() {
        OnlineLearner learner = sgd(0.1, new Regularization(0, 0, 2.0, 0));
        LinearModel model = learner.newModel();
        // z = 0, y = 10: ∂L/∂z = −10; g_x = −10·3 = −30 → −2; g_b = −10 → −2; θ ← θ − 0.1·g = 0.2 for both.
        learner.learn(model, Example.of(null, Map.of("x", 3.0), 10.0, 1.0));
        assertEquals(0.2, model.namedSlots().get("x")[0], EXACT);
        assertEquals(0.2, model.bias(), EXACT);
    }

    @Test
    void shouldScaleTheEventGradientToTheNormLimitWhenClippingByNorm() {
        double eta = 0.1;
        OnlineLearner learner = sgd(eta, new Regularization(0, 0, 0, 5.0));
        LinearModel model = learner.newModel();
        // ∂L/∂z = −10, gradient (−30, −10) of norm √1000 ≈ 31.6 > 5: after scaling its norm is exactly 5 and its
        // direction unchanged (g_x = 3·g_b). With SGD from 0, θ = −η·g, so the applied gradient is −θ/η.
        learner.learn(model, Example.of(null, Map.of("x", 3.0), 10.0, 1.0));
        double gx = -model.namedSlots().get("x")[0] / eta;
        double gb = -model.bias() / eta;
        assertEquals(5.0, Math.hypot(gx, gb), EXACT);
        assertEquals(3.0, gx / gb, EXACT);
    }

    @Test
    void shouldLeaveAGradientUnderTheNormLimitAlone() {
        OnlineLearner learner = sgd(0.1, new Regularization(0, 0, 0, 100.0));
        LinearModel model = learner.newModel();
        // norm √1000 < 100: plain SGD, w = 0.1·30 = 3, b = 0.1·10 = 1.
        learner.learn(model, Example.of(null, Map.of("x", 3.0), 10.0, 1.0));
        assertEquals(3.0, model.namedSlots().get("x")[0], EXACT);
        assertEquals(1.0, model.bias(), EXACT);
    }

    @Test
    void shouldDriveWeakWeightsToExactZeroWithTheCumulativeL1Penalty() {
        OnlineLearner learner = sgd(0.1, new Regularization(0.5, 0, 0, 0));
        LinearModel model = learner.newModel();
        Example example = Example.of(null, Map.of("a", 1.0, "b", 0.1), 1.0, 1.0);
        assertEquals(List.of("l1Applied"), learner.stateNames());

        // Event 1: z = 0, ∂L/∂z = −1; SGD half-step w_a = 0.1, w_b = 0.01, b = 0.1; u = η·λ₁ = 0.05.
        // w_a = max(0, 0.1 − (0.05 + 0)) = 0.05, q_a = −0.05; w_b = max(0, 0.01 − 0.05) = 0, q_b = −0.01.
        learner.learn(model, example);
        assertEquals(0.05, model.namedSlots().get("a")[0], EXACT);
        assertEquals(0.0, model.namedSlots().get("b")[0]);
        assertEquals(-0.05, model.namedSlots().get("a")[1], EXACT);
        assertEquals(-0.01, model.namedSlots().get("b")[1], EXACT);
        assertEquals(0.1, model.bias(), EXACT);

        // Event 2: z = 0.05 + 0 + 0.1 = 0.15, ∂L/∂z = −0.85; half-step w_a = 0.135, w_b = 0.0085, b = 0.185; u = 0.1.
        // w_a = 0.135 − (0.1 − 0.05) = 0.085; w_b = max(0, 0.0085 − (0.1 − 0.01)) = 0 exactly.
        learner.learn(model, example);
        assertEquals(0.085, model.namedSlots().get("a")[0], EXACT);
        assertEquals(0.0, model.namedSlots().get("b")[0]);
        assertEquals(0.185, model.bias(), EXACT);
        assertEquals(0.1, model.l1Total(), EXACT);
    }

    @Test
    void shouldAddL2ToTheWeightsButNeverTheBias() {
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.sgd(), LearningRateSchedule.constant(0.1),
                new Regularization(0, 1.0, 0, 0), OnlineLearner.DEFAULT_LOSS_SMOOTHING, 10);
        LinearModel model = learner.newModel();
        Example example = Example.of(null, Map.of("x", 1.0), 1.0, 1.0);
        // Event 1: z = 0, g_x = −1 + 1·0, g_b = −1 → w = 0.1, b = 0.1.
        learner.learn(model, example);
        // Event 2: z = 0.2, ∂L/∂z = −0.8; g_x = −0.8 + 1.0·0.1 = −0.7 → w = 0.17; g_b = −0.8 → b = 0.18.
        learner.learn(model, example);
        assertEquals(0.17, model.namedSlots().get("x")[0], EXACT);
        assertEquals(0.18, model.bias(), EXACT);
    }

    @Test
    void shouldRefuseNegativeOrNonFiniteStrengths() {
        assertThrows(IllegalArgumentException.class, () -> new Regularization(-1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Regularization(0, Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Regularization(0, 0, -2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Regularization(0, 0, 0, Double.POSITIVE_INFINITY));
    }
}
