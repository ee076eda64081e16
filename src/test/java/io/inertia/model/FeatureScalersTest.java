package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A model's scalers by feature name: in name order whatever the order learned, unknown features unscaled. */
class FeatureScalersTest {

    @Test
    void shouldListTheFeaturesInNameOrderWhateverTheOrderTheyWereFirstLearned() {
        FeatureScalers scalers = new FeatureScalers();
        for (String name : List.of("price", "age", "seconds", "age")) {
            scalers.getOrAdd(name).learn(1);
        }
        assertEquals(3, scalers.size());
        assertEquals(List.of("age", "price", "seconds"), List.of(scalers.name(0), scalers.name(1), scalers.name(2)));
        assertEquals(2, scalers.scaler(0).count(), "age learned twice, one scaler");
        assertSame(scalers.get("price"), scalers.scaler(1));
    }

    @Test
    void shouldScaleWithTheFeaturesOwnStatisticsAndLeaveAnUnknownFeatureAsItIs() {
        FeatureScalers scalers = new FeatureScalers();
        // price: 2 and 4, mean 3, population variance 1; age: 10 alone, no spread.
        scalers.getOrAdd("price").learn(2);
        scalers.getOrAdd("price").learn(4);
        scalers.getOrAdd("age").learn(10);
        assertEquals(2.0, scalers.transform("price", 5), 1e-15, "(5 − 3) / 1");
        assertEquals(-4.0, scalers.transform("age", 6), 1e-15, "6 − 10, centred only");
        assertEquals(7.5, scalers.transform("never learned", 7.5), 0.0);
        assertNull(scalers.get("never learned"));
    }

    @Test
    void shouldCopyIndependently() {
        FeatureScalers scalers = new FeatureScalers();
        scalers.getOrAdd("x").learn(1);
        FeatureScalers copy = scalers.copy();
        scalers.getOrAdd("x").learn(3);
        assertEquals(1, copy.get("x").count());
        assertEquals(1.0, copy.get("x").mean(), 0.0);
        assertEquals(2, scalers.get("x").count());
    }
}
