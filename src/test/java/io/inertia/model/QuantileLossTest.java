package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantileLossTest {

    private static final double EXACT = 1e-12;

    @ParameterizedTest(name = "tau={0}, z={1}, y={2}")
    @CsvSource({
        // τ,     z,       y,     L,        dL/dz      r = y − z; L = τ·r if r ≥ 0 else (τ − 1)·r
        "0.9,    1.0,     3.0,   1.8,      -0.9",     // r = 2, z < y: 0.9·2 = 1.8, slope −τ
        "0.9,    3.0,     1.0,   0.2,      0.1",      // r = −2, z > y: (0.9 − 1)·(−2) = 0.2, slope 1 − τ = 0.1
        "0.9,    2.0,     2.0,   0.0,      0.0",      // the kink: subgradient 0
        "0.9,    -0.001,  0.0,   0.0009,   -0.9",     // just below the kink: r = 0.001, 0.9·0.001 = 0.0009
        "0.9,    0.001,   0.0,   0.0001,   0.1",      // just above: r = −0.001, (−0.1)·(−0.001) = 0.0001
        "0.5,    0.0,     4.0,   2.0,      -0.5",     // τ = ½: half the absolute loss, ½·4 = 2
        "0.5,    4.0,     0.0,   2.0,      0.5",      // (½ − 1)·(−4) = 2
        "0.25,   -1.0,    1.0,   0.5,      -0.25",    // r = 2: 0.25·2 = 0.5
        "0.25,   1.0,     -1.0,  1.5,      0.75",     // r = −2: (0.25 − 1)·(−2) = 1.5
        "0.1,    10.0,    0.0,   9.0,      0.9",      // r = −10: (0.1 − 1)·(−10) = 9
    })
    void shouldComputePinballLossAndDerivative(double tau, double z, double y, double loss, double derivative) {
        Loss quantile = Loss.quantile(tau);
        assertEquals(loss, quantile.value(z, y), EXACT);
        assertEquals(derivative, quantile.derivative(z, y), EXACT);
        assertEquals(z, quantile.prediction(z));
    }

    @Test
    void shouldNeverBeNegative() {
        Loss quantile = Loss.quantile(0.3);
        for (double z = -5; z <= 5; z += 0.25) {
            assertTrue(quantile.value(z, 1.0) >= 0, "L(" + z + ", 1) = " + quantile.value(z, 1.0));
        }
    }

    @Test
    void shouldAcceptAnyFiniteLabel() {
        Loss quantile = Loss.quantile(0.9);
        assertEquals(Optional.empty(), quantile.checkLabel(-3.0));
        assertEquals(Optional.of("label NaN is not a finite number"), quantile.checkLabel(Double.NaN));
    }
}
