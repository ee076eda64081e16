package io.inertia.join;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.model.DelayedOutcomeMetrics.Decision;
import io.inertia.serde.EventDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every case of the join, in both arrival orders and at the window's edges, on the real stores (in memory). Window
 * W = 1000 ms; events of weight 2 with the served prediction 0.25; outcomes of weight 0.5.
 */
class OutcomeJoinTest {

    private static final long W = 1000;
    private static final EventDecoder.Served SERVED = new EventDecoder.Served(0.25, -1.0986, 7);

    private final List<JoinStores> opened = new ArrayList<>();
    private final List<io.inertia.join.Decision> decided = new ArrayList<>();
    private long offsets;

    @AfterEach
    void close() {
        opened.forEach(JoinStores::close);
    }

    /** A join with a fresh store; with {@code defaultLabel} (NaN: none) and default weight 3. */
    private Join join(double defaultLabel) {
        JoinStores stores = JoinStores.inMemory();
        opened.add(stores);
        decided.clear();
        return new Join(stores, new OutcomeJoin(W, Double.isNaN(defaultLabel) ? OptionalDouble.empty()
                : OptionalDouble.of(defaultLabel), 3.0, stores.store, decided::add));
    }

    private Join join() {
        return join(Double.NaN);
    }

    /** A join as the processor drives it: every record moves its clock, then is decided. */
    private final class Join {
        final JoinStores stores;
        final OutcomeJoin join;

        Join(JoinStores stores, OutcomeJoin join) {
            this.stores = stores;
            this.join = join;
        }

        Join event(String id, long time) {
            join.eventRead(time);
            join.unlabeledEvent("m", id, new ArrivedEvent(time, offsets++, new double[] {1, 2}, new String[] {"a"},
                    new double[] {0.5}, 2.0, SERVED));
            return this;
        }

        Join outcome(String id, long time, double label) {
            join.outcomeRead(time);
            join.outcome("m", id, new ArrivedOutcome(time, offsets++, label, 0.5,
                    ("outcome " + id).getBytes(StandardCharsets.UTF_8), List.of()));
            return this;
        }

        /** Any other record of the events topic (with its label, or bad): moves the event clock only. */
        Join eventClock(long time) {
            join.eventRead(time);
            return this;
        }

        /** A heartbeat, or a bad outcome: moves the outcome clock only. */
        Join outcomeClock(long time) {
            join.outcomeRead(time);
            return this;
        }

        boolean empty() {
            long[] sizes = stores.sizes();
            return sizes[0] == 0 && sizes[1] == 0;
        }
    }

    /** The decisions so far as "KIND id", in order. */
    private List<String> decisions() {
        return decided.stream().map(d -> d.kind() + " " + d.eventId()).toList();
    }

    private Set<String> decisionSet() {
        return new TreeSet<>(decisions());
    }

    private io.inertia.join.Decision last(Decision kind) {
        for (int i = decided.size() - 1; i >= 0; i--) {
            if (decided.get(i).kind() == kind) {
                return decided.get(i);
            }
        }
        throw new AssertionError("no " + kind + " in " + decisions());
    }

    @Test
    void shouldJoinTheFirstOutcomeWithinTheWindowWithTheEventAsScored() {
        join().event("e1", 1000).outcome("e1", 1500, 1.0);

        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
        io.inertia.join.Decision joined = last(Decision.JOINED);
        assertEquals(1.0, joined.label());
        assertEquals(2.0 * 0.5, joined.weight(), "event weight × outcome weight");
        assertEquals(SERVED, joined.event().served(), "the prediction served is kept for delayed evaluation");
        assertArrayEquals(new double[] {1, 2}, joined.event().dense(), "features as scored");
        assertEquals(1000L, joined.eventTimestamp());
        assertEquals(1500L, joined.outcome().timestamp());
        assertNull(joined.reason(), "not a dead letter");
        io.inertia.join.Decision scored = last(Decision.SCORED);
        assertNull(scored.label());
        assertEquals(2.0, scored.weight());
    }

