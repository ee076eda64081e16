package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Outcome;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.avro.Prediction;
import io.inertia.avro.ServedPrediction;
import io.inertia.config.InertiaConfig;
import io.inertia.join.LearnLog;
import io.inertia.join.OutcomeJoiner;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology of {@code inertia.outcome.join=true}: the outcome joiner before the learner, driven by
 * {@link TopologyTestDriver} with events on the input topic and outcomes on theirs. Squared loss, plain SGD (momentum
 * 0), η = 0.1, so that every update is computed by hand below: z = w·x + b, and with sample weight s each weight the
 * event carries moves by −η·s·(z − y)·x, the bias by −η·s·(z − y).
 */
class DelayedOutcomeTopologyTest {

    private static final double EXACT = 1e-12;

    @TempDir
    Path stateDirs;

    private final List<TopologyTestDriver> drivers = new ArrayList<>();
    private final Decisions decisions = new Decisions();
    private InertiaConfig config;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> events;
    private TestInputTopic<byte[], byte[]> outcomes;

    @AfterEach
    void close() {
        drivers.forEach(TopologyTestDriver::close);
    }

    private void start(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("inertia.outcome.join", "true", "inertia.learning-rate", "0.1",
                "inertia.momentum", "0", "inertia.outcome.window.ms", "1000", "inertia.snapshot-every", "1"));
        all.putAll(settings);
        config = InertiaConfig.of(all);
        driver = driver(config, decisions);
        events = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        outcomes = driver.createInputTopic(config.outcomeTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    private TopologyTestDriver driver(InertiaConfig settings, LearningObserver observer) throws Exception {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "delayed-outcome-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "state").toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        TopologyTestDriver created = new TopologyTestDriver(InertiaTopology.build(settings, observer), properties);
        drivers.add(created);
        return created;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void event(String id, Map<String, Double> features, Double label, long timestamp) {
        events.pipeInput(utf8("m"), InertiaSerdes.labeledEvent().serialize(config.inputTopic(), LabeledEvent
                .newBuilder().setModelKey("m").setNamedFeatures(features).setLabel(label).setEventId(id).build()),
                timestamp);
    }

    private void outcome(String id, double label, double weight, long timestamp) {
        outcomes.pipeInput(utf8("m"), InertiaSerdes.outcome().serialize(config.outcomeTopic(),
                new Outcome("m", id, label, weight)), timestamp);
    }

    private void heartbeat(long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]);
        outcomes.pipeInput(new TestRecord<>(null, null, headers, timestamp));
    }

    private List<ModelSnapshot> snapshots(TopologyTestDriver from) {
        return from.createOutputTopic(config.snapshotTopic(), new StringDeserializer(), InertiaSerdes.modelSnapshot())
                .readValuesToList();
    }

    private List<Prediction> predictions(TopologyTestDriver from) {
        return from.createOutputTopic(config.predictionTopic(), new StringDeserializer(), InertiaSerdes.prediction())
                .readValuesToList();
    }

    private List<TestRecord<byte[], byte[]>> learnLog() {
        return driver.createOutputTopic(config.learnLogTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer()).readRecordsToList();
    }

    private List<String> deadLetterReasons() {
        List<String> reasons = new ArrayList<>();
        for (TestRecord<byte[], byte[]> letter : driver.createOutputTopic(config.deadLetterTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer()).readRecordsToList()) {
            reasons.add(TopologyHarness.header(letter, DeadLetterHeaders.REASON));
        }
        return reasons;
    }

