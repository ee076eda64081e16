package io.inertia.join;

import io.inertia.model.DelayedOutcomeMetrics;

/**
 * One decision of the join, about one event id: what the learner applies (in the order made), and, for outcomes and
 * events that cannot be joined, the dead letter's reason.
 *
 * @param kind what was decided
 * @param modelKey the model key
 * @param eventId the event id; null only for {@code SCORED} of an event without one
 * @param event the event decided about (SCORED, JOINED, DEFAULTED, EXPIRED, DUPLICATE_EVENT), else null
 * @param outcome the outcome decided about (JOINED and the *_OUTCOME kinds), else null
 * @param label the label to learn (JOINED: the outcome's, DEFAULTED: the default) or the outcome's label (the
 *     *_OUTCOME kinds); else null
 * @param weight the weight to learn with (JOINED: event × outcome; DEFAULTED: event × default weight), the outcome's
 *     (*_OUTCOME), else the event's
 * @param eventTimestamp the event's timestamp when one is known (also a decided id's, for a late or duplicate outcome)
 * @param eventOffset the event's offset when one is known
 * @param reason for the kinds that are dead letters (the *_OUTCOME kinds and DUPLICATE_EVENT), why, in one line
 */
public record Decision(DelayedOutcomeMetrics.Decision kind, String modelKey, String eventId, ArrivedEvent event,
        ArrivedOutcome outcome, Double label, double weight, Long eventTimestamp, Long eventOffset, String reason) {

    /** Whether the decision sends the record it is about to the dead-letter topic. */
    public boolean deadLetter() {
        return reason != null;
    }
}
