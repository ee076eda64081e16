package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Outcome;
import io.inertia.config.InertiaConfig;
import io.inertia.join.LearnLog;
import io.inertia.model.DelayedOutcomeMetrics.Decision;
import io.inertia.replay.Replay;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.TopicRange;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia run} with the outcome joiner, in a child JVM SIGKILLed three times while it joins (as
 * {@link ExactlyOnceCrashIT} kills the learner), each time restarted on the same state directory: every decision of
 * the stream is in the committed learn log exactly once — each outcome learned once, each event decided once — its
 * counts are those the stream implies, computed here from the stream's ids and times alone, and a replay of the learn
 * log by the learner alone publishes the live snapshots byte for byte.
 *
 * <p>The stream is built so that its decisions do not depend on how a task interleaves its two partitions (the
 * arrival order the kills disturb): each topic's partition is in time order, every joined outcome is within W of its
 * event, every late outcome within W/2 after the window and every duplicate within 2W of its event (so the decided id
 * is still remembered when it is read). At the end, per model, an outcome for an unknown id 3W after the last event
 * moves the outcome clock past every deadline (the events without outcome are defaulted) and an event without id 5W
 * after it moves the event clock past every waiting outcome (the unknown ids end unmatched). No heartbeats: nothing
 * depends on the wall clock.
 */
