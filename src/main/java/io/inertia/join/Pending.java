package io.inertia.join;

/**
 * What the join keeps under one model key and event id: at most one of an event waiting for its outcome, an outcome
 * waiting for its event, or the memory of a decided id. Each is due once the clock it waits on passes its deadline.
 */
public sealed interface Pending {

    /** The time after which the entry is due, on the clock {@link #clock()}. */
    long deadline();

    /** The clock whose passing the deadline makes the entry due. */
    JoinClock clock();

    /**
     * An event waiting for its outcome until the outcome clock passes its timestamp + the window.
     *
     * @param deadline the event's timestamp + the window
     * @param event the event
     */
    record PendingEvent(long deadline, ArrivedEvent event) implements Pending {
        @Override
        public JoinClock clock() {
            return JoinClock.OUTCOME;
        }
    }

    /**
     * An outcome waiting for its event until the event clock passes its timestamp + the window.
     *
     * @param deadline the outcome's timestamp + the window
     * @param outcome the outcome
     */
    record WaitingOutcome(long deadline, ArrivedOutcome outcome) implements Pending {
        @Override
        public JoinClock clock() {
            return JoinClock.EVENT;
        }
    }

    /**
     * An event id already decided, remembered until the outcome clock passes the event's timestamp + two windows, so
     * that a further outcome is told apart as a duplicate (after a join) or late (after a default or expiry) rather than
     * unmatched, and a further event with the id as a duplicate.
     *
     * @param deadline the event's timestamp + two windows
     * @param eventTimestamp the event's timestamp
     * @param eventOffset the event's offset
     * @param how how it was decided
     */
    record DecidedId(long deadline, long eventTimestamp, long eventOffset, How how) implements Pending {
        @Override
        public JoinClock clock() {
            return JoinClock.OUTCOME;
        }
    }

    /** How a decided event was decided. */
    enum How {
        /** With its outcome. */
        JOINED,
        /** With the default label, no outcome having come in time. */
        DEFAULTED,
        /** Not learned, no outcome having come in time and no default label being set. */
        EXPIRED
    }
}