    @Test
    void shouldJoinAnOutcomeThatArrivesBeforeItsEvent() {
        join().outcome("e1", 1500, 1.0).event("e1", 1000);

        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
        assertEquals(1.0, last(Decision.JOINED).label());
        assertEquals(1.0, last(Decision.JOINED).weight());
    }

    @Test
    void shouldJoinAnOutcomeExactlyOneWindowAfterItsEventInEitherOrder() {
        join().event("e1", 1000).outcome("e1", 2000, 1.0);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
        join().outcome("e1", 2000, 1.0).event("e1", 1000);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
    }

    @Test
    void shouldDeclareAnOutcomeOneMillisecondAfterTheWindowLateInEitherOrder() {
        join().event("e1", 1000).outcome("e1", 2001, 1.0);
        assertEquals(List.of("SCORED e1", "EXPIRED e1", "LATE_OUTCOME e1"), decisions());
        assertTrue(last(Decision.LATE_OUTCOME).reason().startsWith("late outcome: event 'e1' of model 'm' was "
                + "expired at the end of its window"), last(Decision.LATE_OUTCOME).reason());

        join().outcome("e1", 2001, 1.0).event("e1", 1000);
        assertEquals(List.of("SCORED e1", "EXPIRED e1", "LATE_OUTCOME e1"), decisions());
        assertEquals(1000L, last(Decision.LATE_OUTCOME).eventTimestamp());
    }

