package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
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
    @ValueSource(doubles = {2.0, 0.5, -0.5, -2.0, 1.0000001, Double.NaN})
    void shouldRefuseLogisticLabelsOutsideZeroOneAndPlusMinusOne(double label) {
        Optional<String> problem = LOGISTIC.checkLabel(label);
        assertTrue(problem.isPresent(), "label " + label + " accepted");
        assertEquals("label " + label + " is outside the logistic loss's domain {0, 1} or {-1, +1}", problem.get());
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> LOGISTIC.value(0.0, label));
        assertEquals(problem.get(), refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LOGISTIC.derivative(0.0, label));
        assertThrows(IllegalArgumentException.class, () -> LOGISTIC.classLabel(label));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, -1.0})
    void shouldAcceptLogisticLabelsZeroOneAndMinusOne(double label) {
        assertEquals(Optional.empty(), LOGISTIC.checkLabel(label));
    }

    @Test
    void shouldReadMinusOneAsClassZeroForTheLogisticLoss() {
        assertEquals(0.0, LOGISTIC.classLabel(-1.0));
        assertEquals(0.0, LOGISTIC.classLabel(0.0));
        assertEquals(1.0, LOGISTIC.classLabel(1.0));
        // z = ln 3, p = 3/4 as above; label −1 is class 0: L = −log(1 − 3/4) = log 4, dL/dz = 3/4 − 0 = 3/4
        double z = Math.log(3);
        assertEquals(Math.log(4.0), LOGISTIC.value(z, -1.0), EXACT);
        assertEquals(0.75, LOGISTIC.derivative(z, -1.0), EXACT);
        // z = −ln 3, p = 1/4: L = −log(1 − 1/4) = log(4/3), dL/dz = 1/4 − 0 = 1/4
        assertEquals(Math.log(4.0 / 3.0), LOGISTIC.value(-z, -1.0), EXACT);
        assertEquals(0.25, LOGISTIC.derivative(-z, -1.0), EXACT);
        // z = 1000, label −1 (class 0): L = log(1 + e^−1000) + 1000 − 0·1000 ≈ 1000, dL/dz = σ(1000) − 0 ≈ 1
        assertEquals(1000.0, LOGISTIC.value(1000.0, -1.0), 1e-9);
        assertEquals(1.0, LOGISTIC.derivative(1000.0, -1.0), 1e-9);
    }

    @Test
    void shouldReportALogisticLabelOutsideTheDomainThroughTheLearner() {
        OnlineLearner learner = OnlineLearner.of(LOGISTIC, Optimizer.momentum(0.9), 0.1);
        Example two = Example.of(null, Map.of("x", 1.0), 2.0, 1.0);
        Optional<String> problem = learner.check(learner.newModel(), two);
        assertTrue(problem.isPresent());
        assertTrue(problem.get().contains("logistic"), problem.get());
        Example minusOne = Example.of(null, Map.of("x", 1.0), -1.0, 1.0);
        assertEquals(Optional.empty(), learner.check(learner.newModel(), minusOne));
    }

    @Test
    void shouldAcceptAnyFiniteLabelForSquaredLoss() {
        assertEquals(Optional.empty(), SQUARED.checkLabel(-1e9));
        assertEquals(Optional.empty(), SQUARED.checkLabel(2.0));
        assertTrue(SQUARED.checkLabel(Double.POSITIVE_INFINITY).isPresent());
        assertTrue(SQUARED.checkLabel(Double.NaN).isPresent());
    }

    @Test
    void shouldListTheEightLossNames() {
        assertEquals(List.of("squared", "absolute", "huber", "quantile", "logistic", "hinge", "poisson", "softmax"),
                Loss.names());
        assertEquals(Optional.empty(), Loss.byName("softmax"), "softmax needs its K: Loss.softmax(K)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"squared", "absolute", "huber", "quantile", "logistic", "hinge", "poisson"})
    void shouldFindEveryLossByItsConfiguredName(String name) {
        assertEquals(name, Loss.byName(name).orElseThrow().name());
        assertEquals(name, Loss.byName(name, 2.0, 0.9).orElseThrow().name());
    }

    @Test
    void shouldFindTheParameterlessLossesAsTheirSingleInstances() {
        assertSame(SQUARED, Loss.byName("squared").orElseThrow());
        assertSame(Loss.absolute(), Loss.byName("absolute").orElseThrow());
        assertSame(LOGISTIC, Loss.byName("logistic").orElseThrow());
        assertSame(Loss.hinge(), Loss.byName("hinge").orElseThrow());
        assertSame(Loss.poisson(), Loss.byName("poisson").orElseThrow());
    }

    @Test
    void shouldGiveTheNamedLossItsParameters() {
        assertEquals("huber(delta=2.5)", Loss.byName("huber", 2.5, 0.5).orElseThrow().describe());
        assertEquals("quantile(tau=0.9)", Loss.byName("quantile", 1.0, 0.9).orElseThrow().describe());
        assertEquals(Loss.huber(2.5), Loss.byName("huber", 2.5, 0.5).orElseThrow());
        assertEquals(Loss.quantile(0.9), Loss.byName("quantile", 1.0, 0.9).orElseThrow());
        assertNotEquals(Loss.huber(2.5), Loss.huber(2.0));
        assertNotEquals(Loss.quantile(0.9), Loss.quantile(0.1));
    }

    @Test
    void shouldUseTheDefaultParametersWhenFindingByNameAlone() {
        assertEquals(1.0, Loss.DEFAULT_HUBER_DELTA);
        assertEquals(0.5, Loss.DEFAULT_QUANTILE_TAU);
        assertEquals("huber(delta=1.0)", Loss.byName("huber").orElseThrow().describe());
        assertEquals("quantile(tau=0.5)", Loss.byName("quantile").orElseThrow().describe());
    }

    @Test
    void shouldIgnoreTheParametersOfOtherLosses() {
        // δ = 0 and τ = 0 are invalid, but only huber reads δ and only quantile reads τ.
        assertSame(SQUARED, Loss.byName("squared", 0.0, 0.0).orElseThrow());
        assertEquals("huber(delta=3.0)", Loss.byName("huber", 3.0, 0.0).orElseThrow().describe());
        assertEquals("quantile(tau=0.1)", Loss.byName("quantile", 0.0, 0.1).orElseThrow().describe());
    }

    @Test
    void shouldRefuseABadParameterOfTheNamedLoss() {
        IllegalArgumentException huber =
                assertThrows(IllegalArgumentException.class, () -> Loss.byName("huber", 0.0, 0.5));
        assertEquals("huber delta must be > 0, got 0.0", huber.getMessage());
        IllegalArgumentException quantile =
                assertThrows(IllegalArgumentException.class, () -> Loss.byName("quantile", 1.0, 1.0));
        assertEquals("quantile tau must be in (0, 1), got 1.0", quantile.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Squared", "cross-entropy", "", " huber", "quantile(tau=0.5)"})
    void shouldFindNoLossForAnUnknownName(String name) {
        assertFalse(Loss.byName(name).isPresent());
        assertFalse(Loss.byName(name, 1.0, 0.5).isPresent());
    }

    @Test
    void shouldFindNoLossForANullName() {
        assertFalse(Loss.byName(null).isPresent());
    }

    @Test
    void shouldDescribeALossByItsNameAndParameters() {
        assertEquals("squared", SQUARED.describe());
        assertEquals("absolute", Loss.absolute().describe());
        assertEquals("logistic", LOGISTIC.describe());
        assertEquals("hinge", Loss.hinge().describe());
        assertEquals("poisson", Loss.poisson().describe());
        assertEquals("huber(delta=0.25)", Loss.huber(0.25).describe());
        assertEquals("quantile(tau=0.75)", Loss.quantile(0.75).describe());
        assertEquals("huber(delta=0.25)", Loss.huber(0.25).toString());
        assertEquals("hinge", Loss.hinge().toString());
    }

    @Test
    void shouldCallOnlyLogisticHingeAndSoftmaxClassification() {
        for (String name : Loss.names()) {
            Loss loss = name.equals("softmax") ? Loss.softmax(3) : Loss.byName(name).orElseThrow();
            boolean expected = name.equals("logistic") || name.equals("hinge") || name.equals("softmax");
            assertEquals(expected, loss.classification(), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"squared", "absolute", "huber", "quantile", "poisson"})
    void shouldKeepARegressionLabelAsItIs(String name) {
        Loss loss = Loss.byName(name).orElseThrow();
        assertEquals(2.5, loss.classLabel(2.5));
        assertEquals(0.0, loss.classLabel(0.0));
        assertEquals(7.0, loss.classLabel(7.0));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, -1.0, -1e-300, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY})
    void shouldRefuseHuberDeltasThatAreNotFiniteAndPositive(double delta) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Loss.huber(delta));
        String expected = delta == Double.POSITIVE_INFINITY
                ? "huber delta must be finite, got Infinity"
                : "huber delta must be > 0, got " + delta;
        assertEquals(expected, refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, -0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
    void shouldRefuseQuantileTausOutsideTheOpenUnitInterval(double tau) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Loss.quantile(tau));
        assertEquals("quantile tau must be in (0, 1), got " + tau, refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-9, 0.5, 1.0, 1e6})
    void shouldAcceptAnyFinitePositiveHuberDelta(double delta) {
        assertEquals("huber", Loss.huber(delta).name());
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-9, 0.01, 0.5, 0.99, 0.999999})
    void shouldAcceptAnyQuantileTauStrictlyBetweenZeroAndOne(double tau) {
        assertEquals("quantile", Loss.quantile(tau).name());
    }

    /**
     * The derivative must be the slope of the value: (L(z + h) − L(z − h)) / 2h with h = 10⁻⁶ differs from ∂L/∂z by
     * O(h²) from truncation plus about ε·|L|/h ≈ 10⁻¹⁰·|L| from rounding, far below the 10⁻⁶ tolerance. Every point is
     * more than h from a kink: from z = y (absolute, quantile), from |z − y| = δ (huber), from t·z = 1 (hinge).
     */
    @ParameterizedTest(name = "{0} at z={1}, y={2}")
    @MethodSource("smoothPoints")
    void shouldHaveADerivativeMatchingACentralFiniteDifference(Loss loss, double z, double y) {
        double h = 1e-6;
        double slope = (loss.value(z + h, y) - loss.value(z - h, y)) / (2 * h);
        assertEquals(slope, loss.derivative(z, y), 1e-6);
    }

    static Stream<Arguments> smoothPoints() {
        Loss huber = Loss.huber(1.0);
        Loss narrowHuber = Loss.huber(0.3);
        Loss upperQuantile = Loss.quantile(0.9);
        Loss lowerQuantile = Loss.quantile(0.2);
        return Stream.of(
                Arguments.of(SQUARED, 0.3, 1.2),
                Arguments.of(SQUARED, -2.0, 0.5),
                Arguments.of(Loss.absolute(), 0.3, 1.2),
                Arguments.of(Loss.absolute(), 2.0, -1.0),
                Arguments.of(huber, 0.3, 0.0),          // quadratic part, r = 0.3
                Arguments.of(huber, -0.7, 0.2),         // quadratic part, r = −0.9
                Arguments.of(huber, 2.5, 0.0),          // linear part, r = 2.5
                Arguments.of(huber, -2.5, 0.0),         // linear part, r = −2.5
                Arguments.of(narrowHuber, 1.0, 0.0),    // linear part, r = 1 > 0.3
                Arguments.of(upperQuantile, 0.3, 1.2),  // below the label
                Arguments.of(upperQuantile, 2.0, -1.0), // above the label
                Arguments.of(lowerQuantile, -0.5, 0.5),
                Arguments.of(lowerQuantile, 0.5, -0.5),
                Arguments.of(LOGISTIC, 0.7, 1.0),
                Arguments.of(LOGISTIC, -1.3, 0.0),
                Arguments.of(LOGISTIC, 2.0, -1.0),
                Arguments.of(LOGISTIC, -6.0, 1.0),
                Arguments.of(Loss.hinge(), 0.3, 1.0),   // t·z = 0.3 < 1: slope −1
                Arguments.of(Loss.hinge(), 2.0, 1.0),   // t·z = 2 > 1: flat
                Arguments.of(Loss.hinge(), 0.4, -1.0),  // t·z = −0.4 < 1: slope +1
                Arguments.of(Loss.hinge(), -3.0, 0.0),  // t·z = 3 > 1: flat
                Arguments.of(Loss.poisson(), 0.5, 2.0),
                Arguments.of(Loss.poisson(), -1.0, 0.0),
                Arguments.of(Loss.poisson(), 1.5, 3.0),
                Arguments.of(Loss.poisson(), 3.0, 4.5));
    }
}
