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
}
