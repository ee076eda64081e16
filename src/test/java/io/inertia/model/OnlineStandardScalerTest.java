package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OnlineStandardScalerTest {

    @Test
    void shouldScaleEachValueWithTheValuesBeforeIt() {
        OnlineStandardScaler scaler = new OnlineStandardScaler();
        // By hand: nothing seen → 2 − 0; {2}: mean 2, variance 0 → 4 − 2 (centred, not scaled);
        // {2, 4}: mean 3, variance ((−1)² + 1²)/2 = 1 → (4 − 3)/1;
        // {2, 4, 4}: mean 10/3, variance (16/9 + 4/9 + 4/9)/3 = 8/9 → (4 − 10/3)/√(8/9) = 1/√2.
        assertEquals(2.0, scaler.transformThenLearn(2), 1e-15);
        assertEquals(2.0, scaler.transformThenLearn(4), 1e-15);
        assertEquals(1.0, scaler.transformThenLearn(4), 1e-15);
        assertEquals(1 / Math.sqrt(2), scaler.transformThenLearn(4), 1e-15);
    }

    @Test
    void shouldKeepThePopulationMeanAndVariance() {
        OnlineStandardScaler scaler = new OnlineStandardScaler();
        for (double x : new double[] {2, 4, 4, 4, 5, 5, 7, 9}) {
            scaler.learn(x);
        }
        // The textbook example: mean 5, population variance 32/8 = 4, standard deviation 2.
        assertEquals(8, scaler.count());
        assertEquals(5.0, scaler.mean(), 1e-15);
        assertEquals(4.0, scaler.variance(), 1e-15);
        assertEquals(32.0, scaler.m2(), 1e-12);
        assertEquals(1.5, scaler.transform(8), 1e-15);
    }

    @Test
    void shouldStayAccurateForLargeValuesWithASmallSpread() {
        OnlineStandardScaler scaler = new OnlineStandardScaler();
        for (double x : new double[] {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16}) {
            scaler.learn(x);
        }
        // Deviations −6, −3, 3, 6 from 1e9 + 10: variance 90/4 = 22.5. Σx² − n·μ² loses every digit of it here.
        assertEquals(1e9 + 10, scaler.mean(), 1e-6);
        assertEquals(22.5, scaler.variance(), 1e-6);
    }

    @Test
    void shouldResumeFromItsStateExactly() {
        OnlineStandardScaler whole = new OnlineStandardScaler();
        OnlineStandardScaler first = new OnlineStandardScaler();
        double[] values = {0.3, -1.7, 2.25, 8.5, 0.001, -3.0};
        for (int i = 0; i < 3; i++) {
            whole.transformThenLearn(values[i]);
            first.transformThenLearn(values[i]);
        }
        OnlineStandardScaler resumed = OnlineStandardScaler.of(first.count(), first.mean(), first.m2());
        for (int i = 3; i < values.length; i++) {
            assertEquals(whole.transformThenLearn(values[i]), resumed.transformThenLearn(values[i]), 0.0);
        }
        assertEquals(whole.mean(), resumed.mean(), 0.0);
        assertEquals(whole.m2(), resumed.m2(), 0.0);
    }

    @Test
    void shouldRefuseAnImpossibleState() {
        assertThrows(IllegalArgumentException.class, () -> OnlineStandardScaler.of(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> OnlineStandardScaler.of(2, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> OnlineStandardScaler.of(2, Double.NaN, 0));
    }
}
