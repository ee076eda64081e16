package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Outcome;
import io.inertia.config.InertiaConfig;
import io.inertia.join.LearnLog;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.replay.Replay;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.SnapshotReader;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.DeadLetterHeaders;
import io.inertia.topology.SnapshotCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events without labels and their outcomes on two topics, learned by {@code run}'s {@link LearnerApplication} with
 * {@code inertia.outcome.join=true} on the in-process broker, through a restart on a fresh state directory (the join's
 * pending events and the models restored from their changelogs): the models equal a local learner fed the joined
 * events built by hand, every event is joined exactly once, and the outcomes that cannot be joined are dead letters.
 *
 * <p>Models a and b get only events without label (every fifth has no outcome and expires); model c only labeled
 * events, passed through the joiner unread. A replay of the learn log alone writes the very snapshots published live.
 * Each outcome comes 1 to 17 ms after its event and before the next one, so
 * whatever the order in which a task interleaves its two partitions, each model learns its joins in event order.
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DelayedOutcomesIT {

    private static final int EVENTS = 120;
    private static final int FIRST_PART_EVENTS = 64;
    /** Both parts end at versions the snapshots (every 8th) publish: 40 joins, 64 labeled events. */
    private static final int FIRST_PART_OUTCOMES = 50;
    private static final long WINDOW = 1000;
    private static final Duration PHASE = Duration.ofSeconds(90);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    private static long eventTime(int i) {
        return 10_000L + 20L * i;
    }

    private static long outcomeTime(int i) {
        // Odd: never on an event's timestamp; before the next event.
        return eventTime(i) + 1 + 2 * (i % 9);
    }

    private static boolean hasOutcome(int i) {
        return i % 5 != 4;
    }

    private static double feature(String model, int i) {
        return ((i * 37 + model.charAt(0) * 11) % 101) / 50.0 - 1.0;
    }

    private static double label(String model, int i) {
        return 2 * feature(model, i) + 0.5;
    }

    private static double outcomeWeight(int i) {
        return i % 2 == 0 ? 1.0 : 2.0;
    }

    private static LinkedHashMap<String, Double> features(String model, int i) {
        LinkedHashMap<String, Double> features = new LinkedHashMap<>();
        features.put("x", feature(model, i));
        features.put("k", 1.0);
        return features;
    }

    @Test
    void shouldLearnEventsFromTheirDelayedOutcomesExactlyOnceThroughARestart() throws Exception {
        Map<String, String> settings = KafkaFixture.application("delayed-outcomes", work);
        settings.putAll(Map.of("inertia.outcome.join", "true", "inertia.outcome.window.ms", Long.toString(WINDOW),
                "inertia.outcome.heartbeat-ms", "0", "inertia.topic.partitions", "2", "inertia.snapshot-every", "8"));
        InertiaConfig first = cluster.config(settings);
        KafkaSetup.ensureTopics(first, true);

        List<EventFeeder.Routed> firstPart = records(first, 0, FIRST_PART_EVENTS, 0, FIRST_PART_OUTCOMES);
        for (String model : List.of("a", "b")) {
            // A second outcome of event 0, and one whose event never comes.
            firstPart.add(outcome(first, model, model + "-0", 0.0, 1.0, eventTime(0) + 3));
            firstPart.add(outcome(first, model, model + "-ghost", 1.0, 1.0, eventTime(3) + 1));
        }
        send(firstPart);
        int joinedFirst = 0;
        for (int i = 0; i < FIRST_PART_OUTCOMES; i++) {
            joinedFirst += hasOutcome(i) ? 1 : 0;
        }
        try (LearnerApplication learner = new LearnerApplication(first)) {
            learner.start();
            awaitVersions(first, Map.of("a", (long) joinedFirst, "b", (long) joinedFirst, "c",
                    (long) FIRST_PART_EVENTS));
        }

        // The rest, while no learner runs; then a learner on a new state directory, restoring from changelogs.
        InertiaConfig second = first.with(Map.of(StreamsConfig.STATE_DIR_CONFIG,
                work.resolve("restarted").toString()));
        send(records(second, FIRST_PART_EVENTS, EVENTS, FIRST_PART_OUTCOMES, EVENTS));
        Map<String, LinearModel> reference = reference(second);
        SortedMap<String, ModelSnapshot> live;
        try (LearnerApplication learner = new LearnerApplication(second)) {
            learner.start();
            live = awaitVersions(second, Map.of("a", reference.get("a").version(), "b",
                    reference.get("b").version(), "c", (long) EVENTS));
            assertEquals(joinedCount() - joinedFirst, learner.progress().decisionCount("a", "JOINED"),
                    "the joins the first instance committed are not applied again");
        }

        OnlineLearner learner = second.learner();
        for (String model : List.of("a", "b", "c")) {
            ModelSnapshot expected = SnapshotCodec.toSnapshot(model, reference.get(model), learner,
                    SnapshotCodec.hyperParameters(second), 0L);
            ModelSnapshot actual = live.get(model);
            assertEquals(expected.getVersion(), actual.getVersion(), model);
            assertEquals(expected.getNamedWeights(), actual.getNamedWeights(), model + ": weights, bit for bit");
            assertEquals(expected.getBias(), actual.getBias(), model);
            assertEquals(expected.getOptimizerState(), actual.getOptimizerState(), model);
            assertEquals(expected.getMetrics(), actual.getMetrics(), model + ": every event's loss once");
            if (!model.equals("c")) {
                // Counted once each through the restart, as of the last join (version 96): read in timestamp
                // order, event 119 (12,380) comes after the last outcome (event 118's, at 12,363), so 119 scored.
                assertEquals(List.of((long) EVENTS - 1, (long) joinedCount(), 0L, (long) expiredCount(), 1L, 0L,
                        1L, 0L), actual.getOutcomes().getCounts(), model + ": outcome counts in its snapshot");
                assertEquals((long) joinedCount(), actual.getOutcomes().getDelayCounts().stream()
                        .mapToLong(Long::longValue).sum(), model + ": one delay per join");
            } else {
                assertEquals(null, actual.getOutcomes(), "labeled events only: no decision about c");
            }
        }

        // The learn log: every event of a and b scored once and each with an outcome joined once, whatever
        // the restart; the duplicate and the ghost are decisions there and dead letters.
        Map<String, Integer> decisions = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : cluster.kafka().readCommitted(second.learnLogTopic(), PHASE)) {
            String kind = LearnLog.isDecision(record.headers()) ? new String(record.headers()
                    .lastHeader(LearnLog.DECISION_HEADER).value(), StandardCharsets.UTF_8) : "EVENT";
            decisions.merge(new String(record.key(), StandardCharsets.UTF_8) + " " + kind, 1, Integer::sum);
        }
        for (String model : List.of("a", "b")) {
            assertEquals(EVENTS, decisions.get(model + " SCORED"), decisions.toString());
            assertEquals(joinedCount(), decisions.get(model + " JOINED"), decisions.toString());
            assertEquals(1, decisions.get(model + " DUPLICATE_OUTCOME"), decisions.toString());
            assertEquals(1, decisions.get(model + " UNMATCHED_OUTCOME"), decisions.toString());
            assertEquals(expiredCount(), decisions.get(model + " EXPIRED"), decisions.toString());
        }
        assertEquals(EVENTS, decisions.get("c EVENT"), "labeled events are passed on, each once");
        List<String> reasons = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> letter : cluster.kafka().readCommitted(second.deadLetterTopic(), PHASE)) {
            reasons.add(new String(letter.headers().lastHeader(DeadLetterHeaders.REASON).value(),
                    StandardCharsets.UTF_8).split(":")[0]);
        }
        reasons.sort(null);
        assertEquals(List.of("duplicate outcome", "duplicate outcome", "unmatched outcome", "unmatched outcome"),
                reasons);

        // `inertia replay --topic learn-log`: the learner alone, without the joiner, over the log, writes every
        // snapshot both live instances published, the same bytes (Avro bodies after the single-object header).
        // Final versions 96 and 120 are multiples of 8: the replay adds no final snapshot of its own.
        Path replayed = work.resolve("replayed.avro");
        Replay.Summary summary = Replay.run(new Replay.TopicRequest(second.learnLogTopic(),
                TopicRange.Bound.unbounded(), TopicRange.Bound.unbounded(), replayed,
                second.with(Map.of("inertia.outcome.join", "false"))));
        assertEquals(0, summary.rejected());
        Map<String, List<byte[]>> replayedBodies = DeterministicReplayIT.avroBodiesByModel(replayed);
        try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), second.snapshotTopic(), true)) {
            Map<String, List<SnapshotLog.Entry>> published = log.catchUp().byModel();
            for (String model : List.of("a", "b", "c")) {
                SnapshotLog.assertSameBytes(model + ": replay of the learn log vs live",
                        SnapshotLog.values(published.get(model)).stream()
                                .map(value -> Arrays.copyOfRange(value, 10, value.length)).toList(),
                        replayedBodies.get(model));
            }
        }
    }

    private static int joinedCount() {
        int joined = 0;
        for (int i = 0; i < EVENTS; i++) {
            joined += hasOutcome(i) ? 1 : 0;
        }
        return joined;
    }

    /** Events without outcome whose deadline the outcome side passed: the latest outcome is later than it. */
    private static int expiredCount() {
        long latestOutcome = 0;
        for (int i = 0; i < EVENTS; i++) {
            if (hasOutcome(i)) {
                latestOutcome = Math.max(latestOutcome, outcomeTime(i));
            }
        }
        int expired = 0;
        for (int i = 0; i < EVENTS; i++) {
            expired += !hasOutcome(i) && latestOutcome > eventTime(i) + WINDOW ? 1 : 0;
        }
        return expired;
    }

    /**
     * The models a local learner makes of the joined events, built by hand: a and b learn each event that has an
     * outcome, in event order, with the outcome's label and the event's weight (1) times the outcome's; c learns its
     * labeled events in order.
     */
    private static Map<String, LinearModel> reference(InertiaConfig config) {
        OnlineLearner learner = config.learner();
        Map<String, LinearModel> models = new TreeMap<>();
        for (String model : List.of("a", "b", "c")) {
            LinearModel linear = learner.newModel();
            for (int i = 0; i < EVENTS; i++) {
                if (model.equals("c") || hasOutcome(i)) {
                    double weight = model.equals("c") ? 1.0 : outcomeWeight(i);
                    learner.learn(linear, Example.of(null, new String[] {"x", "k"},
                            new double[] {feature(model, i), 1.0}, label(model, i), weight));
                }
            }
            models.put(model, linear);
        }
        return models;
    }

    /** Events [fromEvent, toEvent) of a, b and c, then the outcomes of events [fromOutcome, toOutcome) of a, b. */
    private static List<EventFeeder.Routed> records(InertiaConfig config, int fromEvent, int toEvent, int fromOutcome,
            int toOutcome) {
        List<EventFeeder.Routed> records = new ArrayList<>();
        for (int i = fromEvent; i < toEvent; i++) {
            for (String model : List.of("a", "b", "c")) {
                LabeledEvent event = LabeledEvent.newBuilder().setModelKey(model).setNamedFeatures(features(model, i))
                        .setEventId(model + "-" + i).setLabel(model.equals("c") ? label(model, i) : null).build();
                records.add(new EventFeeder.Routed(config.inputTopic(), new TrainingEvents.Event(model,
                        InertiaSerdes.labeledEvent().serialize(config.inputTopic(), event), eventTime(i))));
            }
        }
        for (int i = fromOutcome; i < toOutcome; i++) {
            for (String model : List.of("a", "b")) {
                if (hasOutcome(i)) {
                    records.add(outcome(config, model, model + "-" + i, label(model, i), outcomeWeight(i),
                            outcomeTime(i)));
                }
            }
        }
        return records;
    }

    private static EventFeeder.Routed outcome(InertiaConfig config, String model, String id, double label,
            double weight, long timestamp) {
        return new EventFeeder.Routed(config.outcomeTopic(), new TrainingEvents.Event(model,
                InertiaSerdes.outcome().serialize(config.outcomeTopic(), new Outcome(model, id, label, weight)),
                timestamp));
    }

    /** Sends {@code records} in order, and fails if any was not delivered. */
    private void send(List<EventFeeder.Routed> records) {
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), records, records.size())) {
            feeder.sendAll();
        }
    }

    /** Waits until every model's latest snapshot is at its version; returns them. */
    private static SortedMap<String, ModelSnapshot> awaitVersions(InertiaConfig config, Map<String, Long> versions)
            throws Exception {
        SortedMap<String, ModelSnapshot> latest = new TreeMap<>();
        EmbeddedKafka.await(PHASE, "models at versions " + versions, () -> {
            try (SnapshotReader reader = new SnapshotReader(config)) {
                latest.clear();
                latest.putAll(reader.latest(null));
            }
            return versions.entrySet().stream().allMatch(model -> latest.containsKey(model.getKey())
                    && latest.get(model.getKey()).getVersion() == model.getValue());
        });
        return latest;
    }
}
