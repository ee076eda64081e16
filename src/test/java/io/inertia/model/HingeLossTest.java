package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HingeLossTest {

    private static final double EXACT = 1e-12;
    private static final Loss HINGE = Loss.hinge();

    @ParameterizedTest(name = "z={0}, y={1}")
    @CsvSource({
        // z,     y,     L,     dL/dz     t = +1 for y = 1, −1 for y = 0 or −1; L = max(0, 1 − t·z); −t if t·z < 1
        "0.0,    1.0,   1.0,   -1.0",    // t·z = 0: 1 − 0 = 1
        "0.25,   1.0,   0.75,  -1.0",    // t·z = 0.25: 1 − 0.25
        "-2.0,   1.0,   3.0,   -1.0",    // t·z = −2: 1 + 2 = 3
        "2.0,    1.0,   0.0,   0.0",     // t·z = 2 ≥ 1: beyond the margin
        "1.0,    1.0,   0.0,   0.0",     // t·z = 1: the kink, subgradient 0
        "0.5,    0.0,   1.5,   1.0",     // t = −1: t·z = −0.5, 1 + 0.5 = 1.5, slope −t = 1
        "0.5,    -1.0,  1.5,   1.0",     // the same with label −1
        "-3.0,   0.0,   0.0,   0.0",     // t·z = 3
        "-1.0,   -1.0,  0.0,   0.0",     // t·z = 1: the kink
        "-0.75,  -1.0,  0.25,  1.0",     // t·z = 0.75: 1 − 0.75
    })
    void shouldComputeHingeLossAndDerivative(double z, double y, double loss, double derivative) {
        assertEquals(loss, HINGE.value(z, y), EXACT);
        assertEquals(derivative, HINGE.derivative(z, y), EXACT);
    }

    @Test
    void shouldPredictTheScoreItself() {
        assertEquals(-2.5, HINGE.prediction(-2.5));
        assertEquals(0.0, HINGE.prediction(0.0));
        assertEquals(3.0, HINGE.prediction(3.0));
    }

    @Test
    void shouldTreatLabelsZeroAndMinusOneAlike() {
        for (double z = -3; z <= 3; z += 0.5) {
            assertEquals(HINGE.value(z, 0.0), HINGE.value(z, -1.0), "L at z = " + z);
            assertEquals(HINGE.derivative(z, 0.0), HINGE.derivative(z, -1.0), "dL/dz at z = " + z);
        }
    }

    @Test
    void shouldMapLabelsToClassesZeroAndOne() {
        assertEquals(1.0, HINGE.classLabel(1.0));
        assertEquals(0.0, HINGE.classLabel(0.0));
        assertEquals(0.0, HINGE.classLabel(-1.0));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, -1.0})
    void shouldAcceptZeroOneAndPlusMinusOne(double label) {
        assertEquals(Optional.empty(), HINGE.checkLabel(label));
    }

    @ParameterizedTest
    @ValueSource(doubles = {2.0, 0.5, -0.5, -2.0, 0.9999999, Double.NaN, Double.POSITIVE_INFINITY})
    void shouldRefuseOtherLabelsNamingTheAcceptedOnes(double label) {
        String expected = "label " + label + " is outside the hinge loss's domain {0, 1} or {-1, +1}";
        assertEquals(Optional.of(expected), HINGE.checkLabel(label));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> HINGE.value(1.0, label));
        assertEquals(expected, refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HINGE.derivative(1.0, label));
        assertThrows(IllegalArgumentException.class, () -> HINGE.classLabel(label));
    }
}