@Tag("integration")
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DelayedOutcomesCrashIT {

    /** Replay a run with {@code -Dinertia.it.seed=N}: the stream and the kill moments. */
    private static final long SEED = Long.getLong("inertia.it.seed", 20_261_205L);
    private static final List<String> MODELS = List.of("ads", "feed", "mail", "shop");
    private static final int EVENTS = 6000;
    /** Record time between consecutive events (of any model), ms. */
    private static final long STEP = 10;
    private static final long WINDOW = 2000;
    private static final int PARTITIONS = 2;
    private static final int SNAPSHOT_EVERY = 250;
    /** How far the input may run ahead of what the learner committed, in records. */
    private static final int AHEAD = 2500;
    private static final Duration PHASE = Duration.ofSeconds(60);
    private static final String APP = "delayed-crash";
    private static final String EVENTS_TOPIC = APP + "-events";
    private static final String OUTCOMES_TOPIC = APP + "-outcomes";
    private static final String LEARN_LOG_TOPIC = APP + "-learn-log";

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    /** What the stream implies, per model: the decision of every event id, and the count of every decision kind. */
    private static final class Expected {
        final Map<String, Map<String, Decision>> byId = new TreeMap<>();
        final Map<String, EnumMap<Decision, Long>> counts = new TreeMap<>();

        void count(String model, Decision kind) {
            counts.computeIfAbsent(model, key -> zeros()).merge(kind, 1L, Long::sum);
        }

        void decide(String model, String id, Decision kind) {
            byId.computeIfAbsent(model, key -> new TreeMap<>()).put(id, kind);
            count(model, kind);
        }

        long learned(String model) {
            return counts.get(model).get(Decision.JOINED) + counts.get(model).get(Decision.DEFAULTED);
        }

        long total() {
            return counts.values().stream().flatMap(kinds -> kinds.values().stream()).mapToLong(Long::longValue)
                    .sum();
        }
    }

    @Test
    void shouldDecideEveryEventAndOutcomeExactlyOnceWhenKilledWhileJoining() throws Exception {
        InertiaConfig config = cluster.config(settings());
        // The replay of the learn log runs the learner alone.
        InertiaConfig learnerAlone = config.with(Map.of("inertia.outcome.join", "false"));
        KafkaSetup.ensureTopics(config, true);
        Expected expected = new Expected();
        // Times start now so that the broker's time-based retention keeps the records.
        List<EventFeeder.Routed> stream = stream(new Random(SEED), System.currentTimeMillis(), expected);
        cluster.log("seed %d: %d records, expected decisions %s", SEED, stream.size(), expected.counts);

        Random moments = new Random(SEED + 1);
        int kills = 0;
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), stream, AHEAD)) {
            for (double share : new double[] {0.15, 0.45, 0.75}) {
                long killAt = Math.round(stream.size() * (share + 0.1 * moments.nextDouble()));
                ChildLearner learner = startLearner();
                learner.await(PHASE, "at least " + killAt + " committed input records",
                        () -> feeder.topUp(APP) >= killAt);
                assertEquals(ChildLearner.KILLED, learner.kill(), learner + " ends by SIGKILL");
                kills++;
                cluster.log("SIGKILLed %s at >= %d of %d committed input records", learner, killAt, stream.size());
            }
            ChildLearner last = startLearner();
            last.await(PHASE, "every input record committed", () -> feeder.topUp(APP) == stream.size());
            cluster.log("stopped %s with SIGTERM: exit %d", last, last.stop());
        }
        assertEquals(3, kills);

        // The committed learn log: each id's decision once, the counts exactly those of the stream.
        Expected logged = new Expected();
        LearnLog codec = new LearnLog(false);
        for (ConsumerRecord<byte[], byte[]> record : cluster.kafka().readCommitted(LEARN_LOG_TOPIC, PHASE)) {
            assertTrue(LearnLog.isDecision(record.headers()), "every event of the stream is without label");
            LearnLogEntry entry = codec.read(LEARN_LOG_TOPIC, record.value());
            Decision kind = Decision.valueOf(entry.getDecision().name());
            String model = entry.getModelKey();
            if (kind == Decision.JOINED || kind == Decision.DEFAULTED || kind == Decision.EXPIRED) {
                Decision earlier = logged.byId.getOrDefault(model, Map.of()).get(entry.getEventId());
                assertEquals(null, earlier, model + "/" + entry.getEventId() + " decided twice: " + earlier
                        + ", then " + kind);
                logged.decide(model, entry.getEventId(), kind);
            } else {
                logged.count(model, kind);
            }
        }
        assertEquals(expected.counts, logged.counts, "decisions of each kind per model in the learn log");
        assertEquals(expected.byId, logged.byId, "the decision of each event id");

        // `inertia replay --topic learn-log`: the learner alone over the log publishes what the live learner did.
        Path replayed = work.resolve("replayed.avro");
        Replay.Summary summary = Replay.run(new Replay.TopicRequest(LEARN_LOG_TOPIC, TopicRange.Bound.unbounded(),
                TopicRange.Bound.unbounded(), replayed, learnerAlone));
        assertEquals(expected.total(), summary.events(), "learn-log records replayed");
        assertEquals(0, summary.rejected());
        Map<String, List<byte[]>> replayedBodies = DeterministicReplayIT.avroBodiesByModel(replayed);
        Map<String, List<SnapshotLog.Entry>> live;
        try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), config.snapshotTopic(), true)) {
            live = log.catchUp().byModel();
        }
        for (String model : MODELS) {
            List<byte[]> liveBodies = SnapshotLog.values(live.get(model)).stream()
                    .map(value -> Arrays.copyOfRange(value, 10, value.length)).toList();
            List<byte[]> bodies = replayedBodies.get(model);
            long learned = expected.learned(model);
            // The replay ends with the final state: one snapshot more when its version is not a multiple of N.
            assertEquals(liveBodies.size() + (learned % SNAPSHOT_EVERY == 0 ? 0 : 1), bodies.size(),
                    model + ": snapshots replayed");
            SnapshotLog.assertSameBytes(model + ": replay of the learn log vs live", liveBodies,
                    bodies.subList(0, liveBodies.size()));
            ModelSnapshot last = decode(bodies.get(bodies.size() - 1));
            assertEquals(learned, last.getVersion(), model + ": one update per joined or defaulted event");
            // Every decision up to the last update is in its snapshot: all but the closing event's and some of
            // the unmatched outcomes'.
            List<Long> counts = last.getOutcomes().getCounts();
            for (Decision kind : List.of(Decision.JOINED, Decision.DEFAULTED, Decision.EXPIRED,
                    Decision.DUPLICATE_OUTCOME, Decision.LATE_OUTCOME, Decision.DUPLICATE_EVENT)) {
                assertEquals(expected.counts.get(model).get(kind), counts.get(kind.ordinal()),
                        model + ": " + kind + " in its final snapshot");
            }
        }

        // `inertia replay --topic EVENTS --outcomes-topic OUTCOMES`: the raw topics merged by time. The arrival
        // order live was not time order, so the models may differ in the order of their updates, but not in what
        // was decided: the stream's decisions do not depend on the interleaving.
        Path raw = work.resolve("raw.avro");
        Replay.Summary rawSummary = Replay.run(new Replay.JoinedTopicRequest(EVENTS_TOPIC, OUTCOMES_TOPIC,
                TopicRange.Bound.unbounded(), TopicRange.Bound.unbounded(), raw, config), Replay.Extras.none());
        assertEquals(stream.size(), rawSummary.events(), "raw records replayed");
        Map<String, List<byte[]>> rawBodies = DeterministicReplayIT.avroBodiesByModel(raw);
        for (String model : MODELS) {
            List<byte[]> bodies = rawBodies.get(model);
            ModelSnapshot last = decode(bodies.get(bodies.size() - 1));
            assertEquals(expected.learned(model), last.getVersion(), model + ": raw replay's updates");
            List<Long> counts = last.getOutcomes().getCounts();
            for (Decision kind : List.of(Decision.JOINED, Decision.DEFAULTED, Decision.EXPIRED,
                    Decision.DUPLICATE_OUTCOME, Decision.LATE_OUTCOME, Decision.DUPLICATE_EVENT)) {
                assertEquals(expected.counts.get(model).get(kind), counts.get(kind.ordinal()),
                        model + ": " + kind + " in the raw replay's final snapshot");
            }
        }
        cluster.log("done: %d learners, learn log, its replay and the raw replay checked", cluster.incarnations());
    }

    /**
     * The stream, merged in time order, and what it implies in {@code expected}: event i (of a model drawn at random)
     * at {@code start + STEP·i}; then for 35% an outcome 0..W after it (an eighth of them exactly W after: the edge
     * joins), a tenth of those sent a second time within W/2 after the first; for 5% an outcome 1..W/2 ms after the
     * window (late: the event is defaulted first); for 1% an outcome for an unknown id; the rest no outcome.
     */
    private static List<EventFeeder.Routed> stream(Random random, long start, Expected expected) {
        List<EventFeeder.Routed> records = new ArrayList<>();
        var events = InertiaSerdes.labeledEvent();
        Map<String, Long> lastEvent = new TreeMap<>();
        for (int i = 0; i < EVENTS; i++) {
            String model = MODELS.get(random.nextInt(MODELS.size()));
            String id = "e" + i;
            long time = start + STEP * i;
            lastEvent.put(model, time);
            LinkedHashMap<String, Double> features = new LinkedHashMap<>();
            features.put("x" + random.nextInt(6), random.nextGaussian());
            features.put("x" + (6 + random.nextInt(6)), random.nextGaussian());
            features.put("bias", 1.0);
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey(model).setNamedFeatures(features)
                    .setEventId(id).setLabel(null).setWeight(0.5 + random.nextInt(3) * 0.5).build();
            records.add(record(EVENTS_TOPIC, model, events.serialize(EVENTS_TOPIC, event), time));
            expected.count(model, Decision.SCORED);
            double draw = random.nextDouble();
            double label = random.nextInt(2);
            double weight = random.nextBoolean() ? 1.0 : 2.0;
            if (draw < 0.35) {
                long at = time + (random.nextInt(8) == 0 ? WINDOW : random.nextLong(WINDOW + 1));
                records.add(outcome(model, id, label, weight, at));
                expected.decide(model, id, Decision.JOINED);
                if (random.nextInt(10) == 0) {
                    records.add(outcome(model, id, 1 - label, weight, at + random.nextLong(WINDOW / 2)));
                    expected.count(model, Decision.DUPLICATE_OUTCOME);
                }
            } else if (draw < 0.40) {
                records.add(outcome(model, id, label, weight, time + WINDOW + 1 + random.nextLong(WINDOW / 2)));
                expected.decide(model, id, Decision.DEFAULTED);
                expected.count(model, Decision.LATE_OUTCOME);
            } else {
                expected.decide(model, id, Decision.DEFAULTED);
            }
            if (random.nextInt(100) == 0) {
                records.add(outcome(model, "unknown-" + i, label, 1.0, time + random.nextLong(WINDOW)));
                expected.count(model, Decision.UNMATCHED_OUTCOME);
            }
        }
        for (String model : MODELS) {
            long last = lastEvent.get(model);
            records.add(outcome(model, "closing-" + model, 1.0, 1.0, last + 3 * WINDOW));
            expected.count(model, Decision.UNMATCHED_OUTCOME);
            LabeledEvent closing = LabeledEvent.newBuilder().setModelKey(model)
                    .setNamedFeatures(new LinkedHashMap<>(Map.of("bias", 1.0))).setLabel(null).build();
            records.add(record(EVENTS_TOPIC, model, events.serialize(EVENTS_TOPIC, closing), last + 5 * WINDOW));
            expected.count(model, Decision.SCORED);
        }
        for (EnumMap<Decision, Long> kinds : expected.counts.values()) {
            for (Decision kind : Decision.values()) {
                kinds.putIfAbsent(kind, 0L);
            }
        }
        // Stable: records of equal time keep the order they were made in.
        records.sort(Comparator.comparingLong(routed -> routed.event().timestamp()));
        return records;
    }

    private static EventFeeder.Routed outcome(String model, String id, double label, double weight, long time) {
        return record(OUTCOMES_TOPIC, model, InertiaSerdes.outcome().serialize(OUTCOMES_TOPIC,
                new Outcome(model, id, label, weight)), time);
    }

    private static EventFeeder.Routed record(String topic, String model, byte[] value, long time) {
        return new EventFeeder.Routed(topic, new TrainingEvents.Event(model, value, time));
    }

    private static EnumMap<Decision, Long> zeros() {
        EnumMap<Decision, Long> counts = new EnumMap<>(Decision.class);
        for (Decision kind : Decision.values()) {
            counts.put(kind, 0L);
        }
        return counts;
    }

    private static ModelSnapshot decode(byte[] body) throws java.io.IOException {
        return new SpecificDatumReader<>(ModelSnapshot.class).read(null,
                DecoderFactory.get().binaryDecoder(body, null));
    }

    /** The settings of the learner and its joiner. */
    private Map<String, String> settings() {
        Map<String, String> settings = KafkaFixture.application(APP, work);
        settings.put("inertia.topic.input", EVENTS_TOPIC);
        settings.put("inertia.topic.outcomes", OUTCOMES_TOPIC);
        settings.put("inertia.topic.learn-log", LEARN_LOG_TOPIC);
        settings.put("inertia.topic.partitions", Integer.toString(PARTITIONS));
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put("inertia.outcome.window.ms", Long.toString(WINDOW));
        settings.put("inertia.outcome.default-label", "0");
        settings.put("inertia.outcome.heartbeat-ms", "0");
        settings.put("inertia.outcome.join", "true");
        return settings;
    }

    private ChildLearner startLearner() throws Exception {
        Map<String, String> properties = settings();
        List<String> arguments = List.of("--application-id", properties.remove(StreamsConfig.APPLICATION_ID_CONFIG),
                "--state-dir", properties.remove(StreamsConfig.STATE_DIR_CONFIG));
        // A SIGKILLed member stays in the group until its session times out; the broker's minimum keeps restarts short.
        properties.put("session.timeout.ms", "6000");
        properties.put("heartbeat.interval.ms", "1000");
        ChildLearner learner = cluster.startIncarnation(work, arguments, properties, ChildLearner.DEFAULT_HEAP);
        cluster.log("started %s", learner);
        return learner;
    }
}
