package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MomentumOptimizerTest {

    private static final double EXACT = 1e-12;

    @Test
    void shouldMatchTheHandComputedThreeStepExample() {
        // The worked example of golden/README.md: x = 2, y = 1, η = 0.1, β = 0.9, squared loss, everything at 0.
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        Example example = Example.of(null, Map.of("x", 2.0), 1.0, 1.0);

        // Step 1: z = 0, L = ½(0 − 1)² = 0.5, dL/dz = −1; g_w = −2, g_b = −1
        // v_w = 0.1·(−2) = −0.2, w = 0.2; v_b = 0.1·(−1) = −0.1, b = 0.1; r = L = 0.5
        OnlineLearner.LearningStep step = learner.learn(model, example);
        assertEquals(0.0, step.prediction(), EXACT);
        assertEquals(0.5, step.loss(), EXACT);
        assertState(model, 1, 0.2, -0.2, 0.1, -0.1, 0.5);

        // Step 2: z = 0.2·2 + 0.1 = 0.5, L = ½(−0.5)² = 0.125, dL/dz = −0.5; g_w = −1, g_b = −0.5
        // v_w = 0.9·(−0.2) + 0.1·(−1) = −0.28, w = 0.48; v_b = 0.9·(−0.1) + 0.1·(−0.5) = −0.14, b = 0.24
        // r = 0.99·0.5 + 0.01·0.125 = 0.49625
        step = learner.learn(model, example);
        assertEquals(0.5, step.prediction(), EXACT);
        assertEquals(0.125, step.loss(), EXACT);
        assertState(model, 2, 0.48, -0.28, 0.24, -0.14, 0.49625);

        // Step 3: z = 0.48·2 + 0.24 = 1.2, L = ½(0.2)² = 0.02, dL/dz = 0.2; g_w = 0.4, g_b = 0.2
        // v_w = 0.9·(−0.28) + 0.1·0.4 = −0.212, w = 0.692; v_b = 0.9·(−0.14) + 0.1·0.2 = −0.106, b = 0.346
        // r = 0.99·0.49625 + 0.01·0.02 = 0.4914875
        step = learner.learn(model, example);
        assertEquals(1.2, step.prediction(), EXACT);
        assertEquals(0.02, step.loss(), EXACT);
        assertEquals(3, step.version());
        assertState(model, 3, 0.692, -0.212, 0.346, -0.106, 0.4914875);
    }

    @Test
    void shouldApplyVelocityThenParameterUpdateToOneSlotBlock() {
        // Slot block at offset 2: θ = 1.0, v = 0.5; g = 2, η = 0.1, β = 0.9
        // v = 0.9·0.5 + 0.1·2 = 0.45 + 0.2 = 0.65; θ = 1.0 − 0.65 = 0.35. Slots outside the block are untouched.
        double[] slots = {7.0, 8.0, 1.0, 0.5, 9.0};
        MomentumOptimizer.of(0.9).step(slots, 2, 2.0, 0.1, 1);
        assertEquals(7.0, slots[0]);
        assertEquals(8.0, slots[1]);
        assertEquals(0.35, slots[2], EXACT);
        assertEquals(0.65, slots[3], EXACT);
        assertEquals(9.0, slots[4]);
    }

    @Test
    void shouldKeepOneVelocityPerParameter() {
        assertEquals(1, MomentumOptimizer.of(0.9).stateSize());
        assertEquals("momentum", MomentumOptimizer.of(0.9).name());
        assertEquals(2, new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.1), 0.0, 0.01).newModel().slotWidth());
    }

    @Test
    void shouldEqualPlainSgdWhenMomentumIsZero() {
        double eta = 0.05;
        OnlineLearner viaMomentum = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.0), LearningRateSchedule.constant(eta), 0.0, 0.01);
        OnlineLearner viaSgd = new OnlineLearner(Loss.squared(), Optimizer.sgd(), LearningRateSchedule.constant(eta), 0.0, 0.01);
        LinearModel momentumModel = viaMomentum.newModel();
        LinearModel sgdModel = viaSgd.newModel();

        // The SGD rule written out: z = w1·x1 + w2·x2 + b, g = z − y, θ ← θ − η·g·∂z/∂θ.
        double w1 = 0;
        double w2 = 0;
        double b = 0;
        Random random = new Random(20240611L);
        for (int i = 0; i < 50; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            double y = 1.5 * x1 - 0.5 * x2 + 0.25 + 0.1 * random.nextGaussian();
            Example example = Example.of(null, Map.of("x1", x1, "x2", x2), y, 1.0);

            double z = w1 * x1 + w2 * x2 + b;
            double g = z - y;
            w1 -= eta * g * x1;
            w2 -= eta * g * x2;
            b -= eta * g;

            viaMomentum.learn(momentumModel, example);
            viaSgd.learn(sgdModel, example);
            for (LinearModel model : new LinearModel[] {momentumModel, sgdModel}) {
                assertEquals(w1, model.namedSlots().get("x1")[0], EXACT, "w1 at step " + (i + 1));
                assertEquals(w2, model.namedSlots().get("x2")[0], EXACT, "w2 at step " + (i + 1));
                assertEquals(b, model.bias(), EXACT, "b at step " + (i + 1));
            }
            // With β = 0 the velocity is just the last step η·g.
            assertEquals(eta * g, momentumModel.biasSlots()[1], EXACT, "v_b at step " + (i + 1));
        }
        assertEquals(1, sgdModel.biasSlots().length, "plain SGD keeps no state");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -0.1, -1e-300, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
    void shouldRefuseALearningRateThatIsNotPositiveAndFinite(double eta) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LearningRateSchedule.constant(eta));
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.inverseScaling(eta, 0.5));
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 1.5, -0.1, -1e-300, Double.NaN, Double.POSITIVE_INFINITY})
    void shouldRefuseAMomentumOutsideZeroInclusiveToOneExclusive(double beta) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MomentumOptimizer.of(beta));
        assertTrue(e.getMessage().contains("momentum must be in [0, 1)"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.5, 0.999999})
    void shouldAcceptAMomentumInsideZeroInclusiveToOneExclusive(double beta) {
        assertEquals(beta, MomentumOptimizer.of(beta).momentum());
    }

    private static void assertState(LinearModel model, long version, double w, double vw, double b, double vb,
            double runningLoss) {
        assertEquals(version, model.version(), "version");
        double[] x = model.namedSlots().get("x");
        assertEquals(w, x[0], EXACT, "w at version " + version);
        assertEquals(vw, x[1], EXACT, "v_w at version " + version);
        assertEquals(b, model.bias(), EXACT, "b at version " + version);
        assertEquals(b, model.biasSlots()[0], EXACT, "b slot at version " + version);
        assertEquals(vb, model.biasSlots()[1], EXACT, "v_b at version " + version);
        assertEquals(runningLoss, model.runningLoss(), EXACT, "runningLoss at version " + version);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.5, 0.9, 0.99, 0.999, 0.999999})
    void shouldTakeTheSamePowersAsMathPowAtEveryDistance(double beta) {
        MomentumOptimizer optimizer = MomentumOptimizer.of(beta);
        for (long k = 0; k < 20_000; k++) {
            assertEquals(Double.doubleToRawLongBits(Math.pow(beta, k)), Double.doubleToRawLongBits(optimizer.power(k)),
                    "β^" + k);
        }
        for (long k : new long[] {65_536, 1_000_000, 123_456_789, Long.MAX_VALUE}) {
            assertEquals(Math.pow(beta, k), optimizer.power(k), "β^" + k);
        }
    }
}
