package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PoissonLossTest {

    private static final double EXACT = 1e-12;
    private static final Loss POISSON = Loss.poisson();

    @Test
    void shouldPredictAMeanOfOneAtScoreZero() {
        // z = 0: μ = e⁰ = 1, L = μ − y·0 = 1 whatever y, dL/dz = 1 − y
        assertEquals(1.0, POISSON.prediction(0.0), EXACT);
        assertEquals(1.0, POISSON.value(0.0, 0.0), EXACT);
        assertEquals(1.0, POISSON.derivative(0.0, 0.0), EXACT);  // 1 − 0
        assertEquals(1.0, POISSON.value(0.0, 1.0), EXACT);
        assertEquals(0.0, POISSON.derivative(0.0, 1.0), EXACT);  // 1 − 1: the mean is right
        assertEquals(1.0, POISSON.value(0.0, 3.0), EXACT);
        assertEquals(-2.0, POISSON.derivative(0.0, 3.0), EXACT); // 1 − 3
    }

    @Test
    void shouldPredictAMeanOfTwoAtScoreLogTwo() {
        // z = ln 2: μ = 2
        double z = Math.log(2);
        assertEquals(2.0, POISSON.prediction(z), EXACT);
        assertEquals(2.0, POISSON.value(z, 0.0), EXACT);                    // 2 − 0·ln 2
        assertEquals(2.0, POISSON.derivative(z, 0.0), EXACT);               // 2 − 0
        assertEquals(2.0 - 2.0 * Math.log(2), POISSON.value(z, 2.0), EXACT); // 2 − 2 ln 2 ≈ 0.6137
        assertEquals(0.0, POISSON.derivative(z, 2.0), EXACT);               // 2 − 2
        assertEquals(2.0 - 5.0 * Math.log(2), POISSON.value(z, 5.0), EXACT); // 2 − 5 ln 2 ≈ −1.4657: log 5! dropped
        assertEquals(-3.0, POISSON.derivative(z, 5.0), EXACT);              // 2 − 5
        assertEquals(2.0 - 0.5 * Math.log(2), POISSON.value(z, 0.5), EXACT); // a rate needn't be a whole number
        assertEquals(1.5, POISSON.derivative(z, 0.5), EXACT);               // 2 − 0.5
    }

    @ParameterizedTest
    @ValueSource(doubles = {700.0, 710.0, 1e6, 1e300, Double.MAX_VALUE})
    void shouldStayFiniteForHugeScores(double z) {
        // z is clamped to 700 inside the exponential: μ = e^700 = 10^(700/ln 10) = 10^304.006… ≈ 1.0142·10^304,
        // where e^710 alone would overflow (the largest double is ≈ 1.8·10^308 ≈ e^709.78). Label 0 keeps y·z = 0.
        double mean = POISSON.prediction(z);
        double value = POISSON.value(z, 0.0);
        double slope = POISSON.derivative(z, 0.0);
        assertTrue(Double.isFinite(mean) && Double.isFinite(value) && Double.isFinite(slope),
                "μ = " + mean + ", L = " + value + ", dL/dz = " + slope);
        assertTrue(mean > 1.0142e304 && mean < 1.0143e304, "μ = " + mean);
        assertEquals(mean, value);
        assertEquals(mean, slope);
    }

    @Test
    void shouldStayFiniteForAHugeScoreWithAPositiveLabel() {
        // z = 10⁶, y = 3: L = e^700 − 3·10⁶ ≈ 1.0142·10^304 (3·10⁶ is lost in the rounding), dL/dz = e^700 − 3
        double value = POISSON.value(1e6, 3.0);
        double slope = POISSON.derivative(1e6, 3.0);
        assertTrue(value > 1.0142e304 && value < 1.0143e304, "L = " + value);
        assertTrue(slope > 1.0142e304 && slope < 1.0143e304, "dL/dz = " + slope);
    }

    @Test
    void shouldApproachTheNegativeLabelSlopeForVeryNegativeScores() {
        // z = −1000: μ = e^−1000 underflows to 0, L = 0 − 2·(−1000) = 2000, dL/dz = 0 − 2 = −2
        assertEquals(0.0, POISSON.prediction(-1000.0));
        assertEquals(2000.0, POISSON.value(-1000.0, 2.0), EXACT);
        assertEquals(-2.0, POISSON.derivative(-1000.0, 2.0), EXACT);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, 2.5, 7.0, 1e9})
    void shouldAcceptCountsAndRatesFromZeroUp(double label) {
        assertEquals(Optional.empty(), POISSON.checkLabel(label));
    }

    @Test
    void shouldRefuseNegativeAndNonFiniteLabels() {
        assertEquals(Optional.of("label -1.0 is negative; the poisson loss needs a count or rate >= 0"),
                POISSON.checkLabel(-1.0));
        assertEquals(Optional.of("label -1.0E-9 is negative; the poisson loss needs a count or rate >= 0"),
                POISSON.checkLabel(-1e-9));
        assertEquals(Optional.of("label NaN is not a finite number"), POISSON.checkLabel(Double.NaN));
        assertEquals(Optional.of("label Infinity is not a finite number"),
                POISSON.checkLabel(Double.POSITIVE_INFINITY));
    }

    @Test
    void shouldBeARegressionLoss() {
        assertEquals(false, POISSON.classification());
        assertEquals(4.0, POISSON.classLabel(4.0));
    }
}
