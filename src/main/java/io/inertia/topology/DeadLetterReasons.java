package io.inertia.topology;

import java.util.List;

/**
 * The few categories of dead-letter reasons, for metrics: a reason's text names values (a key, a feature, a number),
 * so it cannot be a metric label; its category can. The order of the checks matters: the first that matches wins.
 */
public final class DeadLetterReasons {

    /** Every category, {@value #OTHER} last. */
    public static final List<String> CATEGORIES = List.of("undecodable", "missing-key", "wrong-partition",
            "null-value", "key-mismatch",
            "invalid-key", "divergence", "halted", "dense-length", "invalid-label", "invalid-feature",
            "invalid-weight", "incompatible-model", DeadLetterReasons.OTHER);

    /** The category of reasons none of the others describes. */
    public static final String OTHER = "other";

    private DeadLetterReasons() {
    }

    /** The category of the dead-letter reason {@code reason}. */
    public static String category(String reason) {
        if (reason.startsWith("cannot deserialize")) {
            return "undecodable";
        }
        if (reason.startsWith("record key is null")) {
            return "missing-key";
        }
        if (reason.startsWith("record arrived on partition")) {
            return "wrong-partition";
        }
        if (reason.startsWith("record value is null")) {
            return "null-value";
        }
        if (reason.startsWith("record key '")) {
            return "key-mismatch";
        }
        if (reason.startsWith("event modelKey") || reason.startsWith("model key") || reason.startsWith("eventId")) {
            return "invalid-key";
        }
        if (reason.contains("(divergence)")) {
            return "divergence";
        }
        if (reason.contains("is halted after a divergence")) {
            return "halted";
        }
        if (reason.startsWith("dense vector has")) {
            return "dense-length";
        }
        if (reason.startsWith("label")) {
            return "invalid-label";
        }
        if (reason.startsWith("feature") || reason.startsWith("dense feature") || reason.startsWith("a named feature")
                || reason.startsWith("event has neither")) {
            return "invalid-feature";
        }
        if (reason.startsWith("weight")) {
            return "invalid-weight";
        }
        if (reason.startsWith("stored model keeps") || reason.startsWith("stored model has")) {
            return "incompatible-model";
        }
        return OTHER;
    }
}
