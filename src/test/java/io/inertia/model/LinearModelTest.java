package io.inertia.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The coordinate bookkeeping of {@link LinearModel}: its order for snapshots and its bucket index. */
class LinearModelTest {

    private static final double[] ZERO = {0.0, 0.0};

    @Test
    void shouldListNamesByNameThenBucketsAscendingWhateverTheOrderTheyCameIn() {
        LinearModel model = LinearModel.empty(1);
        SplittableRandom random = new SplittableRandom(7);
        // Buckets over the whole int range and a few small ones: every 11-bit digit of the sort varies.
        Set<Integer> buckets = new LinkedHashSet<>();
        while (buckets.size() < 5_000) {
            buckets.add(random.nextInt(Integer.MAX_VALUE));
        }
        buckets.add(0);
        buckets.add(1);
        buckets.add(2048);
        List<String> names = List.of("zeta", "alpha", "mu", "#not-a-bucket", "beta");
        int n = 0;
        for (int bucket : buckets) {
            model.putBucket(bucket, ZERO, 0);
            if (n < names.size()) {
                model.putNamed(names.get(n++), ZERO, 0);
            }
        }

        List<String> expected = new ArrayList<>(new TreeSet<>(names));
        new TreeSet<>(buckets).forEach(bucket -> expected.add("bucket " + bucket));
        List<String> listed = new ArrayList<>();
        for (int i : model.sortedCoordinates()) {
            listed.add(model.coordinateFeature(i) == null
                    ? "bucket " + model.coordinateBucket(i) : model.coordinateFeature(i));
        }
        assertEquals(expected, listed);
    }

    @Test
    void shouldSortASubsetOfCoordinatesTheSameWay() {
        LinearModel model = LinearModel.empty(1);
        int[] buckets = {900_000, 3, 70_000, 5, 1 << 24, 2_047, 2_048, 4_194_304};
        for (int bucket : buckets) {
            model.putBucket(bucket, ZERO, 0);
        }
        // 300 more, so that the subset below is sorted by the radix path too.
        for (int k = 0; k < 300; k++) {
            model.putBucket(10_000_000 + 7 * k, ZERO, 0);
        }
        int[] subset = new int[300];
        for (int k = 0; k < 300; k++) {
            subset[k] = model.coordinateOfBucket(10_000_000 + 7 * (299 - k));
        }
        int[] sorted = model.sortCoordinates(subset);
        for (int k = 0; k < 300; k++) {
            assertEquals(10_000_000 + 7 * k, model.coordinateBucket(sorted[k]));
        }
        int[] first = model.sortCoordinates(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
        int[] ascending = {3, 5, 2_047, 2_048, 70_000, 900_000, 4_194_304, 1 << 24};
        int[] listed = new int[first.length];
        for (int k = 0; k < first.length; k++) {
            listed[k] = model.coordinateBucket(first[k]);
        }
        assertArrayEquals(ascending, listed);
    }

    @Test
    void shouldFindEveryBucketThatStaysAfterARollBackRemovedOthers() {
        LinearModel model = LinearModel.empty(1);
        // Consecutive buckets share probe runs in the index; removing some must not hide the others.
        for (int bucket = 0; bucket < 1_000; bucket++) {
            model.putBucket(bucket, new double[] {bucket, 0.0}, 0);
        }
        int[] added = new int[600];
        double[] values = new double[600];
        for (int k = 0; k < added.length; k++) {
            added[k] = 1_000 + k;
            values[k] = 1.0;
        }
        Example example = Example.of(null, names(added), values, 0.0, 1.0);
        LinearModel.Savepoint before = model.savepoint(example);
        OnlineLearner.of(Loss.squared(), MomentumOptimizer.of(0.9), 0.01).learn(model, example);
        assertEquals(1_600, model.coordinateCount());

        model.rollBack(before);

        assertEquals(1_000, model.coordinateCount());
        for (int bucket = 0; bucket < 1_000; bucket++) {
            int i = model.coordinateOfBucket(bucket);
            assertEquals(bucket, model.coordinateBucket(i));
            assertEquals(bucket, model.coordinateSlot(i, 0));
        }
        for (int bucket : added) {
            assertEquals(-1, model.coordinateOfBucket(bucket));
        }
    }

    /** The features "#b" that stand for bucket b. */
    private static String[] names(int[] buckets) {
        String[] names = new String[buckets.length];
        for (int k = 0; k < buckets.length; k++) {
            names[k] = "#" + buckets[k];
        }
        return names;
    }
}
