package io.inertia.topology;

import io.inertia.avro.SnapshotParts;
import java.util.ArrayList;
import java.util.List;

/**
 * The next write of a model's weights in parts (see {@link SnapshotLayout}), the one rule that the snapshot topic and
 * the model store share: a new generation, whose base holds every weight, when there is none yet or when the weights
 * written since the base have reached {@value #BASE_FACTOR} times the base's size; otherwise the next parts of the
 * current generation, holding the weights changed since the previous write. So a write costs on average at most
 * 1 + 1/{@value #BASE_FACTOR} times the weights it must carry, and the live parts hold at most about
 * 1 + {@value #BASE_FACTOR} times the model: the factor trades what every write costs against what a reader (or a
 * restore) reads once. 2, not 1: on open vocabularies the bases were half of all the weights written.
 *
 * @param previous the layout after the previous write, or null when there was none
 * @param base whether this write starts a new generation
 * @param generation the generation this write's parts belong to
 * @param firstIndex the index of this write's first part
 */
record PartGeneration(SnapshotParts previous, boolean base, long generation, int firstIndex) {

    /** A new base once the weights written since the base reach this many times the base's. */
    static final int BASE_FACTOR = 2;

    /** The write that follows {@code previous} (null: the first). */
    static PartGeneration after(SnapshotParts previous) {
        boolean base = previous == null
                || previous.getWeightsSinceBase() >= BASE_FACTOR * previous.getBaseWeights();
        long generation = base ? (previous == null ? 0 : previous.getGeneration() + 1) : previous.getGeneration();
        return new PartGeneration(previous, base, generation, base ? 0 : previous.getParts());
    }

    /** The layout once this write's parts, up to {@code nextIndex}, hold {@code weights} weights at {@code version}. */
    SnapshotParts written(int nextIndex, long weights, long version) {
        return SnapshotParts.newBuilder()
                .setGeneration(generation)
                .setBaseParts(base ? nextIndex : previous.getBaseParts())
                .setParts(nextIndex)
                .setSnapshotVersion(version)
                .setBaseWeights(base ? weights : previous.getBaseWeights())
                .setWeightsSinceBase(base ? 0 : previous.getWeightsSinceBase() + weights)
                .build();
    }

    /** The keys of the parts this write makes obsolete: the previous generation's, when it starts a new one. */
    List<String> obsoleteKeys(String modelKey) {
        List<String> keys = new ArrayList<>();
        if (base && previous != null) {
            for (int i = 0; i < previous.getParts(); i++) {
                keys.add(SnapshotLayout.partKey(modelKey, previous.getGeneration(), i));
            }
        }
        return keys;
    }
}