    /** Scores and joins, learns labeled events between, and counts the outcomes it cannot join. */
    private void playJoinsAndRefusals() {
        // e1 {a: 2} at 1000, scored by the new model: z = 0.
        event("e1", Map.of("a", 2.0), null, 1000L);
        // Its outcome y = 1 with weight 2 at 1200: learned with s = 1 · 2, z = 0: w_a = 0 − 0.1·2·(0 − 1)·2 = 0.4,
        // b = 0 − 0.1·2·(0 − 1) = 0.2.
        outcome("e1", 1.0, 2.0, 1200L);
        // A labeled event {a: 1} → 1, passed on: z = 0.6, w_a = 0.4 − 0.1·(−0.4)·1 = 0.44, b = 0.24.
        event("e0", Map.of("a", 1.0), 1.0, 1300L);
        // A second outcome of e1: a dead letter, counted, nothing learned.
        outcome("e1", 0.0, 1.0, 1400L);
        // An outcome whose event never comes: waits until the event side passes 1500 + 1000.
        outcome("e9", 1.0, 1.0, 1500L);
        // e2 {b: 1} at 1600, scored; no default label, so it expires unlearned when the outcome side passes 2600.
        event("e2", Map.of("b", 1.0), null, 1600L);
        heartbeat(2700L);
        // The event side reaches 2600 > 2500: e9 is unmatched, decided before this event is learned.
        // {c: 1} → 0: z = b = 0.24, w_c = −0.1·0.24 = −0.024, b = 0.24 − 0.024 = 0.216.
        event("e3", Map.of("c", 1.0), 0.0, 2600L);
    }

    @Test
    void shouldLearnJoinedEventsAndLabeledOnesInOrderAndOnlyCountWhatCannotBeJoined() throws Exception {
        start(Map.of());
        playJoinsAndRefusals();

        List<ModelSnapshot> snapshots = snapshots(driver);
        assertEquals(List.of(1L, 2L, 3L), snapshots.stream().map(ModelSnapshot::getVersion).toList(),
                "three updates: the join, and the two labeled events");
        ModelSnapshot joined = snapshots.get(0);
        assertEquals(0.4, joined.getNamedWeights().get("a"), EXACT);
        assertEquals(0.2, joined.getBias(), EXACT);
        assertEquals(config.outcomeTopic(), joined.getInputPosition().getTopic(),
                "learned when the outcome was read, at its position");
        assertEquals(0L, joined.getInputPosition().getOffset());
        assertEquals(1200L, joined.getLastEventTimestamp());
        ModelSnapshot last = snapshots.get(2);
        assertEquals(0.44, last.getNamedWeights().get("a"), EXACT);
        assertEquals(-0.024, last.getNamedWeights().get("c"), EXACT);
        assertNull(last.getNamedWeights().get("b"), "the expired event was never learned");
        assertEquals(0.216, last.getBias(), EXACT);
        assertEquals(config.inputTopic(), last.getInputPosition().getTopic());
        assertEquals(3L, last.getInputPosition().getOffset(), "the fourth event");
        // Per model, in the snapshot: SCORED, JOINED, DEFAULTED, EXPIRED, DUPLICATE_OUTCOME, LATE_OUTCOME,
        // UNMATCHED_OUTCOME, DUPLICATE_EVENT; e1 was served 0 and learned at 0 with label 1: ½(0 − 1)² twice.
        OutcomeMetrics outcomes = last.getOutcomes();
        assertEquals(List.of(2L, 1L, 0L, 1L, 1L, 0L, 1L, 0L), outcomes.getCounts());
        assertEquals(List.of(0.5, 0.0, 0.5, 0.0), outcomes.getLossSums());
        // Its delay, 200 ms: 128 ≤ 200 < 256 is k = 4, s = ⌊200 / 16⌋ − 8 = 4, bucket 8 + 8k + s = 44.
        assertEquals(List.of(44), outcomes.getDelayBuckets());
        assertEquals(List.of(1L), outcomes.getDelayCounts());
        assertEquals(List.of(1L, 1L, 0L, 0L, 0L, 0L, 0L, 0L), joined.getOutcomes().getCounts(),
                "the join's snapshot counts the join");

        // Each event without label is published as scored (label and loss null), and each update's prediction
        // before it, the join's with the outcome's label (test-then-train).
        List<Prediction> predictions = predictions(driver);
        assertEquals(List.of("e1", "e1", "e0", "e2", "e3"), predictions.stream().map(Prediction::getEventId).toList());
        Prediction scored = predictions.get(0);
        assertEquals(0.0, scored.getPrediction(), EXACT);
        assertNull(scored.getLabel());
        assertNull(scored.getLoss());
        Prediction joinedPrediction = predictions.get(1);
        assertEquals(0.0, joinedPrediction.getPrediction(), EXACT);
        assertEquals(1.0, joinedPrediction.getLabel());
        assertEquals(0.5, joinedPrediction.getLoss(), EXACT, "½(0 − 1)²");
        assertEquals(0L, joinedPrediction.getModelVersion());
        // e2 {b: 1} scored by the model at version 2: z = w_b + b = 0 + 0.24.
        assertEquals(0.24, predictions.get(3).getPrediction(), EXACT);
        assertEquals(2L, predictions.get(3).getModelVersion());
        assertNull(predictions.get(3).getLabel());

        assertEquals(List.of("SCORED", "JOINED", "DUPLICATE_OUTCOME", "SCORED", "EXPIRED", "UNMATCHED_OUTCOME"),
                decisions.seen, "every decision reaches the learner, in order");
        assertEquals(List.of("JOINED 0.5 200"), decisions.evaluated,
                "e1 was served 0 and learned with label 1: ½(0 − 1)², its outcome 200 ms after it");
        List<String> reasons = deadLetterReasons();
        assertEquals(2, reasons.size(), reasons.toString());
        assertTrue(reasons.get(0).startsWith("duplicate outcome"), reasons.get(0));
        assertTrue(reasons.get(1).startsWith("unmatched outcome"), reasons.get(1));
    }

