package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StringCacheTest {

    @Test
    void shouldReturnWhatAFreshDecodeReturnsWhateverItHoldsAndReuseARepeatedName() {
        EventDecoder.StringCache cache = new EventDecoder.StringCache();
        Random random = new Random(5);
        // 10,000 names over 4,096 slots: many share a slot and evict each other.
        for (int i = 0; i < 50_000; i++) {
            byte[] name = ("f" + random.nextInt(10_000) + (i % 7 == 0 ? "é" : "")).getBytes(StandardCharsets.UTF_8);
            byte[] padded = new byte[name.length + 6];
            System.arraycopy(name, 0, padded, 3, name.length);
            assertEquals(new String(name, StandardCharsets.UTF_8), cache.get(padded, 3, name.length));
        }
        byte[] invalid = {'x', (byte) 0xC3, '(', 'y'};
        assertEquals(new String(invalid, StandardCharsets.UTF_8), cache.get(invalid, 0, invalid.length));
        byte[] x0 = "x0".getBytes(StandardCharsets.UTF_8);
        assertSame(cache.get(x0, 0, 2), cache.get(x0.clone(), 0, 2), "a repeated name is the same String");
        byte[] empty = new byte[0];
        assertEquals("", cache.get(empty, 0, 0));
    }
}
