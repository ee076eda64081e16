package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inertia.config.InertiaConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FTRL-Proximal (McMahan et al. 2013, Algorithm 1) on one coordinate and through the learner, each step worked by
 * hand from w = 0 if |z| ≤ λ₁ else −(z − sgn(z)λ₁)/((β + √n)/α + λ₂); σ = (√(n + g²) − √n)/α; z ← z + g − σw;
 * n ← n + g².
 */
class FtrlOptimizerTest {

    private static final double EXACT = 1e-15;

    @Test
    void shouldStepZAndNAndKeepTheWeightOfTheirFormula() {
        // α = 0.5, β = 1, λ₁ = 0.1, λ₂ = 0.2; slots [w, z, n].
        Optimizer ftrl = Optimizer.ftrl(0.5, 1.0, 0.1, 0.2);
        assertEquals(List.of("z", "n"), ftrl.stateNames());
        double[] slots = new double[3];
        // g = 2: n = 4, σ = (2 − 0)/0.5 = 4, z = 2 − 4·0 = 2, w = −(2 − 0.1)/((1 + 2)/0.5 + 0.2) = −1.9/6.2.
        ftrl.step(slots, 0, 2.0, 999.0, 1);
        assertEquals(2.0, slots[1], EXACT);
        assertEquals(4.0, slots[2], EXACT);
        double w1 = -1.9 / 6.2;
        assertEquals(w1, slots[0], EXACT);
        // g = −1: n = 5, σ = (√5 − 2)/0.5, z = 2 − 1 − σ·w1, w = −(z − 0.1)/((1 + √5)/0.5 + 0.2).
        ftrl.step(slots, 0, -1.0, 999.0, 2);
        double z2 = 1 - (Math.sqrt(5) - 2) / 0.5 * w1;
        assertEquals(z2, slots[1], EXACT);
        assertEquals(5.0, slots[2], EXACT);
        assertEquals(-(z2 - 0.1) / ((1 + Math.sqrt(5)) / 0.5 + 0.2), slots[0], EXACT);
    }

    @Test
    void shouldKeepTheWeightExactlyZeroWhileZStaysWithinL1() {
        // λ₁ = 3: after g = 2, z = 2 ≤ 3, so w is exactly 0; after a further g = 2, σ = (√8 − 2)/0.5 and
        // z = 4 − σ·0 = 4 > 3, so w = −(4 − 3)/((1 + √8)/0.5) is not.
        Optimizer ftrl = Optimizer.ftrl(0.5, 1.0, 3.0, 0.0);
        double[] slots = new double[3];
        ftrl.step(slots, 0, 2.0, 0.01, 1);
        assertEquals(0.0, slots[0], 0.0);
        assertEquals(2.0, slots[1], 0.0);
        ftrl.step(slots, 0, 2.0, 0.01, 2);
        assertEquals(4.0, slots[1], EXACT);
        assertEquals(-1.0 / ((1 + Math.sqrt(8)) / 0.5), slots[0], EXACT);
    }

    @Test
    void shouldSpareTheBiasItsPenaltiesAndSkipNothing() {
        Optimizer ftrl = Optimizer.ftrl(0.5, 1.0, 3.0, 10.0);
        Optimizer bias = ftrl.forBias();
        assertSame(bias, bias.forBias());
        double[] slots = new double[3];
        // Without λ₁ and λ₂: g = 2 gives z = 2, n = 4, w = −2/((1 + 2)/0.5) = −1/3.
        bias.step(slots, 0, 2.0, 0.01, 1);
        assertEquals(-1.0 / 3, slots[0], EXACT);
        double[] before = slots.clone();
        bias.skip(slots, 0, 1, 1_000_000, LearningRateSchedule.constant(0.01), 0.0);
        assertEquals(List.of(before[0], before[1], before[2]), List.of(slots[0], slots[1], slots[2]),
                "a coordinate without gradient keeps z, n and w");
        assertEquals(true, ftrl.appliesPenalties());
        assertEquals(false, Optimizer.momentum(0.9).appliesPenalties());
    }

    @Test
    void shouldRefuseParametersOutsideTheirDomain() {
        assertThrows(IllegalArgumentException.class, () -> Optimizer.ftrl(0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.ftrl(0.1, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.ftrl(0.1, 1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.ftrl(0.1, 1, 0, Double.NaN));
    }

    @Test
    void shouldTakeL2IntoTheWeightsFormulaOnlyNotIntoTheGradient() {
        // Logistic loss, one dense feature x = 2, label 1, α = 0.5, β = 1, λ₁ = 0, λ₂ = 1, the same event twice.
        OnlineLearner learner = InertiaConfig.of(Map.of("inertia.loss", "logistic", "inertia.optimizer", "ftrl",
                "inertia.ftrl.alpha", "0.5", "inertia.ftrl.beta", "1", "inertia.l2", "1")).learner();
        LinearModel model = learner.newModel();
        Example event = Example.of(new double[] {2.0}, (Map<String, Double>) null, 1.0, 1.0);
        // Event 1: p = σ(0) = 0.5; g_w = (0.5 − 1)·2 = −1: n = 1, σ = 1/0.5 = 2, z = −1, w = 1/((1 + 1)/0.5 + 1) = 0.2;
        // g_b = −0.5: n = 0.25, σ = 0.5/0.5 = 1, z = −0.5, b = 0.5/((1 + 0.5)/0.5) = 1/6.
        learner.learn(model, event);
        assertEquals(0.2, model.denseSlots()[0], EXACT);
        assertEquals(1.0 / 6, model.bias(), EXACT);
        // Event 2: s = 0.2·2 + 1/6, p = σ(s); g_w = (p − 1)·2 (no λ₂·w added): n = 1 + g_w², σ = (√n − 1)/0.5,
        // z = −1 + g_w − σ·0.2, w = −z/((1 + √n)/0.5 + 1).
        learner.learn(model, event);
        double p = 1 / (1 + Math.exp(-(0.4 + 1.0 / 6)));
        double g = (p - 1) * 2;
        double n = 1 + g * g;
        double z = -1 + g - (Math.sqrt(n) - 1) / 0.5 * 0.2;
        assertEquals(-z / ((1 + Math.sqrt(n)) / 0.5 + 1), model.denseSlots()[0], EXACT);
        assertEquals(z, model.denseSlots()[1], EXACT);
        assertEquals(n, model.denseSlots()[2], EXACT);
    }
}
