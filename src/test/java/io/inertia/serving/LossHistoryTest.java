package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LossHistoryTest {

    @Test
    void shouldKeepEveryVersionUntilFullThenEverySecondOneAtTwiceTheStride() {
        LossHistory history = new LossHistory(10);
        for (long version = 1; version <= 512; version++) {
            history.learned("m", version, 0, version / 1000.0);
        }
        double[][] full = history.points("m");
        assertArrayEquals(LongStream.rangeClosed(1, 512).asDoubleStream().toArray(), full[0]);
        assertEquals(0.512, full[1][511]);

        // Version 513 does not fit: the even versions 2 … 512 stay (stride 2), and 513 is not one of them.
        history.learned("m", 513, 0, 0.513);
        assertArrayEquals(LongStream.rangeClosed(1, 256).map(k -> 2 * k).asDoubleStream().toArray(),
                history.points("m")[0]);
        history.learned("m", 514, 0, 0.514);
        double[][] after = history.points("m");
        assertEquals(257, after[0].length);
        assertEquals(514.0, after[0][256]);
        assertEquals(0.514, after[1][256]);
    }

    @Test
    void shouldKeepNoMoreModelsThanItsCap() {
        LossHistory history = new LossHistory(2);
        history.learned("a", 1, 0, 1);
        history.learned("b", 1, 0, 1);
        history.learned("c", 1, 0, 1);
        assertEquals(1, history.points("a")[0].length);
        assertEquals(1, history.points("b")[0].length);
        assertNull(history.points("c"));
    }
}
