package io.inertia.join;

import io.inertia.join.Pending.DecidedId;
import io.inertia.join.Pending.How;
import io.inertia.join.Pending.PendingEvent;
import io.inertia.join.Pending.WaitingOutcome;
import io.inertia.model.DelayedOutcomeMetrics.Decision;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * The join's decisions, one per event id, on the state of a {@link JoinStore}; every decision goes to a consumer in the
 * order made. A plain class: the Kafka Streams node ({@link OutcomeJoinProcessor}) reads the records and hands them
 * here, the tests hand them directly.
 *
 * <p>With W the window, an event e (timestamp t_e, without label, with an id) and an outcome o (t_o, same model key
 * and id), and the two clocks E and C, the largest timestamps read so far on the event and the outcome partition:
 *
 * <ul>
 *   <li><b>Joined</b> when t_e − W ≤ t_o ≤ t_e + W and neither expired first: e waits (pending) until C &gt; t_e + W,
 *       o waits until E &gt; t_o + W. The deadlines are inclusive: an outcome exactly W after its event joins.</li>
 *   <li>An event whose outcome has not come when C passes t_e + W is learned with the default label and weight, when
 *       a default label is set (<b>defaulted</b>), or else <b>expired</b> unlearned. An event read when C is already
 *       past its deadline is decided so at once, unless its outcome is already waiting.</li>
 *   <li>An outcome whose event has not come when E passes t_o + W is <b>unmatched</b>, as is one read when E is
 *       already past that, or one more than W before its pending event.</li>
 *   <li>An outcome for an id already joined, or for which an outcome is already waiting, is a <b>duplicate</b>; one
 *       for an id already defaulted or expired is <b>late</b>. An event with an id that is pending or remembered as
 *       decided is a <b>duplicate event</b>. These four are dead letters and learn nothing.</li>
 *   <li>A decided id is remembered until C passes t_e + 2W; after that an outcome for it waits like any other and ends
 *       unmatched.</li>
 * </ul>
 *
 * A pair (e, o) with no other record between them is decided the same in either arrival order. Each clock moves only
 * forward, before the record that moved it is decided, and the entries it makes due are decided first, in deadline
 * order (then model key, then id): equal timestamps are therefore decided as River merges questions and answers —
 * an answer at time t comes before, and is seen by, the question decided at t, and an entry whose deadline is t is still
 * waiting for a record at t. What a clock decides depends only on the records read, never on the wall clock.
 */
public final class OutcomeJoin {

    /** Index entries decided per scan of the store. */
    static final int BATCH = 1000;

    private final long window;
    private final OptionalDouble defaultLabel;
    private final double defaultWeight;
    private final JoinStore store;
    private final Consumer<io.inertia.join.Decision> decisions;