    @Test
    void shouldLearnAnEventWithoutOutcomeWithTheDefaultLabelAndWeightAtItsDeadline() throws Exception {
        start(Map.of("inertia.outcome.default-label", "0", "inertia.outcome.default-weight", "0.5"));
        // {a: 1} → 1: z = 0, w_a = 0.1, b = 0.1.
        event("e0", Map.of("a", 1.0), 1.0, 500L);
        // e1 {a: 2}: served z = 0.3; no outcome. The outcome side passes its deadline 2000 at 2001.
        event("e1", Map.of("a", 2.0), null, 1000L);
        heartbeat(2000L);
        assertEquals(1, snapshots(driver).size(), "an outcome exactly at the deadline would still join");
        heartbeat(2001L);
        // Learned with y = 0, s = 1 · 0.5: w_a = 0.1 − 0.1·0.5·0.3·2 = 0.07, b = 0.1 − 0.1·0.5·0.3 = 0.085.
        List<ModelSnapshot> snapshots = snapshots(driver);
        assertEquals(1, snapshots.size());
        assertEquals(2L, snapshots.get(0).getVersion());
        assertEquals(0.07, snapshots.get(0).getNamedWeights().get("a"), EXACT);
        assertEquals(0.085, snapshots.get(0).getBias(), EXACT);
        assertEquals(2001L, snapshots.get(0).getLastEventTimestamp(), "learned when the heartbeat was read");
        List<Prediction> predictions = predictions(driver);
        assertEquals(3, predictions.size(), "e0 learned, e1 scored, e1 defaulted");
        assertNull(predictions.get(1).getLabel());
        Prediction defaulted = predictions.get(2);
        assertEquals("e1", defaulted.getEventId());
        assertEquals(0.3, defaulted.getPrediction(), EXACT);
        assertEquals(0.0, defaulted.getLabel());
        assertEquals(List.of("SCORED", "DEFAULTED"), decisions.seen);
        assertEquals(List.of("DEFAULTED 0.045 -1"), decisions.evaluated, "served 0.3, learned with 0: ½·0.3²");
    }

