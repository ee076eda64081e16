package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HuberLossTest {

    private static final double EXACT = 1e-12;

    @ParameterizedTest(name = "delta={0}, z={1}, y={2}")
    @CsvSource({
        // δ,    z,     y,     L,       dL/dz      r = z − y; L = ½r² if |r| ≤ δ else δ(|r| − ½δ); dL/dz = clamp(r, −δ, δ)
        "1.0,   0.0,   0.0,   0.0,     0.0",      // r = 0
        "1.0,   0.5,   0.0,   0.125,   0.5",      // r = 0.5 ≤ 1: ½·0.25 = 0.125
        "1.0,   -0.5,  0.0,   0.125,   -0.5",     // r = −0.5: ½·0.25 = 0.125
        "1.0,   0.9,   0.0,   0.405,   0.9",      // r = 0.9, just inside: ½·0.81 = 0.405
        "1.0,   1.0,   0.0,   0.5,     1.0",      // r = δ: ½·1 = 0.5, and the outer formula agrees: 1·(1 − 0.5) = 0.5
        "1.0,   1.1,   0.0,   0.6,     1.0",      // r = 1.1, just outside: 1·(1.1 − 0.5) = 0.6; slope capped at δ
        "1.0,   -1.1,  0.0,   0.6,     -1.0",     // r = −1.1: 1·(1.1 − 0.5) = 0.6; slope −δ
        "1.0,   3.0,   0.0,   2.5,     1.0",      // r = 3: 1·(3 − 0.5) = 2.5
        "1.0,   -3.0,  0.0,   2.5,     -1.0",     // r = −3: 2.5
        "2.0,   5.0,   1.0,   6.0,     2.0",      // r = 4 > 2: 2·(4 − 1) = 6
        "2.0,   1.0,   2.5,   1.125,   -1.5",     // r = −1.5, |r| ≤ 2: ½·2.25 = 1.125
        "2.0,   -1.0,  1.5,   3.0,     -2.0",     // r = −2.5, |r| > 2: 2·(2.5 − 1) = 3
        "0.5,   1.0,   0.0,   0.375,   0.5",      // r = 1 > 0.5: 0.5·(1 − 0.25) = 0.375
        "0.5,   0.25,  0.0,   0.03125, 0.25",     // r = 0.25 ≤ 0.5: ½·0.0625 = 0.03125
    })
    void shouldComputeHuberLossAndDerivative(double delta, double z, double y, double loss, double derivative) {
        Loss huber = Loss.huber(delta);
        assertEquals(loss, huber.value(z, y), EXACT);
        assertEquals(derivative, huber.derivative(z, y), EXACT);
        assertEquals(z, huber.prediction(z));
    }

    @Test
    void shouldJoinBothPiecesContinuouslyAtTheThreshold() {
        // δ = 2, y = 0: at r = 2 ± 10⁻⁹ both pieces give L ≈ ½·2² = 2·(2 − 1) = 2 and dL/dz ≈ 2.
        Loss huber = Loss.huber(2.0);
        assertEquals(2.0, huber.value(2.0 - 1e-9, 0.0), 1e-8);
        assertEquals(2.0, huber.value(2.0 + 1e-9, 0.0), 1e-8);
        assertEquals(2.0, huber.derivative(2.0 - 1e-9, 0.0), 1e-8);
        assertEquals(2.0, huber.derivative(2.0 + 1e-9, 0.0), EXACT);
    }

    @Test
    void shouldAcceptAnyFiniteLabel() {
        Loss huber = Loss.huber(1.0);
        assertEquals(Optional.empty(), huber.checkLabel(-7.5));
        assertEquals(Optional.of("label Infinity is not a finite number"), huber.checkLabel(Double.POSITIVE_INFINITY));
        assertTrue(huber.checkLabel(Double.NaN).isPresent());
    }
}
