package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LossTest {

    private static final double EXACT = 1e-12;
    private static final Loss SQUARED = Loss.squared();
    private static final Loss LOGISTIC = Loss.logistic();

    @ParameterizedTest(name = "z={0}, y={1}")
    @CsvSource({
        // z,    y,    L = ½(z − y)²,       dL/dz = z − y
        "3.0,   1.0,   2.0,                 2.0",      // ½·2² = 2
        "-0.5,  1.5,   2.0,                 -2.0",     // ½·(−2)² = 2
        "4.25,  4.25,  0.0,                 0.0",
        "0.0,   -3.0,  4.5,                 3.0",      // ½·3² = 4.5
        "1.0,   0.5,   0.125,               0.5",      // ½·0.5² = 0.125
    })
    void shouldComputeSquaredLossAndDerivative(double z, double y, double loss, double derivative) {
        assertEquals(loss, SQUARED.value(z, y), EXACT);
        assertEquals(derivative, SQUARED.derivative(z, y), EXACT);
        assertEquals(z, SQUARED.prediction(z));
    }

    @Test
    void shouldGiveLogTwoAndHalfMinusLabelAtZeroScore() {
        // p = σ(0) = ½: L = −log ½ = log 2 whatever the label; dL/dz = p − y = ½ − y
        assertEquals(Math.log(2), LOGISTIC.value(0.0, 0.0), EXACT);
        assertEquals(Math.log(2), LOGISTIC.value(0.0, 1.0), EXACT);
        assertEquals(0.5, LOGISTIC.derivative(0.0, 0.0), EXACT);
        assertEquals(-0.5, LOGISTIC.derivative(0.0, 1.0), EXACT);
        assertEquals(0.5, LOGISTIC.prediction(0.0), EXACT);
    }

    @Test
    void shouldComputeLogisticLossAtScoreLogThree() {
        // z = ln 3: e^z = 3, p = 3/(1 + 3) = 3/4
        // y = 1: L = −log(3/4) = log(4/3), dL/dz = 3/4 − 1 = −1/4
        // y = 0: L = −log(1 − 3/4) = log 4, dL/dz = 3/4
        double z = Math.log(3);
        assertEquals(0.75, LOGISTIC.prediction(z), EXACT);
        assertEquals(Math.log(4.0 / 3.0), LOGISTIC.value(z, 1.0), EXACT);
        assertEquals(-0.25, LOGISTIC.derivative(z, 1.0), EXACT);
        assertEquals(Math.log(4.0), LOGISTIC.value(z, 0.0), EXACT);
        assertEquals(0.75, LOGISTIC.derivative(z, 0.0), EXACT);
    }

    @Test
    void shouldComputeLogisticLossAtScoreMinusLogThree() {
        // z = −ln 3: e^z = 1/3, p = (1/3)/(1 + 1/3) = 1/4
        // y = 1: L = −log(1/4) = log 4, dL/dz = 1/4 − 1 = −3/4
        // y = 0: L = −log(3/4) = log(4/3), dL/dz = 1/4
        double z = -Math.log(3);
        assertEquals(0.25, LOGISTIC.prediction(z), EXACT);
        assertEquals(Math.log(4.0), LOGISTIC.value(z, 1.0), EXACT);
        assertEquals(-0.75, LOGISTIC.derivative(z, 1.0), EXACT);
        assertEquals(Math.log(4.0 / 3.0), LOGISTIC.value(z, 0.0), EXACT);
        assertEquals(0.25, LOGISTIC.derivative(z, 0.0), EXACT);
    }

    @ParameterizedTest(name = "z={0}, y={1}")
    @CsvSource({
        // For |z| ≫ 1: log(1 + e^(−|z|)) rounds to 0, so L = max(z, 0) − y·z; p rounds to 0 or 1.
        "1000,   0,   1000,  1",   // confidently wrong: L = 1000 − 0, dL/dz = 1 − 0
        "1000,   1,   0,     0",   // confidently right: L = 1000 − 1000 = 0, dL/dz = 1 − 1
        "-1000,  1,   1000,  -1",  // L = 0 − (−1000), dL/dz = 0 − 1
        "-1000,  0,   0,     0",   // L = 0, dL/dz = 0 − 0
        "800,    0,   800,   1",   // the naive −log(1 − σ(800)) would be −log 0 = ∞
    })
    void shouldStayFiniteForLargeScores(double z, double y, double loss, double derivative) {
        double value = LOGISTIC.value(z, y);
        double slope = LOGISTIC.derivative(z, y);
        assertTrue(Double.isFinite(value), "L(" + z + ", " + y + ") = " + value);
        assertTrue(Double.isFinite(slope), "dL/dz(" + z + ", " + y + ") = " + slope);
        assertEquals(loss, value, 1e-9);
        assertEquals(derivative, slope, 1e-9);
        double p = LOGISTIC.prediction(z);
        assertTrue(p >= 0 && p <= 1, "p = " + p);
    }

    @ParameterizedTest
    @ValueSource(doubles = {2.0, 0.5, -1.0, 1.0000001, Double.NaN})
    void shouldRefuseLogisticLabelsOtherThanZeroAndOne(double label) {
        Optional<String> problem = LOGISTIC.checkLabel(label);
        assertTrue(problem.isPresent(), "label " + label + " accepted");
        assertTrue(problem.get().contains("{0, 1}"), problem.get());
    }

    @Test
    void shouldAcceptLogisticLabelsZeroAndOne() {
        assertEquals(Optional.empty(), LOGISTIC.checkLabel(0.0));
        assertEquals(Optional.empty(), LOGISTIC.checkLabel(1.0));
    }

    @Test
    void shouldReportALogisticLabelOutsideTheDomainThroughTheLearner() {
        OnlineLearner learner = new OnlineLearner(LOGISTIC, MomentumOptimizer.of(0.1, 0.9), 0.01);
        Example two = Example.of(null, Map.of("x", 1.0), 2.0, 1.0);
        Optional<String> problem = learner.check(learner.newModel(), two);
        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("logistic"), problem.get());
    }

    @Test
    void shouldAcceptAnyFiniteLabelForSquaredLoss() {
        assertEquals(Optional.empty(), SQUARED.checkLabel(-1e9));
        assertEquals(Optional.empty(), SQUARED.checkLabel(2.0));
        assertTrue(SQUARED.checkLabel(Double.POSITIVE_INFINITY).isPresent());
        assertTrue(SQUARED.checkLabel(Double.NaN).isPresent());
    }

    @Test
    void shouldFindLossesByTheirConfiguredNames() {
        assertEquals(List.of("squared", "logistic"), Loss.names());
        assertSame(SQUARED, Loss.byName("squared").orElseThrow());
        assertSame(LOGISTIC, Loss.byName("logistic").orElseThrow());
        assertFalse(Loss.byName("hinge").isPresent());
        assertFalse(Loss.byName("Squared").isPresent());
    }
}