    @Test
    void shouldPublishThePredictionAClientWasServedAndJoinItsEventLater() throws Exception {
        start(Map.of());
        events.pipeInput(utf8("m"), InertiaSerdes.labeledEvent().serialize(config.inputTopic(), LabeledEvent
                .newBuilder().setModelKey("m").setNamedFeatures(Map.of("a", 2.0)).setEventId("e1")
                .setServedPrediction(new ServedPrediction(0.7, 0.7, 5L)).build()), 1000L);
        outcome("e1", 1.0, 1.0, 1100L);
        List<Prediction> predictions = predictions(driver);
        assertEquals(2, predictions.size());
        assertEquals(0.7, predictions.get(0).getPrediction(), "exactly what the client got, not scored again");
        assertEquals(5L, predictions.get(0).getModelVersion());
        assertNull(predictions.get(0).getLabel());
        assertEquals(0.0, predictions.get(1).getPrediction(), EXACT, "learned by the model as it is");
        assertEquals(1L, snapshots(driver).get(0).getVersion());
    }

    @Test
    void shouldWriteToTheLearnLogExactlyWhatTheLearnerAppliesSoThatTheLogAloneRebuildsEverySnapshot()
            throws Exception {
        start(Map.of());
        playJoinsAndRefusals();
        List<TestRecord<byte[], byte[]>> log = learnLog();
        List<String> kinds = new ArrayList<>();
        for (TestRecord<byte[], byte[]> record : log) {
            kinds.add(LearnLog.isDecision(record.headers())
                    ? new LearnLog(false).read("learn-log", record.value()).getDecision().name() : "EVENT");
        }
        assertEquals(List.of("SCORED", "JOINED", "EVENT", "DUPLICATE_OUTCOME", "SCORED", "EXPIRED",
                "UNMATCHED_OUTCOME", "EVENT"), kinds);
        LearnLogEntry joined = new LearnLog(false).read("learn-log", log.get(1).value());
        assertEquals(List.of("a"), joined.getFeatureNames());
        assertEquals(2.0, joined.getWeight(), "the event's weight times the outcome's");

        // The learner alone (no joiner), reading the learn log as its input, as `replay --topic learn-log` does.
        TopologyTestDriver replay = driver(InertiaConfig.of(Map.of("inertia.learning-rate", "0.1",
                "inertia.momentum", "0", "inertia.snapshot-every", "1", "inertia.topic.input",
                config.learnLogTopic())), LearningObserver.NONE);
        TestInputTopic<byte[], byte[]> input = replay.createInputTopic(config.learnLogTopic(),
                new ByteArraySerializer(), new ByteArraySerializer());
        for (TestRecord<byte[], byte[]> record : log) {
            input.pipeInput(new TestRecord<>(record.key(), record.value(), record.headers(), record.timestamp()));
        }
        assertRecordsEqual(driver, replay, config.snapshotTopic());
        assertRecordsEqual(driver, replay, config.predictionTopic());
    }

    /** Every record of {@code topic} that {@code replay} wrote has the bytes {@code live} wrote, in the same order. */
    private static void assertRecordsEqual(TopologyTestDriver live, TopologyTestDriver replay, String topic) {
        List<TestRecord<byte[], byte[]>> expected = live.createOutputTopic(topic, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()).readRecordsToList();
        List<TestRecord<byte[], byte[]>> actual = replay.createOutputTopic(topic, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()).readRecordsToList();
        assertTrue(!expected.isEmpty(), topic + " was written");
        assertEquals(expected.size(), actual.size(), topic);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).key(), actual.get(i).key(), topic + " record " + i);
            assertArrayEquals(expected.get(i).value(), actual.get(i).value(), topic + " record " + i);
            assertEquals(expected.get(i).timestamp(), actual.get(i).timestamp(), topic + " record " + i);
        }
    }

    /** Records the decisions the learner applied, in order. */
    private static final class Decisions implements LearningObserver {
        final List<String> seen = new ArrayList<>();
        final List<String> evaluated = new ArrayList<>();

        @Override
        public void learned(String modelKey, long version, double loss, double runningLoss) {
        }

        @Override
        public void rejected(String reason) {
        }

        @Override
        public void decided(String modelKey, String decision) {
            seen.add(decision);
        }

        @Override
        public void evaluated(String modelKey, String decision, double servedLoss, long delayMs) {
            evaluated.add(decision + " " + Math.round(servedLoss * 1e9) / 1e9 + " " + delayMs);
        }
    }
}
