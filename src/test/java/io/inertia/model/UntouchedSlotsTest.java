package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The learner checks a snapshot's weights that an update leaves alone before the update, as they will be at the
 * version it makes ({@link OnlineLearner#untouchedSlotsAt}): that must be, bit for bit, what bringing the weight up to
 * date gives once the update happened.
 */
class UntouchedSlotsTest {

    @Test
    void shouldForeseeAnUntouchedWeightAtTheNextVersionsBitForBitWhateverTheOptimizer() {
        List<Optimizer> optimizers = List.of(Optimizer.sgd(), Optimizer.momentum(0.9), Optimizer.nesterov(0.9),
                Optimizer.emaMomentum(0.9), Optimizer.adagrad(1e-8), Optimizer.adam(0.9, 0.999, 1e-8),
                Optimizer.ftrl(0.1, 1.0, 0.5, 0.1));
        for (Optimizer optimizer : optimizers) {
            for (LearningRateSchedule schedule : List.of(LearningRateSchedule.constant(0.05),
                    LearningRateSchedule.inverseScaling(0.1, 0.5))) {
                OnlineLearner learner = new OnlineLearner(Loss.squared(), optimizer, schedule,
                        new Regularization(0, 0.01, 0, 0), 0.01, 100);
                assertTrue(learner.foreseesUntouched());
                LinearModel model = learner.newModel();
                Random random = new Random(7);
                // Every feature learned once, then events that carry only some of them: the others fall behind.
                Map<String, Double> all = new LinkedHashMap<>();
                for (int f = 0; f < 20; f++) {
                    all.put("f" + f, random.nextGaussian());
                }
                learner.learn(model, Example.of(null, all, 1.0, 1.0));
                for (int event = 0; event < 200; event++) {
                    Map<String, Double> some = Map.of("f" + random.nextInt(5), random.nextGaussian());
                    long next = model.version() + 1;
                    double[][] foreseen = new double[model.coordinateCount()][model.blockWidth()];
                    for (int i = 0; i < model.coordinateCount(); i++) {
                        learner.untouchedSlotsAt(model, i, next, foreseen[i]);
                    }
                    String touched = some.keySet().iterator().next();
                    learner.learn(model, Example.of(null, some, random.nextGaussian(), 1.0));
                    double[] current = new double[model.blockWidth()];
                    for (int i = 0; i < foreseen.length; i++) {
                        if (model.coordinateName(i).equals(touched)) {
                            continue;
                        }
                        learner.currentSlots(model, i, current);
                        assertArrayEquals(current, foreseen[i], 0.0, optimizer + " " + schedule + ", update "
                                + next + ", " + model.coordinateName(i));
                    }
                }
            }
        }
    }

    @Test
    void shouldNotForeseeWithL1WhoseCatchUpFollowsTheUpdatesBetween() {
        OnlineLearner learner = new OnlineLearner(Loss.squared(), Optimizer.sgd(), LearningRateSchedule.constant(0.1),
                new Regularization(0.01, 0, 0, 0), 0.01, 100);
        assertFalse(learner.foreseesUntouched());
        LinearModel model = learner.newModel();
        learner.learn(model, Example.of(null, Map.of("a", 1.0), 1.0, 1.0));
        assertThrows(IllegalStateException.class, () -> learner.untouchedSlotsAt(model, 0, 2, new double[1]));
    }
}
