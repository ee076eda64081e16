package io.inertia.join;

import io.inertia.serde.EventDecoder;

/**
 * Serves the prediction for an event without its label, read-only, from the model the learner holds: what the
 * learner would predict if it learned the event now. Also says why an event cannot be learned at all (its features,
 * against the model), so that it is dead-lettered when it arrives rather than when its outcome does.
 */
@FunctionalInterface
public interface Scorer {

    /**
     * The prediction for {@code event} of model {@code modelKey} (its record key and model key already checked), or
     * why the event cannot be learned.
     */
    Scored score(String modelKey, EventDecoder.Event event);

    /**
     * A scorer's answer: exactly one of the two is not null.
     *
     * @param served the prediction served
     * @param problem why the event cannot be learned, in one line
     */
    record Scored(EventDecoder.Served served, String problem) {

        /** The prediction {@code served}. */
        public static Scored of(EventDecoder.Served served) {
            return new Scored(served, null);
        }

        /** The event cannot be learned, for {@code problem}. */
        public static Scored refused(String problem) {
            return new Scored(null, problem);
        }
    }
}
