package io.inertia.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void shouldInjectEachKindFourTimesInTwentyCyclesWhateverTheSeed() {
        for (long seed = 0; seed < 500; seed++) {
            Map<FaultSchedule.Kind, Integer> count = new EnumMap<>(FaultSchedule.Kind.class);
            FaultSchedule.plan(seed, 20, 3).forEach(cycle -> count.merge(cycle.kind(), 1, Integer::sum));
            for (FaultSchedule.Kind kind : FaultSchedule.Kind.values()) {
                assertEquals(4, count.getOrDefault(kind, 0), "seed " + seed + ": cycles of " + kind);
            }
        }
    }

    @Test
    void shouldKillStopRestartWithAndWithoutStateAndBounceTheBrokerWithinThreeCycles() {
        for (long seed = 0; seed < 500; seed++) {
            List<FaultSchedule.Cycle> plan = FaultSchedule.plan(seed, 3, 3);
            String where = "seed " + seed + ": " + plan;
            assertTrue(plan.stream().anyMatch(c -> c.kind() != FaultSchedule.Kind.BROKER_RESTART && c.kind().kill()),
                    "a SIGKILL; " + where);
            assertTrue(plan.stream().anyMatch(c -> c.kind() != FaultSchedule.Kind.BROKER_RESTART
                    && !c.kind().kill()), "a SIGTERM; " + where);
            assertTrue(plan.stream().anyMatch(c -> c.kind() != FaultSchedule.Kind.BROKER_RESTART
                    && c.kind().keepState()), "a restart with state; " + where);
            assertTrue(plan.stream().anyMatch(c -> !c.kind().keepState()), "a restart without state; " + where);
            assertTrue(plan.stream().anyMatch(c -> c.kind() == FaultSchedule.Kind.BROKER_RESTART),
                    "a broker restart; " + where);
        }
    }

    @Test
    void shouldStrikeASecondInstanceOnlyAfterTheFirstIsBackAndNeverDuringABrokerRestart() {
        int seconds = 0;
        for (long seed = 0; seed < 200; seed++) {
            for (FaultSchedule.Cycle cycle : FaultSchedule.plan(seed, 20, 3)) {
                assertTrue(cycle.instance() >= 0 && cycle.instance() < 3, cycle.toString());
                if (cycle.second().isPresent()) {
                    seconds++;
                    assertNotEquals(FaultSchedule.Kind.BROKER_RESTART, cycle.kind(), cycle.toString());
                    assertNotEquals(cycle.instance(), cycle.second().get().instance(), cycle.toString());
                    assertTrue(cycle.second().get().instance() >= 0 && cycle.second().get().instance() < 3);
                }
            }
        }
        // 16 instance cycles in 20, a second fault in about 35 % of them: about 1,100 in 200 plans.
        assertTrue(seconds > 800 && seconds < 1400, seconds + " second faults");
    }

    @Test
    void shouldPlanTheSameFaultsForTheSameSeedAndOthersForAnother() {
        assertEquals(FaultSchedule.plan(42, 20, 3), FaultSchedule.plan(42, 20, 3));
        assertNotEquals(FaultSchedule.plan(42, 20, 3), FaultSchedule.plan(43, 20, 3));
    }

    @Test
    void shouldBringAnInstanceBackBothBeforeAndAfterItsSessionExpires() {
        List<FaultSchedule.Cycle> plans = new java.util.ArrayList<>();
        for (long seed = 0; seed < 50; seed++) {
            plans.addAll(FaultSchedule.plan(seed, 20, 3));
        }
        // Inertia's session timeout is 10 s: a static member back sooner keeps its partitions.
        assertTrue(plans.stream().anyMatch(c -> c.kind() != FaultSchedule.Kind.BROKER_RESTART && c.downMs() < 10_000));
        assertTrue(plans.stream().anyMatch(c -> c.kind() != FaultSchedule.Kind.BROKER_RESTART && c.downMs() > 10_000));
    }
}
