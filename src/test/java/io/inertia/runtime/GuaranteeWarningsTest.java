package io.inertia.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.config.InertiaConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuaranteeWarningsTest {

    @Test
    void shouldWarnInOneLineWhatAtLeastOnceGivesUpAndNothingForTheDefaults() {
        assertEquals(List.of(), LearnerApplication.guaranteeWarnings(InertiaConfig.defaults()));
        assertEquals(List.of(), LearnerApplication.guaranteeWarnings(InertiaConfig.of(Map.of(
                "processing.guarantee", "exactly_once_v2"))));
        assertEquals(List.of("processing.guarantee=at_least_once gives up exactly-once: after a crash the events "
                        + "since the last commit are learned again (a model counts them twice) and their snapshots, "
                        + "predictions and dead letters may be published twice"),
                LearnerApplication.guaranteeWarnings(InertiaConfig.of(Map.of("processing.guarantee",
                        "at_least_once"))));
    }
}
