package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The softmax loss and a K-class model's updates, worked by hand: p_k = e^{z_k}/Σ_j e^{z_j}, L = −log p_y,
 * ∂L/∂z_k = p_k − [y = k]; weight (j, k) steps with (p_k − [y = k])·x_j, bias k with p_k − [y = k].
 */
class SoftmaxLearningTest {

    private static final double EXACT = 1e-15;

    @Test
    void shouldComputeProbabilitiesLossAndGradientByTheirFormulas() {
        SoftmaxLoss loss = new SoftmaxLoss(3);
        double[] p = new double[3];
        double[] g = new double[3];
        // z = [1, 2, 3], y = 0: s = e + e² + e³, p = [e, e², e³]/s, L = log s − 1.
        double value = loss.evaluate(new double[] {1, 2, 3}, 0, p, g);
        double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.log(s) - 1, value, 1e-14);
        assertArrayEquals(new double[] {Math.exp(1) / s, Math.exp(2) / s, Math.exp(3) / s}, p, EXACT);
        assertArrayEquals(new double[] {Math.exp(1) / s - 1, Math.exp(2) / s, Math.exp(3) / s}, g, EXACT);
        assertEquals(1.0, p[0] + p[1] + p[2], EXACT);
        assertEquals(2, SoftmaxLoss.predictedClass(p, 3));
    }

    @Test
    void shouldStayFiniteForScoresWhoseExponentialsOverflow() {
        // e^1000 overflows a double; subtracting the largest score first gives the probabilities of [0, 1, 2].
        SoftmaxLoss loss = new SoftmaxLoss(3);
        double[] p = new double[3];
        double[] g = new double[3];
        double value = loss.evaluate(new double[] {1000, 1001, 1002}, 1, p, g);
        double s = 1 + Math.exp(1) + Math.exp(2);
        assertEquals(Math.log(s) - 1, value, 1e-14);
        assertArrayEquals(new double[] {1 / s, Math.exp(1) / s, Math.exp(2) / s}, p, EXACT);
        // A score far below the others: its probability underflows to exactly 0, the loss of its class is large
        // but finite.
        double far = loss.evaluate(new double[] {-800, 0, 0}, 0, p, g);
        assertEquals(0.0, p[0], 0.0);
        assertEquals(Math.log(2) + 800, far, 1e-12);
    }

    @Test
    void shouldPredictTheLowestClassAmongEquallyProbableOnes() {
        assertEquals(0, SoftmaxLoss.predictedClass(new double[] {0.25, 0.25, 0.25, 0.25}, 4));
        assertEquals(1, SoftmaxLoss.predictedClass(new double[] {0.2, 0.4, 0.4}, 3));
    }

    @Test
    void shouldAcceptOnlyIntegerLabelsOfItsClasses() {
        SoftmaxLoss loss = new SoftmaxLoss(3);
        assertEquals(Optional.empty(), loss.checkLabel(0));
        assertEquals(Optional.empty(), loss.checkLabel(2));
        assertEquals(Optional.of("label 3.0 is not a class of the softmax loss: expected an integer in 0..2"),
                loss.checkLabel(3));
        assertTrue(loss.checkLabel(-1).isPresent());
        assertTrue(loss.checkLabel(1.5).isPresent());
        assertTrue(loss.checkLabel(Double.NaN).isPresent());
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxLoss(1));
        assertThrows(UnsupportedOperationException.class, () -> loss.value(0, 0));
        assertEquals(3, loss.outputs());
        assertEquals(1, Loss.logistic().outputs());
    }

    @Test
    void shouldStepEveryClassOfAFeatureAndCatchUpEachClassLazily() {
        // K = 3, momentum η = 0.1, β = 0.9.
        OnlineLearner learner = new OnlineLearner(Loss.softmax(3), Optimizer.momentum(0.9),
                LearningRateSchedule.constant(0.1), Regularization.NONE, 0.01, 10);
        LinearModel model = learner.newModel();
        assertEquals(3, model.outputs());
        // Event 1 {a: 2}, y = 1: z = 0, p = 1/3 each, L = log 3, g = [1/3, −2/3, 1/3];
        // v_a = 0.1·g·2, w_a = −v_a = [−1/15, 2/15, −1/15]; bias v = 0.1·g, b = [−1/30, 1/15, −1/30].
        OnlineLearner.LearningStep step = learner.learn(model, Example.of(null, Map.of("a", 2.0), 1.0, 1.0));
        assertEquals(Math.log(3), step.loss(), EXACT);
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, step.probabilities(), EXACT);
        assertEquals(0, step.predictedClass(), "a tie: the lowest class");
        assertWeights(model, "a", -1.0 / 15, 2.0 / 15, -1.0 / 15);
        assertEquals(-1.0 / 30, model.bias(0), EXACT);
        assertEquals(1.0 / 15, model.bias(1), EXACT);
        assertEquals(-1.0 / 30, model.bias(2), EXACT);
        // Event 2 {b: 1}, y = 2, weight 0: nothing but momentum moves. a is not carried: each class of a takes
        // v ← 0.9·v, w ← w − v when caught up: w_a = [−1/15 − 0.9/15, 2/15 + 1.8/15, −1/15 − 0.9/15].
        learner.learn(model, Example.of(null, Map.of("b", 1.0), 2.0, 0.0));
        learner.catchUp(model);
        assertWeights(model, "a", -1.9 / 15, 3.8 / 15, -1.9 / 15);
        assertWeights(model, "b", 0, 0, 0);
        assertEquals(2, model.coordinateCount(), "one coordinate per feature, whatever K");
    }

    @Test
    void shouldClipTheWholeKTimesFeaturesGradientByNormAndEachComponentByValue() {
        // Event {a: 2}, y = 1 from zero: g = [1/3, −2/3, 1/3]; its norm over every weight and bias is
        // ‖g‖·√(2² + 1) = √(6/9)·√5 = √(10/3). SGD η = 1.
        Example event = Example.of(null, Map.of("a", 2.0), 1.0, 1.0);
        LinearModel byNorm = learn(new Regularization(0, 0, 0, 1.0), event);
        double scale = 1 / Math.sqrt(10.0 / 3);
        assertWeights(byNorm, "a", -2.0 / 3 * scale, 4.0 / 3 * scale, -2.0 / 3 * scale);
        assertEquals(2.0 / 3 * scale, byNorm.bias(1), EXACT);
        // By value 0.5: g·x = [2/3, −4/3, 2/3] → [0.5, −0.5, 0.5]; the biases' [1/3, −2/3, 1/3] → [1/3, −0.5, 1/3].
        LinearModel byValue = learn(new Regularization(0, 0, 0.5, 0), event);
        assertWeights(byValue, "a", -0.5, 0.5, -0.5);
        assertEquals(-1.0 / 3, byValue.bias(0), EXACT);
        assertEquals(0.5, byValue.bias(1), EXACT);
    }

    @Test
    void shouldPenaliseEveryClassWeightWithL1AndL2ButNoBias() {
        // SGD η = 1, λ₁ = 0.2, λ₂ = 0.5. Event {a: 2}, y = 1 from zero: L2 adds 0.5·0 = 0; w_a = −g·2 =
        // [−2/3, 4/3, −2/3], then L1 (u = 0.2): [−2/3 + 0.2, 4/3 − 0.2, −2/3 + 0.2]; biases −g, no penalty.
        Example event = Example.of(null, Map.of("a", 2.0), 1.0, 1.0);
        LinearModel model = learn(new Regularization(0.2, 0.5, 0, 0), event);
        assertWeights(model, "a", -2.0 / 3 + 0.2, 4.0 / 3 - 0.2, -2.0 / 3 + 0.2);
        assertEquals(-1.0 / 3, model.bias(0), EXACT);
        assertEquals(2.0 / 3, model.bias(1), EXACT);
    }

    private static LinearModel learn(Regularization regularization, Example event) {
        OnlineLearner learner = new OnlineLearner(Loss.softmax(3), Optimizer.sgd(), LearningRateSchedule.constant(1.0),
                regularization, 0.01, 10);
        LinearModel model = learner.newModel();
        learner.learn(model, event);
        return model;
    }

    private static void assertWeights(LinearModel model, String feature, double... perClass) {
        double[] block = model.namedSlots().get(feature);
        int width = model.slotWidth();
        for (int k = 0; k < perClass.length; k++) {
            assertEquals(perClass[k], block[k * width], EXACT, feature + " of class " + k);
        }
    }
}
