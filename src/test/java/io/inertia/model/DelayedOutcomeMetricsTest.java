package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inertia.model.DelayedOutcomeMetrics.Decision;
import org.junit.jupiter.api.Test;

class DelayedOutcomeMetricsTest {

    @Test
    void shouldCountEveryDecision() {
        DelayedOutcomeMetrics metrics = new DelayedOutcomeMetrics();
        metrics.record(Decision.SCORED);
        metrics.record(Decision.SCORED);
        metrics.record(Decision.EXPIRED);
        metrics.record(Decision.DUPLICATE_OUTCOME);
        metrics.record(Decision.LATE_OUTCOME);
        metrics.record(Decision.LATE_OUTCOME);
        metrics.record(Decision.UNMATCHED_OUTCOME);
        metrics.record(Decision.DUPLICATE_EVENT);
        metrics.joined(10, 0.5, 0.25);
        metrics.defaulted(0.1, 0.2);

        long[] expected = {2, 1, 1, 1, 1, 2, 1, 1};
        for (Decision decision : Decision.values()) {
            assertEquals(expected[decision.ordinal()], metrics.count(decision), decision.name());
        }
        assertThrows(IllegalArgumentException.class, () -> metrics.record(Decision.JOINED),
                "a learned event comes with its losses");
    }

    @Test
    void shouldAverageServedAndLearnedLossesOfJoinedAndDefaultedEventsApart() {
        DelayedOutcomeMetrics metrics = new DelayedOutcomeMetrics();
        metrics.joined(100, 0.5, 0.25);
        metrics.joined(200, 1.5, 0.75);
        metrics.defaulted(0.125, 0.0625);

        assertEquals(1.0, metrics.meanServedLoss(Decision.JOINED));
        assertEquals(0.5, metrics.meanLearnedLoss(Decision.JOINED));
        assertEquals(0.125, metrics.meanServedLoss(Decision.DEFAULTED));
        assertEquals(0.0625, metrics.meanLearnedLoss(Decision.DEFAULTED));
        assertEquals(Double.NaN, new DelayedOutcomeMetrics().meanServedLoss(Decision.JOINED), "none yet");
    }

    @Test
    void shouldReadDelayQuantilesByNearestRankAsTheLargestDelayOfTheirBucket() {
        // Delays 0, 5, 100, 1000, 1000, 3000, 60000 ms. By hand:
        //   p50: rank ⌈3.5⌉ = 4 → 1000 ms; 512 ≤ 1000 < 1024, k = 6, s = ⌊1000/64⌋ − 8 = 7: bucket [960, 1024) → 1023
        //   p99: rank ⌈6.93⌉ = 7 → 60000; 32768 ≤ 60000 < 65536, k = 12, s = ⌊60000/4096⌋ − 8 = 6:
        //        bucket [57344, 61440) → 61439
        //   p30: rank ⌈2.1⌉ = 3 → 100; k = 3, s = ⌊100/8⌋ − 8 = 4: [96, 104) → 103
        //   p1: rank 1 → 0 (bucket 0 holds the delays ≤ 0); p20: rank 2 → 5 (1..7 ms exactly)
        DelayedOutcomeMetrics metrics = new DelayedOutcomeMetrics();
        for (long delay : new long[] {1000, 0, 60000, 5, 1000, 100, 3000}) {
            metrics.joined(delay, 0, 0);
        }
        assertEquals(1023, metrics.delayQuantile(0.5));
        assertEquals(61439, metrics.delayQuantile(0.99));
        assertEquals(103, metrics.delayQuantile(0.3));
        assertEquals(0, metrics.delayQuantile(0.01));
        assertEquals(5, metrics.delayQuantile(0.2));
        assertEquals(61439, metrics.delayQuantile(1.0));
        assertEquals(-1, new DelayedOutcomeMetrics().delayQuantile(0.5), "no delay yet");
    }

    @Test
    void shouldFileEveryDelayInABucketAtMostAnEighthWideThatHoldsIt() {
        assertEquals(0, DelayedOutcomeMetrics.bucketOf(-5), "an outcome stamped before its event");
        assertEquals(0, DelayedOutcomeMetrics.bucketOf(0));
        assertEquals(7, DelayedOutcomeMetrics.bucketOf(7));
        assertEquals(8, DelayedOutcomeMetrics.bucketOf(8));
        assertEquals(15, DelayedOutcomeMetrics.bucketOf(15));
        assertEquals(16, DelayedOutcomeMetrics.bucketOf(16), "16 and 17 share [16, 18)");
        assertEquals(16, DelayedOutcomeMetrics.bucketOf(17));
        assertEquals(DelayedOutcomeMetrics.BUCKETS - 1, DelayedOutcomeMetrics.bucketOf(Long.MAX_VALUE));
        assertEquals(Long.MAX_VALUE, DelayedOutcomeMetrics.largestDelayOf(DelayedOutcomeMetrics.BUCKETS - 1));
        java.util.TreeSet<Long> delays = new java.util.TreeSet<>();
        for (long delay = 1; delay > 0 && delay < Long.MAX_VALUE / 3; delay = delay * 3 / 2 + 1) {
            delays.addAll(java.util.List.of(delay - 1, delay, delay + 1));
        }
        int previous = -1;
        for (long d : delays) {
            int bucket = DelayedOutcomeMetrics.bucketOf(d);
            long largest = DelayedOutcomeMetrics.largestDelayOf(bucket);
            assertEquals(true, largest >= d && largest - d <= d / 8, d + " in bucket " + bucket);
            assertEquals(true, bucket >= previous, "buckets ascend with the delay");
            previous = bucket;
        }
    }

    @Test
    void shouldRestoreExactlyWhatItStored() {
        DelayedOutcomeMetrics metrics = new DelayedOutcomeMetrics();
        for (int i = 0; i < 50; i++) {
            metrics.joined(i * 977L, i / 10.0, i / 20.0);
            metrics.record(Decision.SCORED);
        }
        metrics.defaulted(0.3, 0.4);
        DelayedOutcomeMetrics restored = DelayedOutcomeMetrics.restore(metrics.state());
        restored.joined(5000, 1, 1);
        metrics.joined(5000, 1, 1);

        DelayedOutcomeMetrics.State expected = metrics.state();
        DelayedOutcomeMetrics.State actual = restored.state();
        assertArrayEquals(expected.counts(), actual.counts());
        assertArrayEquals(expected.lossSums(), actual.lossSums());
        assertArrayEquals(expected.delayBuckets(), actual.delayBuckets());
        assertArrayEquals(expected.delayCounts(), actual.delayCounts());
        assertEquals(metrics.delayQuantile(0.99), restored.delayQuantile(0.99));
        assertThrows(IllegalArgumentException.class, () -> DelayedOutcomeMetrics.restore(
                new DelayedOutcomeMetrics.State(new long[8], new double[4], new int[] {3, 2}, new long[2])));
    }
}
