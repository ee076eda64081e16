package io.inertia.topology;

import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.model.LinearModel;
import io.inertia.serde.PrimitiveLists;
import java.util.ArrayList;
import java.util.List;

/**
 * Packs a model's sparse weights into {@link ModelSnapshotPart} records, column by column, each within a record limit:
 * the one layout of weights in parts, used for the snapshot topic ({@link SnapshotEmitter}) and for the model store
 * ({@link ModelStore}). Weights are as of their last update, with the update they are current to. A feature of a
 * K-class model is one entry with K weights (class 0 first) and K·S state values: a part holds whole features.
 */
final class PartPacker {

    private static final double[] NO_DOUBLES = new double[0];
    private static final long[] NO_LONGS = new long[0];
    private static final int[] NO_INTS = new int[0];

    private final int stateSize;
    /** K, the weights per feature. */
    private final int outputs;
    private final int maxRecordBytes;

    PartPacker(int stateSize, int maxRecordBytes) {
        this(stateSize, 1, maxRecordBytes);
    }

    PartPacker(int stateSize, int outputs, int maxRecordBytes) {
        this.stateSize = stateSize;
        this.outputs = outputs;
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * The parts, numbered from {@code firstIndex}, holding the weights of {@code model} at {@code coordinates}, in that
     * order; none when {@code coordinates} is empty.
     */
    List<ModelSnapshotPart> pack(String modelKey, LinearModel model, int[] coordinates, long generation,
            int firstIndex) {
        // Room for the weights: the record less its key, the part's scalar fields and the eight arrays' framing.
        long budget = maxRecordBytes - SnapshotEmitter.RECORD_RESERVE - 2L * (5 + 3L * modelKey.length()) - 200;
        List<ModelSnapshotPart> parts = new ArrayList<>();
        // No part holds more features than fit in the budget at their smallest (a bucket: 15 bytes, its K weights and
        // their state).
        long smallest = 15 + 8L * outputs * (1 + stateSize);
        Columns columns = new Columns((int) Math.min(coordinates.length, budget / smallest + 1));
        int index = firstIndex;
        long bytes = 0;
        for (int i : coordinates) {
            String feature = model.coordinateFeature(i);
            // Upper bounds of the encoding: varint ≤ 5 (int) or 10 (long) bytes, UTF-8 ≤ 3 bytes per char.
            long size = (feature == null ? 5 : 5 + 3L * feature.length()) + 8L * outputs * (1 + stateSize) + 10;
            if (bytes + size > budget && bytes > 0) {
                parts.add(part(modelKey, model, generation, index++, columns));
                columns = new Columns(columns.capacity);
                bytes = 0;
            }
            columns.add(model, i);
            bytes += size;
        }
        if (bytes > 0) {
            parts.add(part(modelKey, model, generation, index, columns));
        }
        return parts;
    }

    private static ModelSnapshotPart part(String modelKey, LinearModel model, long generation, int index,
            Columns columns) {
        return new ModelSnapshotPart(modelKey, generation, index, model.version(), columns.named(), columns.hashed());
    }

    /** A part's weights, column by column, in primitive arrays. */
    private final class Columns {
        final int capacity;
        private final List<String> names = new ArrayList<>();
        // Each kind's columns made at its first feature: a hashed model's parts never hold a name, and making both
        // for every part was about an eighth of what the stream thread allocated under load.
        private double[] namedWeights = NO_DOUBLES;
        private double[] namedStates = NO_DOUBLES;
        private long[] namedSteps = NO_LONGS;
        private int[] buckets = NO_INTS;
        private double[] bucketWeights = NO_DOUBLES;
        private double[] bucketStates = NO_DOUBLES;
        private long[] bucketSteps = NO_LONGS;
        private int hashedCount;

        Columns(int capacity) {
            this.capacity = capacity;
        }

        void add(LinearModel model, int i) {
            String feature = model.coordinateFeature(i);
            if (feature != null) {
                int at = names.size();
                if (at == 0) {
                    namedWeights = new double[capacity * outputs];
                    namedStates = new double[capacity * outputs * stateSize];
                    namedSteps = new long[capacity];
                }
                names.add(feature);
                copy(model, i, at, namedWeights, namedStates);
                namedSteps[at] = model.lastStep(i);
            } else {
                int at = hashedCount++;
                if (at == 0) {
                    buckets = new int[capacity];
                    bucketWeights = new double[capacity * outputs];
                    bucketStates = new double[capacity * outputs * stateSize];
                    bucketSteps = new long[capacity];
                }
                buckets[at] = model.coordinateBucket(i);
                copy(model, i, at, bucketWeights, bucketStates);
                bucketSteps[at] = model.lastStep(i);
            }
        }

        /** Coordinate {@code i}'s K weights and K·S state values into entry {@code at} of the columns. */
        private void copy(LinearModel model, int i, int at, double[] weights, double[] states) {
            int width = 1 + stateSize;
            for (int c = 0; c < outputs; c++) {
                weights[at * outputs + c] = model.coordinateSlot(i, c * width);
                for (int k = 0; k < stateSize; k++) {
                    states[(at * outputs + c) * stateSize + k] = model.coordinateSlot(i, c * width + 1 + k);
                }
            }
        }

        NamedWeights named() {
            int n = names.size();
            return new NamedWeights(List.copyOf(names), PrimitiveLists.of(namedWeights, n * outputs),
                    PrimitiveLists.of(namedStates, n * outputs * stateSize), PrimitiveLists.of(namedSteps, n));
        }

        BucketWeights hashed() {
            int n = hashedCount;
            return new BucketWeights(PrimitiveLists.of(buckets, n), PrimitiveLists.of(bucketWeights, n * outputs),
                    PrimitiveLists.of(bucketStates, n * outputs * stateSize), PrimitiveLists.of(bucketSteps, n));
        }
    }

    /** Adds the weights of {@code part} to {@code model}, each with the update it is current to. */
    static void unpack(ModelSnapshotPart part, LinearModel model) {
        double[] block = new double[model.blockWidth()];
        NamedWeights named = part.getNamed();
        for (int i = 0; i < named.getNames().size(); i++) {
            fill(block, model, named.getWeights(), named.getStates(), i);
            model.putNamed(named.getNames().get(i), block, named.getLastSteps().get(i));
        }
        BucketWeights hashed = part.getHashed();
        for (int i = 0; i < hashed.getBuckets().size(); i++) {
            fill(block, model, hashed.getWeights(), hashed.getStates(), i);
            model.putBucket(hashed.getBuckets().get(i), block, hashed.getLastSteps().get(i));
        }
    }

    /** Entry {@code i} of a part's columns (K weights, K·S state values) into {@code block}. */
    private static void fill(double[] block, LinearModel model, List<Double> weights, List<Double> states, int i) {
        int outputs = model.outputs();
        int width = model.slotWidth();
        int stateSize = width - 1;
        if (weights.size() < (i + 1) * outputs) {
            throw new IllegalArgumentException("a part has fewer weights than " + outputs + " per feature");
        }
        if (states.size() < (i + 1) * outputs * stateSize) {
            throw new IllegalArgumentException("a part has fewer state values than " + stateSize + " per weight");
        }
        for (int c = 0; c < outputs; c++) {
            block[c * width] = weights.get(i * outputs + c);
            for (int k = 0; k < stateSize; k++) {
                block[c * width + 1 + k] = states.get((i * outputs + c) * stateSize + k);
            }
        }
    }
}