    /**
     * A join over {@code store}.
     *
     * @param window W, in ms of record time (≥ 1)
     * @param defaultLabel the label of events whose outcome did not come, or empty for none
     * @param defaultWeight multiplied into such an event's weight
     * @param store the state
     * @param decisions receives every decision, in the order made
     */
    public OutcomeJoin(long window, OptionalDouble defaultLabel, double defaultWeight, JoinStore store,
            Consumer<io.inertia.join.Decision> decisions) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1 ms, got " + window);
        }
        this.window = window;
        this.defaultLabel = defaultLabel;
        this.defaultWeight = defaultWeight;
        this.store = store;
        this.decisions = decisions;
    }

    /**
     * A record with timestamp {@code time} was read from the events topic (whatever it holds): moves the event clock
     * and decides the outcomes that were waiting until it passed their deadline.
     */
    public void eventRead(long time) {
        advance(JoinClock.EVENT, time);
    }

    /**
     * A record with timestamp {@code time} was read from the outcomes topic (an outcome, a heartbeat, or a bad record):
     * moves the outcome clock and decides the events waiting until it passed their deadline.
     */
    public void outcomeRead(long time) {
        advance(JoinClock.OUTCOME, time);
    }

    /**
     * An event without its label, already {@linkplain #eventRead read}: scored (its served prediction is in
     * {@code event}), and joined with its outcome, kept pending, or decided at once; a duplicate when its id is taken.
     *
     * @param eventId its id, or null: then it is only scored
     */
    public void unlabeledEvent(String modelKey, String eventId, ArrivedEvent event) {
        if (eventId == null) {
            decide(Decision.SCORED, modelKey, null, event, null, null, event.weight(), null);
            return;
        }
        Pending existing = store.get(modelKey, eventId);
        if (existing instanceof PendingEvent || existing instanceof DecidedId) {
            decide(Decision.DUPLICATE_EVENT, modelKey, eventId, event, null, null, event.weight(),
                    "duplicate event: event '" + eventId + "' of model '" + modelKey + "' "
                            + (existing instanceof PendingEvent ? "is already waiting for its outcome"
                                    : "was already decided (" + ((DecidedId) existing).how().name().toLowerCase()
                                            + ")"));
            return;
        }
        decide(Decision.SCORED, modelKey, eventId, event, null, null, event.weight(), null);
        long deadline = plus(event.timestamp(), window);
        long outcomeClock = store.clock(JoinClock.OUTCOME);
        if (existing instanceof WaitingOutcome waiting) {
            ArrivedOutcome outcome = waiting.outcome();
            if (outcome.timestamp() <= deadline) {
                // Its answer came first and within its window: joined, whatever the outcome clock says now.
                decide(Decision.JOINED, modelKey, eventId, event, outcome, outcome.label(),
                        event.weight() * outcome.weight(), null);
                remember(modelKey, eventId, waiting, event, How.JOINED, outcomeClock);
                return;
            }
            // The outcome is later than the event's window, so the outcome clock is past its deadline too.
            How how = unanswered(modelKey, eventId, event);
            decide(Decision.LATE_OUTCOME, modelKey, eventId, null, outcome, outcome.label(), outcome.weight(),
                    event.timestamp(), event.offset(), "late outcome: event '" + eventId + "' of model '" + modelKey
                            + "' was " + past(how) + " at the end of its window (event time " + event.timestamp()
                            + " + " + window + " ms), before this outcome at " + outcome.timestamp());
            remember(modelKey, eventId, waiting, event, how, outcomeClock);
            return;
        }
        if (outcomeClock > deadline) {
            // Outcomes have been read beyond its deadline already: none can come in time any more.
            How how = unanswered(modelKey, eventId, event);
            remember(modelKey, eventId, null, event, how, outcomeClock);
            return;
        }
        store.put(modelKey, eventId, null, new PendingEvent(deadline, event));
    }

    /**
     * An outcome, already {@linkplain #outcomeRead read}: joined with its pending event, kept waiting for it, or a
     * dead letter (duplicate, late, or unmatched).
     */
    public void outcome(String modelKey, String eventId, ArrivedOutcome outcome) {
        Pending existing = store.get(modelKey, eventId);
        if (existing instanceof DecidedId decided) {
            boolean joined = decided.how() == How.JOINED;
            decide(joined ? Decision.DUPLICATE_OUTCOME : Decision.LATE_OUTCOME, modelKey, eventId, null, outcome,
                    outcome.label(), outcome.weight(), decided.eventTimestamp(), decided.eventOffset(), joined
                            ? "duplicate outcome: event '" + eventId + "' of model '" + modelKey
                                    + "' was already joined with an earlier outcome"
                            : "late outcome: event '" + eventId + "' of model '" + modelKey + "' was "
                                    + past(decided.how()) + " at the end of its window (event time "
                                    + decided.eventTimestamp() + " + " + window + " ms)");
            return;
        }
        if (existing instanceof WaitingOutcome) {
            decide(Decision.DUPLICATE_OUTCOME, modelKey, eventId, null, outcome, outcome.label(), outcome.weight(),
                    null, null, "duplicate outcome: an earlier outcome for event '" + eventId + "' of model '"
                            + modelKey + "' is already waiting for it");
            return;
        }
        if (existing instanceof PendingEvent pending) {
            ArrivedEvent event = pending.event();
            // Not expired, so the outcome is not after the event's deadline; it may be too far before the event.
            if (outcome.timestamp() < event.timestamp() - window) {
                decide(Decision.UNMATCHED_OUTCOME, modelKey, eventId, null, outcome, outcome.label(),
                        outcome.weight(), event.timestamp(), event.offset(), "unmatched outcome: its time "
                                + outcome.timestamp() + " is more than " + window + " ms before event '" + eventId
                                + "' of model '" + modelKey + "' at " + event.timestamp());
                return;
            }
            decide(Decision.JOINED, modelKey, eventId, event, outcome, outcome.label(),
                    event.weight() * outcome.weight(), null);
            remember(modelKey, eventId, pending, event, How.JOINED, store.clock(JoinClock.OUTCOME));
            return;
        }
        long deadline = plus(outcome.timestamp(), window);
        if (store.clock(JoinClock.EVENT) > deadline) {
            decide(Decision.UNMATCHED_OUTCOME, modelKey, eventId, null, outcome, outcome.label(), outcome.weight(),
                    null, null, "unmatched outcome: no event '" + eventId + "' of model '" + modelKey
                            + "' within " + window + " ms of the outcome at " + outcome.timestamp()
                            + ", and events are read up to " + store.clock(JoinClock.EVENT) + " already");
            return;
        }
        store.put(modelKey, eventId, null, new WaitingOutcome(deadline, outcome));
    }

    /** Moves {@code clock} to {@code time}, deciding first what waited until it passed, in deadline order. */
    private void advance(JoinClock clock, long time) {
        long mark = store.clock(clock);
        if (time <= mark) {
            return;
        }
        JoinStore.Due after = null;
        while (true) {
            List<JoinStore.Due> due = store.due(clock, mark, after, time, BATCH);
            for (JoinStore.Due entry : due) {
                expire(entry, time);
            }
            if (due.size() < BATCH) {
                break;
            }
            after = due.get(due.size() - 1);
        }
        store.setClock(clock, time);
    }

    /** Decides the entry {@code due}, whose clock reached {@code time} past its deadline. */
    private void expire(JoinStore.Due due, long time) {
        Pending entry = store.get(due.modelKey(), due.eventId());
        if (entry == null || entry.clock() != due.clock() || entry.deadline() != due.deadline()) {
            store.removeIndex(due);
            return;
        }
        String modelKey = due.modelKey();
        String eventId = due.eventId();
        if (entry instanceof PendingEvent pending) {
            How how = unanswered(modelKey, eventId, pending.event());
            remember(modelKey, eventId, pending, pending.event(), how, time);
        } else if (entry instanceof WaitingOutcome waiting) {
            ArrivedOutcome outcome = waiting.outcome();
            decide(Decision.UNMATCHED_OUTCOME, modelKey, eventId, null, outcome, outcome.label(), outcome.weight(),
                    null, null, "unmatched outcome: no event '" + eventId + "' of model '" + modelKey
                            + "' came within " + window + " ms of the outcome at " + outcome.timestamp());
            store.remove(modelKey, eventId, waiting);
        } else {
            store.remove(modelKey, eventId, entry);
        }
    }

    /** Decides an event whose outcome did not come in time: defaulted, or expired without a default label. */
    private How unanswered(String modelKey, String eventId, ArrivedEvent event) {
        if (defaultLabel.isPresent()) {
            decide(Decision.DEFAULTED, modelKey, eventId, event, null, defaultLabel.getAsDouble(),
                    event.weight() * defaultWeight, null);
            return How.DEFAULTED;
        }
        decide(Decision.EXPIRED, modelKey, eventId, event, null, null, event.weight(), null);
        return How.EXPIRED;
    }

    /**
     * Replaces {@code previous} (or nothing) by the memory that {@code event}'s id was decided {@code how}, unless the
     * outcome clock, at {@code outcomeClock}, is already past the time it would be forgotten.
     */
    private void remember(String modelKey, String eventId, Pending previous, ArrivedEvent event, How how,
            long outcomeClock) {
        long forgetAfter = plus(event.timestamp(), plus(window, window));
        if (outcomeClock > forgetAfter) {
            if (previous != null) {
                store.remove(modelKey, eventId, previous);
            }
            return;
        }
        store.put(modelKey, eventId, previous, new DecidedId(forgetAfter, event.timestamp(), event.offset(), how));
    }

    private void decide(Decision kind, String modelKey, String eventId, ArrivedEvent event, ArrivedOutcome outcome,
            Double label, double weight, String reason) {
        decide(kind, modelKey, eventId, event, outcome, label, weight,
                event == null ? null : event.timestamp(), event == null ? null : event.offset(), reason);
    }

    private void decide(Decision kind, String modelKey, String eventId, ArrivedEvent event, ArrivedOutcome outcome,
            Double label, double weight, Long eventTimestamp, Long eventOffset, String reason) {
        decisions.accept(new io.inertia.join.Decision(kind, modelKey, eventId, event, outcome, label, weight,
                eventTimestamp, eventOffset, reason));
    }

    private static String past(How how) {
        return how == How.DEFAULTED ? "learned with the default label" : "expired";
    }

    /** t + d, saturating at {@link Long#MAX_VALUE}: a timestamp near the end of time never wraps to the past. */
    static long plus(long t, long d) {
        long sum = t + d;
        return ((t ^ sum) & (d ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
