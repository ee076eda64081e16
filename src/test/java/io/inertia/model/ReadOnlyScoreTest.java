package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OnlineLearner#score}: what the outcome joiner serves for an event without a label. It must be exactly the
 * prediction the learner would make if it learned the event at that moment, and must not change the model.
 */
class ReadOnlyScoreTest {

    @Test
    void shouldBringALaggingWeightUpToDateWithoutStoringIt() {
        // Momentum β = 0.9, η = 0.1, squared loss. Worked by hand:
        //   event 1 {a: 1}, y = 1: z = 0, g = −1 → v_a = −0.1, w_a = 0.1; v_b = −0.1, b = 0.1
        //   event 2 {c: 1}, y = 1: z = 0.1, g = −0.9 → v_b = −0.09 − 0.09 = −0.18, b = 0.28; a lags one update
        //   score {a: 2} at version 2: v_a ← 0.9·(−0.1) = −0.09, w_a ← 0.1 + 0.09 = 0.19; z = 0.38 + 0.28 = 0.66
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9),
                LearningRateSchedule.constant(0.1), 0.0, 0.01);
        LinearModel model = learner.newModel();
        learner.learn(model, Example.of(null, Map.of("a", 1.0), 1.0, 1.0));
        learner.learn(model, Example.of(null, Map.of("c", 1.0), 1.0, 1.0));

        OnlineLearner.Score score = learner.score(model, Example.of(null, Map.of("a", 2.0), 0.0, 1.0));

        assertEquals(0.66, score.score(), 1e-12);
        assertEquals(0.66, score.prediction(), 1e-12);
        assertEquals(2, score.version());
        assertEquals(0.1, model.coordinateSlot(model.coordinateOf("a"), 0), 1e-15, "the stored weight is untouched");
        assertEquals(1, model.lastStep("a"), "still current to update 1");
    }

    @Test
    void shouldEqualTheScoreOfALearningStepBitForBitAndLeaveTheModelAsItWas() {
        List<OnlineLearner> learners = List.of(
                new OnlineLearner(Loss.squared(), Optimizer.momentum(0.9), LearningRateSchedule.constant(0.05), 0.0,
                        0.01),
                new OnlineLearner(Loss.logistic(), Optimizer.nesterov(0.8), LearningRateSchedule.inverseScaling(0.1,
                        0.5), 0.01, 0.01),
                new OnlineLearner(Loss.squared(), Optimizer.emaMomentum(0.9), LearningRateSchedule.constant(0.05),
                        new Regularization(0.001, 0.0, 0.0, 0.0), 0.01, 100),
                new OnlineLearner(Loss.huber(1.0), Optimizer.adam(0.9, 0.999, 1e-8),
                        LearningRateSchedule.constant(0.01), 0.001, 0.01));
        for (OnlineLearner learner : learners) {
            SplittableRandom random = new SplittableRandom(17);
            LinearModel model = learner.newModel();
            for (int n = 0; n < 400; n++) {
                Example example = sparse(random, learner.loss());
                if (n % 3 == 0) {
                    LinearModel before = model.copy();
                    OnlineLearner.Score score = learner.score(model, example);
                    assertUnchanged(before, model);
                    OnlineLearner.LearningStep step = learner.learn(model.copy(), example);
                    assertEquals(Double.doubleToRawLongBits(step.score()), Double.doubleToRawLongBits(score.score()),
                            "score of event " + n);
                    assertEquals(Double.doubleToRawLongBits(step.prediction()),
                            Double.doubleToRawLongBits(score.prediction()), "prediction of event " + n);
                    assertEquals(step.version() - 1, score.version());
                }
                learner.learn(model, example);
            }
        }
    }

    /** An event of 1 to 4 of 30 names, so that most weights lag behind the model's version when next used. */
    private static Example sparse(SplittableRandom random, Loss loss) {
        String[] names = new String[1 + random.nextInt(4)];
        double[] values = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            names[i] = "f" + random.nextInt(30);
            values[i] = random.nextGaussian();
        }
        double label = loss.classification() ? random.nextInt(2) : random.nextGaussian();
        return Example.of(new double[] {random.nextGaussian()}, names, values, label, 1.0);
    }

    private static void assertUnchanged(LinearModel before, LinearModel after) {
        assertEquals(before.version(), after.version());
        assertArrayEquals(before.denseSlots(), after.denseSlots());
        assertArrayEquals(before.biasSlots(), after.biasSlots());
        assertEquals(before.coordinateCount(), after.coordinateCount(), "no coordinate added");
        for (int i = 0; i < before.coordinateCount(); i++) {
            assertEquals(before.lastStep(i), after.lastStep(i));
            for (int k = 0; k < before.slotWidth(); k++) {
                assertEquals(Double.doubleToRawLongBits(before.coordinateSlot(i, k)),
                        Double.doubleToRawLongBits(after.coordinateSlot(i, k)));
            }
        }
    }
}
