package io.inertia.topology;

/**
 * Told about every event the learner handles, for progress reports and metrics. Called on the stream thread; an
 * implementation must be quick and thread-safe, and must not influence the model.
 */
public interface LearningObserver {

    /** An observer that ignores everything. */
    LearningObserver NONE = new LearningObserver() {
        @Override
        public void learned(String modelKey, long version, double loss, double runningLoss) {
        }

        @Override
        public void rejected(String reason) {
        }
    };

    /** Model {@code modelKey} learned from an event and is now at {@code version}. */
    void learned(String modelKey, long version, double loss, double runningLoss);

    /** An event was sent to the dead-letter topic for {@code reason}. */
    void rejected(String reason);
}
