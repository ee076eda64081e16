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
 * ({@link ModelStore}). Weights are as of their last update, with the update they are current to.
 */
final class PartPacker {

    private final int stateSize;
    private final int maxRecordBytes;

    PartPacker(int stateSize, int maxRecordBytes) {
        this.stateSize = stateSize;
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
        // No part holds more weights than fit in the budget at their smallest (a bucket: 23 bytes and the state).
        Columns columns = new Columns((int) Math.min(coordinates.length, budget / (23 + 8L * stateSize) + 1));
        int index = firstIndex;
        long bytes = 0;
        for (int i : coordinates) {
            String feature = model.coordinateFeature(i);
            // Upper bounds of the encoding: varint ≤ 5 (int) or 10 (long) bytes, UTF-8 ≤ 3 bytes per char.
            long size = (feature == null ? 5 : 5 + 3L * feature.length()) + 8 + 8L * stateSize + 10;
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
        private final double[] namedWeights;
        private final double[] namedStates;
        private final long[] namedSteps;
        private final int[] buckets;
        private final double[] bucketWeights;
        private final double[] bucketStates;
        private final long[] bucketSteps;
        private int hashedCount;

        Columns(int capacity) {
            this.capacity = capacity;
            namedWeights = new double[capacity];
            namedStates = new double[capacity * stateSize];
            namedSteps = new long[capacity];
            buckets = new int[capacity];
            bucketWeights = new double[capacity];
            bucketStates = new double[capacity * stateSize];
            bucketSteps = new long[capacity];
        }

        void add(LinearModel model, int i) {
            String feature = model.coordinateFeature(i);
            if (feature != null) {
                int at = names.size();
                names.add(feature);
                namedWeights[at] = model.coordinateSlot(i, 0);
                for (int k = 0; k < stateSize; k++) {
                    namedStates[at * stateSize + k] = model.coordinateSlot(i, 1 + k);
                }
                namedSteps[at] = model.lastStep(i);
            } else {
                int at = hashedCount++;
                buckets[at] = model.coordinateBucket(i);
                bucketWeights[at] = model.coordinateSlot(i, 0);
                for (int k = 0; k < stateSize; k++) {
                    bucketStates[at * stateSize + k] = model.coordinateSlot(i, 1 + k);
                }
                bucketSteps[at] = model.lastStep(i);
            }
        }

        NamedWeights named() {
            int n = names.size();
            return new NamedWeights(List.copyOf(names), PrimitiveLists.of(namedWeights, n),
                    PrimitiveLists.of(namedStates, n * stateSize), PrimitiveLists.of(namedSteps, n));
        }

        BucketWeights hashed() {
            int n = hashedCount;
            return new BucketWeights(PrimitiveLists.of(buckets, n), PrimitiveLists.of(bucketWeights, n),
                    PrimitiveLists.of(bucketStates, n * stateSize), PrimitiveLists.of(bucketSteps, n));
        }
    }

    /** Adds the weights of {@code part} to {@code model}, each with the update it is current to. */
    static void unpack(ModelSnapshotPart part, LinearModel model) {
        int stateSize = model.slotWidth() - 1;
        double[] slots = new double[1 + stateSize];
        NamedWeights named = part.getNamed();
        for (int i = 0; i < named.getNames().size(); i++) {
            fill(slots, named.getWeights().get(i), named.getStates(), i);
            model.putNamed(named.getNames().get(i), slots, named.getLastSteps().get(i));
        }
        BucketWeights hashed = part.getHashed();
        for (int i = 0; i < hashed.getBuckets().size(); i++) {
            fill(slots, hashed.getWeights().get(i), hashed.getStates(), i);
            model.putBucket(hashed.getBuckets().get(i), slots, hashed.getLastSteps().get(i));
        }
    }

    /** Weight {@code i} of a part's columns and its state values into {@code slots}. */
    private static void fill(double[] slots, double weight, List<Double> states, int i) {
        int stateSize = slots.length - 1;
        if (states.size() < (i + 1) * stateSize) {
            throw new IllegalArgumentException("a part has fewer state values than " + stateSize + " per weight");
        }
        slots[0] = weight;
        for (int k = 0; k < stateSize; k++) {
            slots[1 + k] = states.get(i * stateSize + k);
        }
    }
}
