package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnlineLearnerTest {

    private static final double EXACT = 1e-12;

    @Test
    void shouldConvergeToTheTrueRegressionWeights() {
        // y = 3·x1 − 2·x2 + 0.5 + ε, x ~ N(0, 1), ε ~ N(0, 0.1²)
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.01), 0.0, 0.01);
        LinearModel model = learner.newModel();
        Random random = new Random(7L);
        for (int i = 0; i < 5_000; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            double y = 3 * x1 - 2 * x2 + 0.5 + 0.1 * random.nextGaussian();
            Example example = Example.of(null, Map.of("x1", x1, "x2", x2), y, 1.0);
            assertEquals(Optional.empty(), learner.check(model, example));
            learner.learn(model, example);
        }
        assertEquals(3.0, model.namedSlots().get("x1")[0], 0.05);
        assertEquals(-2.0, model.namedSlots().get("x2")[0], 0.05);
        assertEquals(0.5, model.bias(), 0.05);
        assertEquals(5_000, model.version());
        // At the optimum the expected loss is ½σ² = 0.005; the running loss must have come down near it.
        assertTrue(model.runningLoss() < 0.05, "running loss " + model.runningLoss());
    }

    @Test
    void shouldClassifySeparableDataWithTheLogisticLoss() {
        // Label 1 exactly when 2·x1 − x2 + 0.3 > 0.
        OnlineLearner learner = new OnlineLearner(Loss.logistic(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.05), 0.0, 0.01);
        LinearModel model = learner.newModel();
        Random training = new Random(11L);
        for (int i = 0; i < 3_000; i++) {
            Example example = separable(training);
            assertEquals(Optional.empty(), learner.check(model, example));
            learner.learn(model, example);
        }
        Random heldOut = new Random(12345L);
        int correct = 0;
        int total = 1_000;
        for (int i = 0; i < total; i++) {
            Example example = separable(heldOut);
            double p = learner.loss().prediction(model.score(example));
            if ((p >= 0.5 ? 1.0 : 0.0) == example.label()) {
                correct++;
            }
        }
        double accuracy = (double) correct / total;
        assertTrue(accuracy >= 0.95, "held-out accuracy " + accuracy);
    }

    @Test
    void shouldKeepMovingANamedFeatureAbsentFromAnEventByItsDecayingVelocity() {
        // η = 0.1, β = 0.9, squared loss, label 1 (with label 0 and a zero start every gradient would be 0 and the
        // rule would go untested). Events {a:1}, {b:1}, {}.
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();

        // Event 1 {a:1}: z = 0, L = ½(0 − 1)² = 0.5, dL/dz = −1; g_a = −1, g_bias = −1
        // v_a = −0.1, w_a = 0.1; v_bias = −0.1, bias = 0.1; r = 0.5. Feature b is not known yet.
        learner.learn(model, Example.of(null, Map.of("a", 1.0), 1.0, 1.0));
        assertEquals(Set.of("a"), model.namedSlots().keySet());
        assertSlots(model, "a", 0.1, -0.1);
        assertEquals(0.1, model.bias(), EXACT);
        assertEquals(-0.1, model.biasSlots()[1], EXACT);
        assertEquals(0.5, model.runningLoss(), EXACT);

        // Event 2 {b:1}: b is new (w_b = 0), z = 0·1 + 0.1 = 0.1, L = ½(0.1 − 1)² = 0.405, dL/dz = −0.9
        // a absent, g_a = 0: v_a = 0.9·(−0.1) = −0.09, w_a = 0.1 + 0.09 = 0.19
        // g_b = −0.9: v_b = 0.1·(−0.9) = −0.09, w_b = 0.09
        // g_bias = −0.9: v_bias = 0.9·(−0.1) + 0.1·(−0.9) = −0.18, bias = 0.1 + 0.18 = 0.28
        // r = 0.99·0.5 + 0.01·0.405 = 0.495 + 0.00405 = 0.49905
        learner.learn(model, Example.of(null, Map.of("b", 1.0), 1.0, 1.0));
        // The event did not carry a, so a is left as it was until a catch-up (lazy, O(event) per update) ...
        assertSlots(model, "a", 0.1, -0.1);
        assertEquals(1, model.lastStep("a"));
        // ... which then gives exactly the dense result.
        learner.catchUp(model);
        assertEquals(2, model.lastStep("a"));
        assertSlots(model, "a", 0.19, -0.09);
        assertSlots(model, "b", 0.09, -0.09);
        assertEquals(0.28, model.bias(), EXACT);
        assertEquals(-0.18, model.biasSlots()[1], EXACT);
        assertEquals(0.49905, model.runningLoss(), EXACT);

        // Event 3 {}: z = bias = 0.28, L = ½(0.28 − 1)² = ½·0.5184 = 0.2592, dL/dz = −0.72
        // v_a = 0.9·(−0.09) = −0.081, w_a = 0.19 + 0.081 = 0.271
        // v_b = 0.9·(−0.09) = −0.081, w_b = 0.09 + 0.081 = 0.171
        // v_bias = 0.9·(−0.18) + 0.1·(−0.72) = −0.162 − 0.072 = −0.234, bias = 0.28 + 0.234 = 0.514
        // r = 0.99·0.49905 + 0.01·0.2592 = 0.4940595 + 0.002592 = 0.4966515
        OnlineLearner.LearningStep step = learner.learn(model, Example.of(null, Map.of(), 1.0, 1.0));
        assertEquals(0.28, step.prediction(), EXACT);
        assertEquals(0.2592, step.loss(), EXACT);
        learner.catchUp(model);
        assertSlots(model, "a", 0.271, -0.081);
        assertSlots(model, "b", 0.171, -0.081);
        assertEquals(0.514, model.bias(), EXACT);
        assertEquals(-0.234, model.biasSlots()[1], EXACT);
        assertEquals(0.4966515, model.runningLoss(), EXACT);
        assertEquals(3, model.version());
    }

    @Test
    void shouldScoreWithEveryWeightBroughtUpToDateWithoutChangingTheModel() {
        // The model of the test above after events {a:1} and {b:1}: w_a = 0.1 stored as of update 1, current value
        // 0.19 (v_a = 0.9·(−0.1) = −0.09 applied once more); w_b = 0.09; bias 0.28. Example {a:2, b:1, c:5} (c unknown,
        // weight 0): z = 2·0.19 + 1·0.09 + 0.28 = 0.75.
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9),
                LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        learner.learn(model, Example.of(null, Map.of("a", 1.0), 1.0, 1.0));
        learner.learn(model, Example.of(null, Map.of("b", 1.0), 1.0, 1.0));
        Example example = Example.of(null, Map.of("a", 2.0, "b", 1.0, "c", 5.0), 1.0, 1.0);

        double score = learner.currentScore(model, example, new double[model.slotWidth()]);

        assertEquals(0.75, score, EXACT);
        // Read only: a is still stored as of update 1, and c was not added.
        assertEquals(1, model.lastStep("a"));
        assertSlots(model, "a", 0.1, -0.1);
        assertEquals(-1, model.lastStep("c"));
        assertEquals(2, model.version());
        // Exactly the score the learner itself gives the same example next.
        assertEquals(learner.learn(model.copy(), example).score(), score, 0.0);
    }

    @Test
    void shouldKeepMovingDenseWeightsWhenAnEventHasNoDenseFeatures() {
        // η = 0.1, β = 0.9, squared loss, label 1.
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        assertEquals(-1, model.denseDimension());

        // Event 1 dense [1, 2]: z = 0, dL/dz = −1; g_0 = −1, g_1 = −2, g_bias = −1
        // v_0 = −0.1, w_0 = 0.1; v_1 = −0.2, w_1 = 0.2; v_bias = −0.1, bias = 0.1
        learner.learn(model, Example.of(new double[] {1.0, 2.0}, null, 1.0, 1.0));
        assertEquals(2, model.denseDimension());
        assertDense(model, 0, 0.1, -0.1);
        assertDense(model, 1, 0.2, -0.2);

        // Event 2 named {c:1} only: z = w_c·1 + bias = 0 + 0.1 = 0.1 (dense weights do not score it), dL/dz = −0.9
        // dense g = 0: v_0 = 0.9·(−0.1) = −0.09, w_0 = 0.19; v_1 = 0.9·(−0.2) = −0.18, w_1 = 0.38
        // g_c = −0.9: v_c = −0.09, w_c = 0.09; v_bias = −0.09 − 0.09 = −0.18, bias = 0.28
        OnlineLearner.LearningStep step = learner.learn(model, Example.of(null, Map.of("c", 1.0), 1.0, 1.0));
        assertEquals(0.1, step.prediction(), EXACT);
        assertDense(model, 0, 0.19, -0.09);
        assertDense(model, 1, 0.38, -0.18);
        assertSlots(model, "c", 0.09, -0.09);
        assertEquals(0.28, model.bias(), EXACT);
    }

    @Test
    void shouldScaleTheGradientBySampleWeight() {
        // x = 2, y = 1, s = 2, η = 0.1, β = 0.9: z = 0, dL/dz = −1, g_w = 2·(−1)·2 = −4, g_b = 2·(−1) = −2
        // v_w = −0.4, w = 0.4; v_b = −0.2, b = 0.2. The loss itself is not weighted: L = 0.5.
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        OnlineLearner.LearningStep step = learner.learn(model, Example.of(null, Map.of("x", 2.0), 1.0, 2.0));
        assertEquals(0.5, step.loss(), EXACT);
        assertSlots(model, "x", 0.4, -0.4);
        assertEquals(0.2, model.bias(), EXACT);

        // s = 0 leaves the parameters alone but still counts the update.
        LinearModel untouched = learner.newModel();
        learner.learn(untouched, Example.of(null, Map.of("x", 2.0), 1.0, 0.0));
        assertSlots(untouched, "x", 0.0, 0.0);
        assertEquals(0.0, untouched.bias());
        assertEquals(1, untouched.version());
    }

    @Test
    void shouldReportADenseDimensionMismatch() {
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        Example two = Example.of(new double[] {1.0, 2.0}, null, 1.0, 1.0);
        assertEquals(Optional.empty(), learner.check(model, two));
        learner.learn(model, two);

        Optional<String> problem = learner.check(model, Example.of(new double[] {1.0, 2.0, 3.0}, null, 1.0, 1.0));
        assertEquals(Optional.of("dense vector has 3 features but the model has 2"), problem);
        assertTrue(learner.check(model, Example.of(new double[] {1.0}, null, 1.0, 1.0)).isPresent());
        // An event with only named features is no mismatch: its dense part is simply absent.
        assertEquals(Optional.empty(), learner.check(model, Example.of(null, Map.of("n", 1.0), 1.0, 1.0)));
        assertEquals(Optional.empty(), learner.check(model, two));
    }

    @Test
    void shouldReportAModelStoredForAnotherOptimizerStateSize() {
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        Optional<String> problem = learner.check(LinearModel.empty(2), Example.of(null, Map.of("x", 1.0), 1.0, 1.0));
        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("needs 1"), problem.get());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.5, 1.0000001, Double.NaN})
    void shouldRefuseALossSmoothingOutsideZeroExclusiveToOneInclusive(double alpha) {
        assertThrows(IllegalArgumentException.class,
                () -> new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, alpha));
    }

    @Test
    void shouldFollowTheNewestLossWhenSmoothingIsOne() {
        // α = 1: r = L each time. x = 2, y = 1, η = 0.1, β = 0.9: L_1 = 0.5, L_2 = 0.125 (golden/README.md).
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 1.0);
        LinearModel model = learner.newModel();
        Example example = Example.of(null, Map.of("x", 2.0), 1.0, 1.0);
        learner.learn(model, example);
        assertEquals(0.5, model.runningLoss(), EXACT);
        learner.learn(model, example);
        assertEquals(0.125, model.runningLoss(), EXACT);
    }

    @Test
    void shouldRefuseMalformedExamples() {
        assertThrows(IllegalArgumentException.class, () -> Example.of(null, null, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Example.of(new double[] {Double.NaN}, null, 1.0, 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> Example.of(null, Map.of("x", Double.POSITIVE_INFINITY), 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Example.of(null, Map.of("", 1.0), 1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Example.of(null, Map.of("x", 1.0), Double.NaN, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Example.of(null, Map.of("x", 1.0), 1.0, -1.0));
        assertThrows(IllegalArgumentException.class, () -> Example.of(null, Map.of("x", 1.0), 1.0, Double.NaN));
    }

    @Test
    void shouldNotLetTheCallerChangeAnExampleAfterwards() {
        double[] dense = {1.0, 2.0};
        Map<String, Double> named = new java.util.HashMap<>(Map.of("x", 1.0));
        Example example = Example.of(dense, named, 1.0, 1.0);
        dense[0] = 99.0;
        named.put("y", 5.0);
        assertEquals(1.0, example.dense(0));
        assertFalse(example.named().containsKey("y"));
        assertThrows(UnsupportedOperationException.class, () -> example.named().put("z", 1.0));
    }

    private static Example separable(Random random) {
        double x1 = random.nextGaussian();
        double x2 = random.nextGaussian();
        double label = 2 * x1 - x2 + 0.3 > 0 ? 1.0 : 0.0;
        return Example.of(null, Map.of("x1", x1, "x2", x2), label, 1.0);
    }

    private static void assertSlots(LinearModel model, String feature, double weight, double velocity) {
        double[] slots = model.namedSlots().get(feature);
        assertEquals(weight, slots[0], EXACT, "w_" + feature);
        assertEquals(velocity, slots[1], EXACT, "v_" + feature);
    }

    private static void assertDense(LinearModel model, int i, double weight, double velocity) {
        assertEquals(weight, model.denseSlots()[i * model.slotWidth()], EXACT, "w_" + i);
        assertEquals(velocity, model.denseSlots()[i * model.slotWidth() + 1], EXACT, "v_" + i);
    }
}