    @Test
    void shouldJoinAnOutcomeStampedUpToOneWindowBeforeItsEventInEitherOrder() {
        join().event("e1", 2000).outcome("e1", 1000, 1.0);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
        join().outcome("e1", 1000, 1.0).event("e1", 2000);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());
    }

    @Test
    void shouldLeaveAnOutcomeStampedMoreThanOneWindowBeforeItsEventUnmatchedInEitherOrder() {
        // Past 2001 + 2W the decided id is forgotten too.
        Join eventFirst = join().event("e1", 2001).outcome("e1", 1000, 1.0).outcomeClock(4002);
        Set<String> eventFirstDecisions = decisionSet();
        assertTrue(eventFirst.empty());
        Join outcomeFirst = join().outcome("e1", 1000, 1.0).event("e1", 2001).outcomeClock(4002);
        assertEquals(Set.of("SCORED e1", "UNMATCHED_OUTCOME e1", "EXPIRED e1"), decisionSet());
        assertEquals(eventFirstDecisions, decisionSet(), "the same decisions in either order");
        assertTrue(outcomeFirst.empty());
    }

    @Test
    void shouldLearnAnEventWithoutOutcomeWithTheDefaultLabelOnceTheOutcomeClockPassesItsDeadline() {
        Join join = join(0.0).event("e1", 1000).outcomeClock(2000);
        assertEquals(List.of("SCORED e1"), decisions(), "an outcome at the deadline would still join");

        join.outcomeClock(2001);

        assertEquals(List.of("SCORED e1", "DEFAULTED e1"), decisions());
        io.inertia.join.Decision defaulted = last(Decision.DEFAULTED);
        assertEquals(0.0, defaulted.label());
        assertEquals(2.0 * 3.0, defaulted.weight(), "event weight × default weight");
        assertEquals(SERVED, defaulted.event().served());
        assertNull(defaulted.outcome());
    }

    @Test
    void shouldExpireAnEventWithoutOutcomeUnlearnedWithoutADefaultLabel() {
        join().event("e1", 1000).outcomeClock(2001);
        assertEquals(List.of("SCORED e1", "EXPIRED e1"), decisions());
        assertNull(last(Decision.EXPIRED).label());
    }

    @Test
    void shouldNeverExpireAnEventBecauseTheEventTopicRanAhead() {
        Join join = join(0.0).event("e1", 1000).eventClock(50 * W).event("e2", 60 * W);
        assertEquals(List.of("SCORED e1", "SCORED e2"), decisions(), "no outcome read yet: nothing expires");

        join.outcome("e1", 1900, 1.0);

        assertEquals(List.of("SCORED e1", "SCORED e2", "JOINED e1"), decisions());
    }

    @Test
    void shouldKeepAnOutcomeWaitingWhileOnlyTheOutcomeTopicRunsAheadAndDropItUnmatchedWhenEventsPassIt() {
        Join join = join().outcome("e1", 1000, 1.0).outcomeClock(50 * W).outcome("e2", 60 * W, 1.0);
        assertEquals(List.of(), decisions());
        join.event("e1", 1500);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions());

        join.eventClock(61 * W);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions(), "at exactly the outcome's deadline it waits");
        join.eventClock(61 * W + 1);

        assertEquals(List.of("SCORED e1", "JOINED e1", "UNMATCHED_OUTCOME e2"), decisions());
        io.inertia.join.Decision unmatched = last(Decision.UNMATCHED_OUTCOME);
        assertEquals("unmatched outcome: no event 'e2' of model 'm' came within 1000 ms of the outcome at 60000",
                unmatched.reason());
        assertArrayEquals("outcome e2".getBytes(StandardCharsets.UTF_8), unmatched.outcome().value(),
                "the outcome as it arrived, for its dead letter");
    }

    @Test
    void shouldDropAnOutcomeUnmatchedAtOnceWhenEventsAreAlreadyReadPastItsWindow() {
        join().eventClock(5000).outcome("e1", 3999, 1.0);
        assertEquals(List.of("UNMATCHED_OUTCOME e1"), decisions());
    }

    @Test
    void shouldDeclareASecondOutcomeOfAJoinedEventADuplicateInEitherOrder() {
        Join join = join().event("e1", 1000).outcome("e1", 1100, 1.0).outcome("e1", 1200, 0.0);
        assertEquals(List.of("SCORED e1", "JOINED e1", "DUPLICATE_OUTCOME e1"), decisions());
        assertEquals(1.0, last(Decision.JOINED).label(), "the first outcome counts");
        assertEquals(0.0, last(Decision.DUPLICATE_OUTCOME).label());
        assertTrue(last(Decision.DUPLICATE_OUTCOME).reason().contains("already joined"));

        join().outcome("e1", 1100, 1.0).outcome("e1", 1200, 0.0).event("e1", 1000);
        assertEquals(List.of("DUPLICATE_OUTCOME e1", "SCORED e1", "JOINED e1"), decisions());
        assertEquals(1.0, last(Decision.JOINED).label(), "the first outcome counts");
        assertTrue(last(Decision.DUPLICATE_OUTCOME).reason().contains("already waiting"));
    }

    @Test
    void shouldDeclareAnOutcomeAfterItsEventWasDefaultedLate() {
        join(0.0).event("e1", 1000).outcomeClock(2500).outcome("e1", 1800, 1.0);
        assertEquals(List.of("SCORED e1", "DEFAULTED e1", "LATE_OUTCOME e1"), decisions());
        assertTrue(last(Decision.LATE_OUTCOME).reason().contains("was learned with the default label"));
    }

    @Test
    void shouldDecideAnEventReadAfterTheOutcomeClockPassedItsDeadlineAtOnceUnlessItsOutcomeIsWaiting() {
        join(0.0).outcomeClock(5000).event("e1", 1000);
        assertEquals(List.of("SCORED e1", "DEFAULTED e1"), decisions());

        join(0.0).outcome("e1", 1500, 1.0).outcomeClock(5000).event("e1", 1000);
        assertEquals(List.of("SCORED e1", "JOINED e1"), decisions(), "its answer arrived in time");
    }

    @Test
    void shouldDeclareAnEventWithAPendingOrDecidedIdADuplicateAndScoreItNot() {
        join().event("e1", 1000).event("e1", 1100);
        assertEquals(List.of("SCORED e1", "DUPLICATE_EVENT e1"), decisions());
        assertEquals("duplicate event: event 'e1' of model 'm' is already waiting for its outcome",
                last(Decision.DUPLICATE_EVENT).reason());

        join().event("e1", 1000).outcome("e1", 1100, 1.0).event("e1", 1200);
        assertEquals(List.of("SCORED e1", "JOINED e1", "DUPLICATE_EVENT e1"), decisions());
        assertEquals("duplicate event: event 'e1' of model 'm' was already decided (joined)",
                last(Decision.DUPLICATE_EVENT).reason());
    }

    @Test
    void shouldOnlyScoreAnEventWithoutId() {
        Join join = join(0.0).event(null, 1000).outcomeClock(10 * W);
        assertEquals(List.of("SCORED null"), decisions());
        assertTrue(join.empty(), "nothing kept");
    }

    @Test
    void shouldRememberADecidedIdForOneMoreWindowAndThenForgetIt() {
        Join join = join().event("e1", 1000).outcome("e1", 1100, 1.0).outcomeClock(3000).outcome("e1", 3000, 0.0);
        assertEquals(List.of("SCORED e1", "JOINED e1", "DUPLICATE_OUTCOME e1"), decisions(),
                "remembered until the outcome clock passes event time + 2W");

        join.outcomeClock(3001).outcome("e1", 3001, 0.0);
        assertEquals(List.of("SCORED e1", "JOINED e1", "DUPLICATE_OUTCOME e1"), decisions(),
                "forgotten: the outcome waits for an event like any other");
        join.eventClock(4002);
        assertEquals(List.of("SCORED e1", "JOINED e1", "DUPLICATE_OUTCOME e1", "UNMATCHED_OUTCOME e1"), decisions());
        assertTrue(join.empty(), "nothing left behind");
    }

    @Test
    void shouldDecideEverythingDueInDeadlineOrderThenByKeyAndId() {
        Join join = join(0.0).event("b", 1000).event("a", 1000).event("c", 900).event("d", 3000);
        decided.clear();
        join.outcome("d", 2500, 1.0);
        assertEquals(List.of("DEFAULTED c", "DEFAULTED a", "DEFAULTED b", "JOINED d"), decisions(),
                "what the outcome clock makes due comes first, then the outcome itself");
    }

    @Test
    void shouldDecideEachEventOnceAndLeaveNothingBehindWhateverTheInterleaving() {
        // A seeded mix of events, outcomes (some duplicated, some late, some for unknown ids) and heartbeats, both
        // topics roughly in time order; afterwards both clocks run past every deadline.
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        Join join = join(0.0);
        int events = 0;
        long time = 0;
        for (int i = 0; i < 3000; i++) {
            time += random.nextInt(40);
            switch (random.nextInt(5)) {
                case 0, 1 -> join.event("e" + events++, time);
                case 2 -> join.outcome("e" + Math.max(0, events - 1 - random.nextInt(60)), time + random.nextInt(200)
                        - 100, 1.0);
                case 3 -> join.outcome("x" + random.nextInt(1000), time, 1.0);
                default -> join.outcomeClock(time);
            }
        }
        join.outcomeClock(time + 10 * W).eventClock(time + 10 * W);

        java.util.Map<String, List<Decision>> byEvent = new java.util.HashMap<>();
        for (io.inertia.join.Decision d : decided) {
            if (d.event() != null) {
                byEvent.computeIfAbsent(d.eventId(), id -> new ArrayList<>()).add(d.kind());
            }
        }
        assertEquals(events, byEvent.size(), "every event decided");
        for (var entry : byEvent.entrySet()) {
            List<Decision> kinds = entry.getValue();
            assertEquals(Decision.SCORED, kinds.get(0), entry.getKey());
            assertEquals(2, kinds.size(), entry.getKey() + ": scored, then exactly one of joined or defaulted");
            assertTrue(kinds.get(1) == Decision.JOINED || kinds.get(1) == Decision.DEFAULTED, entry.getKey());
        }
        assertTrue(join.empty(), "every entry decided and forgotten");
    }
}
