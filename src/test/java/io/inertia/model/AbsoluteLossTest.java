package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AbsoluteLossTest {

    private static final double EXACT = 1e-12;
    private static final Loss ABSOLUTE = Loss.absolute();

    @ParameterizedTest(name = "z={0}, y={1}")
    @CsvSource({
        // z,     y,     L = |z − y|,  dL/dz = sign(z − y)
        "3.0,    1.0,   2.0,          1.0",     // |2| = 2
        "-0.5,   1.5,   2.0,          -1.0",    // |−2| = 2
        "0.0,    -3.0,  3.0,          1.0",     // |3| = 3
        "1.0,    1.5,   0.5,          -1.0",    // |−0.5| = 0.5
        "100.0,  0.0,   100.0,        1.0",     // an outlier pulls no harder than any other miss
        "4.25,   4.25,  0.0,          0.0",     // the kink: subgradient 0
        "-2.0,   -2.0,  0.0,          0.0",
    })
    void shouldComputeAbsoluteLossAndDerivative(double z, double y, double loss, double derivative) {
        assertEquals(loss, ABSOLUTE.value(z, y), EXACT);
        assertEquals(derivative, ABSOLUTE.derivative(z, y));
        assertEquals(z, ABSOLUTE.prediction(z));
    }

    @Test
    void shouldStepByOneOnEitherSideOfTheLabel() {
        // y = 0: z = ±10⁻⁹ are a hair on each side of the kink, |z| = 10⁻⁹, dL/dz = ±1
        assertEquals(1e-9, ABSOLUTE.value(1e-9, 0.0), EXACT);
        assertEquals(1.0, ABSOLUTE.derivative(1e-9, 0.0));
        assertEquals(1e-9, ABSOLUTE.value(-1e-9, 0.0), EXACT);
        assertEquals(-1.0, ABSOLUTE.derivative(-1e-9, 0.0));
    }

    @Test
    void shouldAcceptAnyFiniteLabel() {
        assertEquals(Optional.empty(), ABSOLUTE.checkLabel(-1e9));
        assertEquals(Optional.empty(), ABSOLUTE.checkLabel(0.5));
        assertEquals(Optional.of("label NaN is not a finite number"), ABSOLUTE.checkLabel(Double.NaN));
        assertTrue(ABSOLUTE.checkLabel(Double.NEGATIVE_INFINITY).isPresent());
    }
}
