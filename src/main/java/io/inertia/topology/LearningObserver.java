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

    /** An event was learned from in {@code nanos} (decoding, the update and its records; for metrics only). */
    default void updateTook(long nanos) {
    }

    /** A snapshot went out as {@code records} records (its header and parts, and tombstones of obsolete parts). */
    default void published(String modelKey, int records) {
    }

    /**
     * The outcome joiner decided {@code decision} (a {@code JoinDecision} name: SCORED, JOINED, DEFAULTED, EXPIRED,
     * DUPLICATE_OUTCOME, LATE_OUTCOME, UNMATCHED_OUTCOME, DUPLICATE_EVENT) about an event or outcome of model
     * {@code modelKey}, and the learner applied it.
     */
    default void decided(String modelKey, String decision) {
    }

    /**
     * The learner learned an event of model {@code modelKey} from the outcome joiner's decision {@code decision}
     * (JOINED or DEFAULTED) whose served prediction had loss {@code servedLoss} against the label learned (delayed
     * evaluation; the loss at learning time is {@link #learned}'s), its outcome {@code delayMs} after the event
     * (JOINED; −1 for DEFAULTED).
     */
    default void evaluated(String modelKey, String decision, double servedLoss, long delayMs) {
    }

    /** An observer that tells {@code first}, then {@code second}. */
    static LearningObserver both(LearningObserver first, LearningObserver second) {
        return new LearningObserver() {
            @Override
            public void learned(String modelKey, long version, double loss, double runningLoss) {
                first.learned(modelKey, version, loss, runningLoss);
                second.learned(modelKey, version, loss, runningLoss);
            }

            @Override
            public void rejected(String reason) {
                first.rejected(reason);
                second.rejected(reason);
            }

            @Override
            public void updateTook(long nanos) {
                first.updateTook(nanos);
                second.updateTook(nanos);
            }

            @Override
            public void published(String modelKey, int records) {
                first.published(modelKey, records);
                second.published(modelKey, records);
            }

            @Override
            public void decided(String modelKey, String decision) {
                first.decided(modelKey, decision);
                second.decided(modelKey, decision);
            }

            @Override
            public void evaluated(String modelKey, String decision, double servedLoss, long delayMs) {
                first.evaluated(modelKey, decision, servedLoss, delayMs);
                second.evaluated(modelKey, decision, servedLoss, delayMs);
            }
        };
    }
}
