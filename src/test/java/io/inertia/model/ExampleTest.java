package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sparse features given as arrays, the way the hot path reads them from an event's bytes. */
class ExampleTest {

    @Test
    void shouldKeepTheLastValueOfANameGivenTwiceAsAMapWould() {
        Example example = Example.of(null, new String[] {"b", "a", "b", "#3"}, new double[] {1, 2, 5, 7}, 1.0, 1.0);
        assertEquals(Map.of("a", 2.0, "b", 5.0, "#3", 7.0), example.named());
        assertEquals(2, example.nameCount());
        assertEquals(1, example.bucketCount());
        assertEquals(3, example.bucket(0));
    }

    @Test
    void shouldHashANameGivenTwiceOnceWithItsLastValue() {
        FeatureHasher hasher = FeatureHasher.of(4);
        // "apple" → bucket 0 with sign +1, "banana" → bucket 15 with sign −1 (FeatureHasherTest's reference values).
        FeatureHasher.Buckets twice = hasher.buckets(new String[] {"apple", "banana", "apple"},
                new double[] {1.0, 1.0, 4.0});
        assertArrayEquals(new int[] {0, 15}, twice.indices());
        assertArrayEquals(new double[] {4.0, -1.0}, twice.values());
        assertEquals(Map.of("#0", 4.0, "#15", -1.0), Example.hashed(null, new String[] {"apple", "banana", "apple"},
                new double[] {1.0, 1.0, 4.0}, hasher, 0.0, 1.0).named());
    }
}
