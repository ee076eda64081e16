package io.inertia.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inertia.config.InertiaConfig.OnDivergence;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnDivergenceConfigTest {

    @Test
    void shouldDeadLetterByDefault() {
        assertEquals(OnDivergence.DEAD_LETTER, InertiaConfig.defaults().onDivergence());
        assertEquals("dead-letter", InertiaConfig.defaults().asMap().get("inertia.on-divergence"));
        assertEquals("dead-letter", InertiaConfig.Key.ON_DIVERGENCE.defaultValue());
    }

    @Test
    void shouldParseHaltAndDeadLetterAndTrimSurroundingSpace() {
        assertEquals(OnDivergence.HALT, InertiaConfig.of(Map.of("inertia.on-divergence", " halt ")).onDivergence());
        assertEquals(OnDivergence.DEAD_LETTER,
                InertiaConfig.of(Map.of("inertia.on-divergence", "dead-letter")).onDivergence());
    }

    @Test
    void shouldRefuseAnUnknownValueNamingTheAcceptedOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> InertiaConfig.of(Map.of("inertia.on-divergence", "explode")));
        assertEquals(List.of("inertia.on-divergence: unknown value 'explode', expected one of dead-letter, halt"),
                e.problems());
    }

    @Test
    void shouldRoundTripThroughAsMap() {
        InertiaConfig halt = InertiaConfig.of(Map.of("inertia.on-divergence", "halt"));
        assertEquals("halt", halt.asMap().get("inertia.on-divergence"));
        assertEquals(OnDivergence.HALT, InertiaConfig.of(halt.asMap()).onDivergence());
        assertEquals(OnDivergence.DEAD_LETTER,
                halt.with(Map.of("inertia.on-divergence", "dead-letter")).onDivergence());
    }
}
