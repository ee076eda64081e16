package io.inertia.join;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.JoinDecision;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.Outcome;
import io.inertia.avro.ServedPrediction;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.DeadLetterHeaders;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The joiner node in a topology of its own (the sources, the joiner with its stores, the learn-log and dead-letter
 * sinks), driven by {@link TopologyTestDriver}; the scorer is a {@link ModelScorer} over one model trained by hand.
 *
 * <p>Model m (squared loss, momentum β = 0.9, η = 0.1) after {a: 1} → 1 and {c: 1} → 1 (see
 * {@code ReadOnlyScoreTest}): for {a: 2} it predicts 0.66 at version 2.
 */
class OutcomeJoinTopologyTest {

    private static final double EXACT = 1e-12;

    @TempDir
    Path stateDirs;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> events;
    private TestInputTopic<byte[], byte[]> outcomes;
    private TestOutputTopic<byte[], byte[]> learnLog;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(Map<String, String> settings, int inputPartitions) throws Exception {
        Map<String, String> all = new HashMap<>(Map.of("inertia.learning-rate", "0.1", "inertia.momentum", "0.9",
                "inertia.outcome.window.ms", "1000"));
        all.putAll(settings);
        InertiaConfig config = InertiaConfig.of(all);
        OnlineLearner learner = config.learner();
        LinearModel model = learner.newModel();
        for (String name : List.of("a", "c")) {
            learner.learn(model, config.hashBits() == 0 ? Example.of(null, Map.of(name, 1.0), 1.0, 1.0)
                    : Example.hashed(null, Map.of(name, 1.0), io.inertia.model.FeatureHasher.of(config.hashBits()),
                            1.0, 1.0));
        }
        Map<String, LinearModel> models = Map.of("m", model);

        Topology topology = new Topology();
        topology.addSource(InertiaTopology.SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.inputTopic());
        OutcomeJoiner.addTo(topology, config, inputPartitions, InertiaTopology.SOURCE,
                context -> new ModelScorer(learner, config.hashBits(), models::get), null, LearningObserver.NONE);
        topology.addSink(InertiaTopology.DEAD_LETTER_SINK, config.deadLetterTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), OutcomeJoiner.NAME);

        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "outcome-join-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "state").toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        driver = new TopologyTestDriver(topology, properties);
        events = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        outcomes = driver.createInputTopic(config.outcomeTopic(), new ByteArraySerializer(),
                new ByteArraySerializer());
        learnLog = driver.createOutputTopic(config.learnLogTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    private void start() throws Exception {
        start(Map.of(), 0);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] event(String id, Double label, ServedPrediction served, double a) {
        return InertiaSerdes.labeledEvent().serialize("labeled-events", LabeledEvent.newBuilder().setModelKey("m")
                .setNamedFeatures(Map.of("a", a)).setLabel(label).setEventId(id).setServedPrediction(served)
                .build());
    }

    private static byte[] outcome(String id, double label, double weight) {
        return InertiaSerdes.outcome().serialize("outcomes", new Outcome("m", id, label, weight));
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static LearnLogEntry decision(TestRecord<byte[], byte[]> record) {
        assertTrue(LearnLog.isDecision(record.headers()), "a decision record");
        LearnLogEntry entry = new LearnLog(false).read("learn-log", record.value());
        assertEquals(entry.getDecision().name(), header(record, LearnLog.DECISION_HEADER));
        assertEquals("m", new String(record.key(), StandardCharsets.UTF_8), "keyed by model key");
        return entry;
    }

    @Test
    void shouldPassAnEventWithItsLabelOnUnreadSayingWhereItWasRead() throws Exception {
        start();
        byte[] value = event("e0", 2.5, null, 1.0);
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", utf8("t-9"));
        events.pipeInput(new TestRecord<>(utf8("m"), value, headers, 700L));

        TestRecord<byte[], byte[]> logged = learnLog.readRecord();
        assertArrayEquals(value, logged.value(), "the input's bytes, not encoded again");
        assertArrayEquals(utf8("m"), logged.key());
        assertEquals(700L, logged.timestamp());
        assertEquals("t-9", header(logged, "trace"), "its own headers kept");
        assertEquals("labeled-events/0/0/0", header(logged, LearnLog.INPUT_HEADER));
        assertEquals(new LearnLog.InputPosition("labeled-events", 0, 0, 0),
                LearnLog.InputPosition.of(logged.headers()));
        assertTrue(!LearnLog.isDecision(logged.headers()));
        assertTrue(learnLog.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void shouldScoreAnEventWithoutLabelAndLogItsJoinWhenItsOutcomeArrives() throws Exception {
        start();
        events.pipeInput(utf8("m"), event("e1", null, null, 2.0), 1000L);

        LearnLogEntry scored = decision(learnLog.readRecord());
        assertEquals(JoinDecision.SCORED, scored.getDecision());
        assertEquals("e1", scored.getEventId());
        assertEquals(0.66, scored.getServedPrediction().getPrediction(), EXACT, "worked by hand");
        assertEquals(0.66, scored.getServedPrediction().getScore(), EXACT);
        assertEquals(2L, scored.getServedPrediction().getModelVersion());
        assertNull(scored.getLabel());
        assertNull(scored.getFeatureNames(), "the features come with the decision that ends the wait");
        assertEquals(List.of("labeled-events", 0, 0L, 0), List.of(scored.getInputTopic(), scored.getInputPartition(),
                scored.getInputOffset(), scored.getInputIndex()));

        outcomes.pipeInput(utf8("m"), outcome("e1", 1.5, 0.5), 1500L);

        TestRecord<byte[], byte[]> record = learnLog.readRecord();
        assertEquals(1500L, record.timestamp(), "handed over while the outcome was processed");
        LearnLogEntry joined = decision(record);
        assertEquals(JoinDecision.JOINED, joined.getDecision());
        assertEquals(List.of("a"), joined.getFeatureNames(), "the features as scored");
        assertEquals(List.of(2.0), joined.getFeatureValues());
        assertNull(joined.getDenseFeatures());
        assertEquals(1.5, joined.getLabel());
        assertEquals(0.5, joined.getWeight(), "event weight 1 × outcome weight 0.5");
        assertEquals(0.66, joined.getServedPrediction().getPrediction(), EXACT, "kept from the moment it was served");
        assertEquals(1000L, joined.getEventTimestamp());
        assertEquals(1500L, joined.getOutcomeTimestamp());
        assertEquals(0L, joined.getEventOffset());
        assertEquals(0L, joined.getOutcomeOffset());
        assertEquals(List.of("outcomes", 0, 0L, 0), List.of(joined.getInputTopic(), joined.getInputPartition(),
                joined.getInputOffset(), joined.getInputIndex()));
        assertTrue(learnLog.isEmpty());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void shouldKeepThePredictionAClientWasServedInsteadOfScoringAgain() throws Exception {
        start();
        events.pipeInput(utf8("m"), event("e1", null, new ServedPrediction(0.125, -1.0, 41L), 2.0), 1000L);
        outcomes.pipeInput(utf8("m"), outcome("e1", 1.0, 1.0), 1200L);

        LearnLogEntry scored = decision(learnLog.readRecord());
        assertEquals(new ServedPrediction(0.125, -1.0, 41L), scored.getServedPrediction());
        assertEquals(new ServedPrediction(0.125, -1.0, 41L), decision(learnLog.readRecord()).getServedPrediction());
    }

    @Test
    void shouldDeadLetterADuplicateOutcomeAndAnUnmatchedOneFromTheRecordAsItArrived() throws Exception {
        start();
        events.pipeInput(utf8("m"), event("e1", null, null, 2.0), 1000L);
        outcomes.pipeInput(utf8("m"), outcome("e1", 1.0, 1.0), 1100L);
        outcomes.pipeInput(utf8("m"), outcome("e1", 0.0, 1.0), 1200L);
        RecordHeaders traced = new RecordHeaders();
        traced.add("trace", utf8("t-2"));
        byte[] orphan = outcome("e2", 1.0, 1.0);
        outcomes.pipeInput(new TestRecord<>(utf8("m"), orphan, traced, 1300L));
        // The event clock passes the orphan's deadline (1300 + 1000) with an event carrying its label.
        events.pipeInput(utf8("m"), event("e3", 1.0, null, 1.0), 2301L);

        List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
        assertEquals(2, letters.size());
        assertArrayEquals(outcome("e1", 0.0, 1.0), letters.get(0).value());
        assertEquals("duplicate outcome: event 'e1' of model 'm' was already joined with an earlier outcome",
                header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals("outcomes", header(letters.get(0), DeadLetterHeaders.TOPIC));
        assertEquals("1", header(letters.get(0), DeadLetterHeaders.OFFSET));
        TestRecord<byte[], byte[]> unmatched = letters.get(1);
        assertArrayEquals(orphan, unmatched.value(), "the waiting outcome's record, as it arrived");
        assertEquals("t-2", header(unmatched, "trace"));
        assertEquals(1300L, unmatched.timestamp());
        assertEquals("unmatched outcome: no event 'e2' of model 'm' came within 1000 ms of the outcome at 1300",
                header(unmatched, DeadLetterHeaders.REASON));
        assertEquals("outcomes", header(unmatched, DeadLetterHeaders.TOPIC));
        assertEquals("2", header(unmatched, DeadLetterHeaders.OFFSET), "where the outcome was, not the event");

        List<TestRecord<byte[], byte[]>> log = learnLog.readRecordsToList();
        assertEquals(java.util.Arrays.asList("SCORED", "JOINED", "DUPLICATE_OUTCOME", "UNMATCHED_OUTCOME", null),
                log.stream().map(record -> header(record, LearnLog.DECISION_HEADER)).toList(),
                "the learner counts them: decisions in the log, in the order made, then the labeled event");
        LearnLogEntry expiry = decision(log.get(3));
        assertEquals(List.of("labeled-events", 1L, 0), List.of(expiry.getInputTopic(), expiry.getInputOffset(),
                expiry.getInputIndex()), "decided while the event that moved the clock was read, first");
        assertEquals("labeled-events/0/1/1", header(log.get(4), LearnLog.INPUT_HEADER), "then that event itself");
    }

    @Test
    void shouldDecideEventsOnAHeartbeatWithTheDefaultLabelAndNumberWhatOneRecordDecided() throws Exception {
        start(Map.of("inertia.outcome.default-label", "0", "inertia.outcome.default-weight", "4"), 0);
        events.pipeInput(utf8("m"), event("e1", null, null, 2.0), 1000L);
        events.pipeInput(utf8("m"), event("e2", null, null, 3.0), 1100L);
        learnLog.readRecordsToList();
        RecordHeaders heartbeat = new RecordHeaders();
        heartbeat.add(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]);
        outcomes.pipeInput(new TestRecord<>(null, null, heartbeat, 2101L));

        List<LearnLogEntry> decided = learnLog.readRecordsToList().stream().map(OutcomeJoinTopologyTest::decision)
                .toList();
        assertEquals(2, decided.size());
        for (int i = 0; i < 2; i++) {
            LearnLogEntry defaulted = decided.get(i);
            assertEquals(JoinDecision.DEFAULTED, defaulted.getDecision());
            assertEquals("e" + (i + 1), defaulted.getEventId(), "in deadline order");
            assertEquals(0.0, defaulted.getLabel());
            assertEquals(4.0, defaulted.getWeight(), "event weight 1 × default weight 4");
            assertEquals(List.of("a"), defaulted.getFeatureNames());
            assertEquals(List.of(i == 0 ? 2.0 : 3.0), defaulted.getFeatureValues());
            assertNull(defaulted.getOutcomeTimestamp());
            assertEquals(List.of("outcomes", 0L, i), List.of(defaulted.getInputTopic(), defaulted.getInputOffset(),
                    defaulted.getInputIndex()), "both decided by the heartbeat, numbered");
        }
        assertTrue(deadLetters.isEmpty(), "a heartbeat is no outcome");
    }

    @Test
    void shouldDeadLetterAnOutcomeThatCannotBeJoinedWithOneLineAndLogNothing() throws Exception {
        start(Map.of("inertia.loss", "logistic"), 4);
        String key = keyOnPartition(0, 4);
        String elsewhere = keyOnPartition(3, 4);
        outcomes.pipeInput(null, outcome("e1", 1.0, 1.0), 1L);
        outcomes.pipeInput(utf8(elsewhere), InertiaSerdes.outcome().serialize("outcomes",
                new Outcome(elsewhere, "e1", 1.0, 1.0)), 2L);
        outcomes.pipeInput(utf8(key), utf8("not avro"), 3L);
        outcomes.pipeInput(utf8(key), InertiaSerdes.outcome().serialize("outcomes", new Outcome("other", "e1", 1.0,
                1.0)), 4L);
        outcomes.pipeInput(utf8(key), InertiaSerdes.outcome().serialize("outcomes", new Outcome(key, "e1", 0.5,
                1.0)), 5L);
        outcomes.pipeInput(utf8(key), InertiaSerdes.outcome().serialize("outcomes", new Outcome(key, "e1", 1.0,
                -1.0)), 6L);
        outcomes.pipeInput(utf8(key), InertiaSerdes.outcome().serialize("outcomes", new Outcome(key, "e1",
                Double.NaN, 1.0)), 7L);

        List<String> reasons = deadLetters.readRecordsToList().stream()
                .map(record -> header(record, DeadLetterHeaders.REASON)).toList();
        assertEquals(7, reasons.size(), reasons.toString());
        assertEquals("record key is null or empty; outcomes must be keyed by model key", reasons.get(0));
        assertTrue(reasons.get(1).startsWith("record arrived on partition 0 but Kafka's default partitioner (murmur2 "
                + "of the key) assigns its key partition 3 of 4"), reasons.get(1));
        assertTrue(reasons.get(2).startsWith("cannot deserialize Outcome from topic 'outcomes'"), reasons.get(2));
        assertEquals("record key '" + key + "' differs from outcome modelKey 'other'", reasons.get(3));
        assertEquals("label 0.5 is outside the logistic loss's domain {0, 1} or {-1, +1}", reasons.get(4));
        assertEquals("weight -1.0 is not a finite number >= 0", reasons.get(5));
        assertEquals("label NaN is not a finite number", reasons.get(6));
        for (String reason : reasons) {
            assertEquals(1, reason.lines().count());
        }
        assertTrue(learnLog.isEmpty(), "nothing for the learner");
    }

    @Test
    void shouldDeadLetterAnEventWithoutLabelThatCouldNotBeLearnedWhenItArrives() throws Exception {
        start();
        events.pipeInput(utf8("m"), event("e1", null, null, Double.NaN), 1000L);
        events.pipeInput(utf8("m"), InertiaSerdes.labeledEvent().serialize("labeled-events", LabeledEvent.newBuilder()
                .setModelKey("n").setNamedFeatures(Map.of("a", 1.0)).setEventId("e2").build()), 1001L);

        List<String> reasons = deadLetters.readRecordsToList().stream()
                .map(record -> header(record, DeadLetterHeaders.REASON)).toList();
        assertEquals(List.of("feature 'a' is NaN, not a finite number",
                "record key 'm' differs from event modelKey 'n'"), reasons);
        assertTrue(learnLog.isEmpty(), "neither scored nor kept");
    }

    @Test
    void shouldJoinJsonEventsAndOutcomesAndLogDecisionsAsJson() throws Exception {
        // Hashed, and a name given twice: it counts once, with its last value, in scoring as in learning.
        start(Map.of("inertia.input.format", "json", "inertia.output.format", "json", "inertia.hash-bits", "18"), 0);
        events.pipeInput(utf8("m"), utf8("{\"features\": {\"a\": 2, \"a\": 3}, \"id\": \"e1\"}"), 1000L);
        outcomes.pipeInput(utf8("m"), utf8("{\"id\": \"e1\", \"label\": 1}"), 1500L);

        List<TestRecord<byte[], byte[]>> log = learnLog.readRecordsToList();
        assertEquals(2, log.size());
        String json = new String(log.get(1).value(), StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{\"modelKey\":\"m\",\"decision\":\"JOINED\""), json);
        LearnLogEntry joined = decision(log.get(1));
        assertEquals(List.of("a", "a"), joined.getFeatureNames(), "the names as the event gave them");
        assertEquals(List.of(2.0, 3.0), joined.getFeatureValues(), "the learner keeps the last value, as for any "
                + "event");
        assertEquals(1.0, joined.getWeight());
        // {a: 3} at version 2 (see the class documentation; a and c have buckets of their own, and a bucket's sign
        // multiplies both its weight and its value): v_a = −0.09, w_a = 0.19, b = 0.28 → 0.57 + 0.28 = 0.85
        assertEquals(0.85, joined.getServedPrediction().getPrediction(), EXACT);
    }

    /** A model key that Kafka's default partitioner assigns {@code partition} of {@code partitions}. */
    private static String keyOnPartition(int partition, int partitions) {
        for (int i = 0; ; i++) {
            String key = "k" + i;
            if (org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(utf8(key)))
                    % partitions == partition) {
                return key;
            }
        }
    }
}
