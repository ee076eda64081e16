package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PrequentialMetricsTest {

    private static final double EXACT = 1e-12;

    @Test
    void shouldAverageTheLastWLossesAndAllLosses() {
        PrequentialMetrics metrics = new PrequentialMetrics(2);
        // Regression: prediction − label errors 1, −2, 3 with losses ½e² = 0.5, 2, 4.5.
        metrics.record(0.5, 1.0, 0.0, Loss.squared(), 1.0);
        metrics.record(2.0, 0.0, 2.0, Loss.squared(), 0.0);
        metrics.record(4.5, 3.0, 0.0, Loss.squared(), 3.0);
        assertEquals(3, metrics.count());
        assertEquals(7.0 / 3, metrics.meanLoss(), EXACT);
        assertEquals((2.0 + 4.5) / 2, metrics.windowMeanLoss(), EXACT);
        assertArrayEquals(new double[] {2.0, 4.5}, metrics.recentLosses());
        assertEquals(Math.sqrt((1 + 4 + 9) / 3.0), metrics.rmse(), EXACT);
        assertEquals((1 + 2 + 3) / 3.0, metrics.mae(), EXACT);
    }

    @Test
    void shouldCountCorrectClassesFromTheScoreSign() {
        PrequentialMetrics metrics = new PrequentialMetrics(10);
        metrics.record(0.1, 0.9, 1.0, Loss.logistic(), 2.0);   // score ≥ 0 → class 1, label 1: correct
        metrics.record(0.1, 0.4, 1.0, Loss.logistic(), -0.4);  // class 0, label 1: wrong
        metrics.record(0.1, 0.3, -1.0, Loss.logistic(), -0.8); // class 0, label −1 (= 0): correct
        metrics.record(0.0, 0.0, 0.0, Loss.hinge(), 0.0);      // score 0 → class 1, label 0: wrong
        assertEquals(0.5, metrics.accuracy(), EXACT);
    }

    @Test
    void shouldContinueExactlyAfterARestore() {
        PrequentialMetrics original = new PrequentialMetrics(3);
        double[] losses = {0.3, 1.1, 0.7, 2.5, 0.2};
        for (int i = 0; i < 4; i++) {
            original.record(losses[i], i, 0, Loss.squared(), i);
        }
        PrequentialMetrics restored = PrequentialMetrics.restore(3, original.recentLosses(), original.windowSum(),
                original.count(), original.lossSum(), original.squaredErrorSum(), original.absoluteErrorSum(),
                original.correct());
        original.record(losses[4], 4, 0, Loss.squared(), 4);
        restored.record(losses[4], 4, 0, Loss.squared(), 4);
        assertArrayEquals(original.recentLosses(), restored.recentLosses());
        assertEquals(original.windowMeanLoss(), restored.windowMeanLoss(), 0.0);
        assertEquals(original.meanLoss(), restored.meanLoss(), 0.0);
        assertEquals((0.7 + 2.5 + 0.2) / 3, restored.windowMeanLoss(), EXACT);
    }
    @Test
    void shouldComputeAccuracyAndMacroF1OfClassesOverTheRunAndTheWindow() {
        // K = 3, W = 4; (label, predicted): (0,0) (1,0) (2,2) (1,1) (0,2).
        PrequentialMetrics metrics = classes(3, 4, new int[][] {{0, 0}, {1, 0}, {2, 2}, {1, 1}, {0, 2}});
        // Run: labeled [2, 2, 1], predicted [2, 1, 2], TP [1, 1, 1]; F1 = 2·TP/(labeled + predicted) =
        // [2/4, 2/3, 2/3], macro-F1 = (1/2 + 2/3 + 2/3)/3 = 11/18; accuracy 3/5.
        assertEquals(0.6, metrics.accuracy(), EXACT);
        assertEquals(11.0 / 18, metrics.macroF1(), EXACT);
        // Window (the last 4): (1,0) (2,2) (1,1) (0,2): labeled [1, 2, 1], predicted [1, 1, 2], TP [0, 1, 1];
        // F1 = [0, 2/3, 2/3], macro-F1 = 4/9; accuracy 2/4.
        assertEquals(0.5, metrics.windowAccuracy(), EXACT);
        assertEquals(4.0 / 9, metrics.windowMacroF1(), EXACT);
        assertEquals((0.1 + 0.2 + 0.3 + 0.4) / 4, metrics.windowMeanLoss(), EXACT);
    }

    @Test
    void shouldLeaveClassesThatNeverOccurredOutOfMacroF1() {
        // Class 2 is neither a label nor a prediction: the mean is over classes 0 and 1 (scikit-learn's labels).
        PrequentialMetrics metrics = classes(3, 10, new int[][] {{0, 0}, {1, 1}});
        assertEquals(1.0, metrics.macroF1(), EXACT);
        assertEquals(0.0, new PrequentialMetrics(5, 3).macroF1(), EXACT);
    }

    @Test
    void shouldUndoOneClassEventAndContinueAfterARestore() {
        int[][] events = {{0, 0}, {1, 0}, {2, 2}, {1, 1}, {0, 2}, {2, 1}};
        PrequentialMetrics metrics = classes(3, 4, java.util.Arrays.copyOf(events, 5));
        PrequentialMetrics.Savepoint before = metrics.savepoint();
        metrics.recordClass(9.0, 2, 1);
        metrics.rollBack(before);
        assertEquals(classes(3, 4, java.util.Arrays.copyOf(events, 5)).macroF1(), metrics.macroF1(), 0.0);
        assertEquals(4.0 / 9, metrics.windowMacroF1(), EXACT, "the window is as before the undone event");
        assertEquals(0.5, metrics.windowAccuracy(), EXACT);

        PrequentialMetrics restored = PrequentialMetrics.restore(4, 3, metrics.recentLosses(), metrics.windowSum(),
                metrics.count(), metrics.lossSum(), metrics.correct(), metrics.classCounts(), metrics.recentLabels(),
                metrics.recentPredictions());
        PrequentialMetrics uninterrupted = classes(3, 4, events);
        restored.recordClass(0.6, 2, 1);
        assertEquals(uninterrupted.macroF1(), restored.macroF1(), 0.0);
        assertEquals(uninterrupted.windowMacroF1(), restored.windowMacroF1(), 0.0);
        assertEquals(uninterrupted.windowAccuracy(), restored.windowAccuracy(), 0.0);
        assertArrayEquals(uninterrupted.recentLabels(), restored.recentLabels());
        assertArrayEquals(uninterrupted.recentPredictions(), restored.recentPredictions());
    }

    /** Metrics of K classes over a window of W after the events {label, predicted}, losses 0.1, 0.2, …. */
    private static PrequentialMetrics classes(int k, int window, int[][] events) {
        PrequentialMetrics metrics = new PrequentialMetrics(window, k);
        for (int i = 0; i < events.length; i++) {
            metrics.recordClass(0.1 * i, events[i][0], events[i][1]);
        }
        return metrics;
    }
}
