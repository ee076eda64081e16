package io.inertia.topology;

/**
 * A learner that can publish a model's snapshot on demand, besides every N-th update: what a replay does after its
 * last event, so that its output ends with each model's final state in the same layout as every other snapshot.
 */
public interface SnapshotPublisher {

    /**
     * Publishes the snapshot of the model of {@code modelKey} at its current version, to the snapshot sink, as the
     * learner publishes every snapshot (whole, or in parts continuing the model's generation).
     *
     * @return false when there is no such model, or when a weight would not be finite once brought up to date (the
     *     model is then left as it is, as after a divergence)
     */
    boolean publishSnapshot(String modelKey);
}
