package io.inertia.property;

import io.inertia.model.LinearModel;
import java.util.Collection;
import java.util.TreeSet;

/** Parameter-by-parameter comparison of two models, relative to max(1, |value|). */
final class ModelAgreement {

    private ModelAgreement() {
    }

    /**
     * Fails unless {@code actual} and {@code expected} have the same version and agree within {@code tolerance} on the
     * bias, on every named weight of {@code names} (a weight a model lacks counts as 0) and, when {@code withState},
     * on the optimizer state of each; also fails when {@code actual} has a named weight outside {@code names}.
     */
    static void assertAgree(LinearModel expected, LinearModel actual, Collection<String> names, boolean withState,
            double tolerance) {
        if (expected.version() != actual.version()) {
            throw new AssertionError("version " + actual.version() + ", expected " + expected.version());
        }
        TreeSet<String> extra = new TreeSet<>(actual.namedSlots().keySet());
        extra.removeAll(names);
        if (!extra.isEmpty()) {
            throw new AssertionError("unexpected named weights " + extra);
        }
        assertSlots("bias", expected.biasSlots(), actual.biasSlots(), expected.slotWidth(), withState, tolerance);
        for (String name : names) {
            assertSlots(name, slots(expected, name), slots(actual, name), expected.slotWidth(), withState, tolerance);
        }
    }

    /** Fails unless |actual − expected| ≤ tolerance·max(1, |expected|). */
    static void assertClose(String what, double expected, double actual, double tolerance) {
        if (!(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)))) {
            throw new AssertionError(what + ": " + actual + ", expected " + expected + " (difference "
                    + (actual - expected) + ", tolerance " + tolerance + " relative to max(1, |expected|))");
        }
    }

    private static double[] slots(LinearModel model, String name) {
        double[] slots = model.namedSlots().get(name);
        return slots == null ? new double[model.blockWidth()] : slots;
    }

    /** Every output's parameter (k·width) and, when {@code withState}, its state values. */
    private static void assertSlots(String parameter, double[] expected, double[] actual, int width,
            boolean withState, double tolerance) {
        for (int k = 0; k < expected.length; k++) {
            int value = k % width;
            if (value == 0 || withState) {
                String output = expected.length == width ? "" : " of output " + k / width;
                assertClose(parameter + output + (value == 0 ? "" : " state " + value), expected[k], actual[k],
                        tolerance);
            }
        }
    }
}
