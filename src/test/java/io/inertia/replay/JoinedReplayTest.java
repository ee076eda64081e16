package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.Outcome;
import io.inertia.config.InertiaConfig;
import io.inertia.io.InputFileException;
import io.inertia.join.OutcomeJoiner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia replay} of the raw event and outcome records through the outcome joiner: merged by record time, an
 * outcome before an event of the same time, it equals the live topology fed the records in that order, and a small
 * case computed by hand shows the tie order and the window as a what-if setting.
 */
class JoinedReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double EXACT = 1e-12;

    @TempDir
    Path dir;

    /** One record of either topic, as sent. */
    private record Sent(boolean outcome, byte[] key, byte[] value, long timestamp, boolean heartbeat) {
    }

    @Test
    void shouldEqualTheLiveTopologyFedTheRecordsInTimestampOrder() throws Exception {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.outcome.join", "true", "inertia.outcome.window.ms",
                "500", "inertia.outcome.default-label", "0", "inertia.snapshot-every", "3",
                "inertia.loss", "logistic"));
        List<Sent> events = new ArrayList<>();
        List<Sent> outcomes = new ArrayList<>();
        stream(new Random(7), config, events, outcomes);
        // The order the live joiner sees them in when they arrive in timestamp order: outcomes first on equal times.
        List<Sent> arrived = new ArrayList<>(events);
        arrived.addAll(outcomes);
        arrived.sort(Comparator.comparingLong(Sent::timestamp).thenComparing(sent -> sent.outcome() ? 0 : 1));

        Map<String, List<byte[]>> live = new TreeMap<>();
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "joined-replay-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(dir, "state").toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE),
                properties)) {
            TestInputTopic<byte[], byte[]> eventTopic = driver.createInputTopic(config.inputTopic(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            TestInputTopic<byte[], byte[]> outcomeTopic = driver.createInputTopic(config.outcomeTopic(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            for (Sent sent : arrived) {
                (sent.outcome() ? outcomeTopic : eventTopic).pipeInput(new TestRecord<>(sent.key(), sent.value(),
                        headers(sent), sent.timestamp()));
            }
            for (TestRecord<String, byte[]> record : driver.createOutputTopic(config.snapshotTopic(),
                    new StringDeserializer(), new ByteArrayDeserializer()).readRecordsToList()) {
                // The Avro body, after the 10-byte single-object header, as the replay's file stores it.
                live.computeIfAbsent(record.key(), key -> new ArrayList<>())
                        .add(Arrays.copyOfRange(record.value(), 10, record.value().length));
            }
        }
        assertEquals(List.of("a", "b", "c"), List.copyOf(live.keySet()));
        assertTrue(live.values().stream().allMatch(snapshots -> snapshots.size() > 20), "snapshots published live");

        // The replay reads each topic in its own (offset) order; the merge makes the interleaving.
        Path output = dir.resolve("replayed.avro");
        Replay.Summary summary = Replay.joined(config, List.of(records(config.inputTopic(), events).iterator()),
                List.of(records(config.outcomeTopic(), outcomes).iterator()), output, Replay.Extras.none(),
                Progress.of("test", -1));
        assertEquals(events.size() + outcomes.size(), summary.events());
        assertTrue(summary.rejected() > 0, "duplicate, late and unmatched outcomes are dead letters, as live");

        Map<String, List<byte[]>> replayed = SnapshotBodies.byModel(output);
        for (String model : live.keySet()) {
            List<byte[]> published = live.get(model);
            List<byte[]> bodies = replayed.get(model);
            // The replay ends with each model's final state: one snapshot more where live had not published it yet.
            assertTrue(bodies.size() == published.size() || bodies.size() == published.size() + 1,
                    model + ": " + bodies.size() + " snapshots replayed, " + published.size() + " live");
            for (int i = 0; i < published.size(); i++) {
                assertArrayEquals(published.get(i), bodies.get(i), model + ": snapshot #" + (i + 1));
            }
        }
    }

    /**
     * W = 1000, default label 0, squared loss, plain SGD with η = 0.1, z = w_a·a + b; an update with label y moves
     * w_a by −η·(z − y)·a and b by −η·(z − y). The records, by file:
     *
     * <pre>
     *   events:   e1 {a: 1} at 0;  e2 {a: 2} label 1 at 1000;  e3 {a: 1} at 1500;  e4 {a: 1} at 1800
     *   outcomes: e1 → 1 at 1000;  e4 → 1 at 2800 (exactly W after e4: joins)
     * </pre>
     *
     * Merged: e1; then at 1000 the outcome first (the answer before the question): e1 joins, z = 0 → w_a = 0.1,
     * b = 0.1 (v1); e2, z = 0.3 → w_a = 0.1 + 0.1·0.7·2 = 0.24, b = 0.17 (v2). e3 and e4 wait (deadlines 2500 and
     * 2800). The outcome at 2800 moves the outcome clock past e3's deadline first: e3 defaulted, z = 0.41 →
     * w_a = 0.24 − 0.041 = 0.199, b = 0.129 (v3); then e4 joins, z = 0.328 → w_a = 0.199 + 0.0672 = 0.2662,
     * b = 0.1962 (v4). Had e2 come first at 1000, v2 would be w_a = 0.27, b = 0.17.
     */
    @Test
    void shouldMergeAnAnswerBeforeTheQuestionOfTheSameTimeAsComputedByHand() throws Exception {
        Path events = write("events.jsonl",
                "{\"timestamp\": 0, \"key\": \"m\", \"id\": \"e1\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e2\", \"features\": {\"a\": 2}, \"label\": 1}",
                "{\"timestamp\": 1500, \"key\": \"m\", \"id\": \"e3\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1800, \"key\": \"m\", \"id\": \"e4\", \"features\": {\"a\": 1}}");
        Path outcomes = write("outcomes.jsonl",
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e1\", \"label\": 1}",
                "{\"timestamp\": 2800, \"key\": \"m\", \"id\": \"e4\", \"label\": 1}");
        List<JsonNode> snapshots = replay(events, outcomes, "1000");
        assertWeights(snapshots, new double[][] {{0.1, 0.1}, {0.24, 0.17}, {0.199, 0.129}, {0.2662, 0.1962}});
    }

    /**
     * The same files with W = 600, a what-if: e1's deadline is 600, so the outcome at 1000 first defaults it (z = 0,
     * label 0: nothing moves, v1) and is then late; e2, z = 0 → w_a = 0.2, b = 0.1 (v2); e3 and e4 (deadlines 2100,
     * 2400) are both defaulted when the outcome clock reaches 2800, in deadline order: z = 0.3 → w_a = 0.17, b = 0.07
     * (v3), then z = 0.24 → w_a = 0.146, b = 0.046 (v4); the outcome of e4 is late.
     */
    @Test
    void shouldReplayWithAnotherWindowAsAWhatIf() throws Exception {
        Path events = write("events.jsonl",
                "{\"timestamp\": 0, \"key\": \"m\", \"id\": \"e1\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e2\", \"features\": {\"a\": 2}, \"label\": 1}",
                "{\"timestamp\": 1500, \"key\": \"m\", \"id\": \"e3\", \"features\": {\"a\": 1}}",
                "{\"timestamp\": 1800, \"key\": \"m\", \"id\": \"e4\", \"features\": {\"a\": 1}}");
        Path outcomes = write("outcomes.jsonl",
                "{\"timestamp\": 1000, \"key\": \"m\", \"id\": \"e1\", \"label\": 1}",
                "{\"timestamp\": 2800, \"key\": \"m\", \"id\": \"e4\", \"label\": 1}");
        List<JsonNode> snapshots = replay(events, outcomes, "600");
        assertWeights(snapshots, new double[][] {{0, 0}, {0.2, 0.1}, {0.17, 0.07}, {0.146, 0.046}});
    }

    @Test
    void shouldStopAtALineWithoutItsTimestamp() throws Exception {
        Path events = write("events.jsonl",
                "{\"timestamp\": 0, \"key\": \"m\", \"id\": \"e1\", \"features\": {\"a\": 1}}",
                "{\"key\": \"m\", \"id\": \"e2\", \"features\": {\"a\": 1}}");
        Path outcomes = write("outcomes.jsonl", "{\"timestamp\": 5, \"key\": \"m\", \"id\": \"e1\", \"label\": 1}");
        InputFileException error = assertThrows(InputFileException.class, () -> replay(events, outcomes, "1000"));
        assertTrue(error.getMessage().contains("events.jsonl:2:") && error.getMessage().contains("'timestamp'"),
                error.getMessage());
    }

    private List<JsonNode> replay(Path events, Path outcomes, String window) throws Exception {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.outcome.window.ms", window,
                "inertia.outcome.default-label", "0", "inertia.learning-rate", "0.1", "inertia.momentum", "0",
                "inertia.snapshot-every", "1"));
        Path output = dir.resolve("snapshots-" + window + ".jsonl");
        Replay.run(new Replay.JoinedFileRequest(events, outcomes, output, config), Replay.Extras.none());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(output)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static void assertWeights(List<JsonNode> snapshots, double[][] expected) {
        assertEquals(expected.length, snapshots.size(), "one snapshot per update");
        for (int i = 0; i < expected.length; i++) {
            JsonNode snapshot = snapshots.get(i);
            assertEquals(i + 1, snapshot.get("version").asLong());
            assertEquals(expected[i][0], snapshot.get("weights").path("a").asDouble(0), EXACT, "w_a at v" + (i + 1));
            assertEquals(expected[i][1], snapshot.get("bias").asDouble(), EXACT, "b at v" + (i + 1));
        }
    }

    private Path write(String name, String... lines) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, List.of(lines), StandardCharsets.UTF_8);
        return file;
    }

    /**
     * Three models' events (a fifth of them labeled) every 7 ms, each id's outcome 0..W after it, some exactly W,
     * some late, some twice, some for ids no event has, and a heartbeat every 250 ms: every decision of the joiner.
     */
    private static void stream(Random random, InertiaConfig config, List<Sent> events, List<Sent> outcomes) {
        long window = config.outcomeWindowMs();
        var eventSerde = InertiaSerdes.labeledEvent();
        var outcomeSerde = InertiaSerdes.outcome();
        List<String> models = List.of("a", "b", "c");
        for (int i = 0; i < 600; i++) {
            String model = models.get(random.nextInt(models.size()));
            long time = 7L * i;
            LinkedHashMap<String, Double> features = new LinkedHashMap<>();
            features.put("x" + random.nextInt(4), random.nextGaussian());
            features.put("k", 1.0);
            boolean labeled = random.nextInt(5) == 0;
            String id = "e" + i;
            events.add(new Sent(false, utf8(model), eventSerde.serialize(config.inputTopic(), LabeledEvent.newBuilder()
                    .setModelKey(model).setNamedFeatures(features).setEventId(id)
                    .setLabel(labeled ? (double) random.nextInt(2) : null).build()), time, false));
            if (labeled) {
                continue;
            }
            double draw = random.nextDouble();
            if (draw < 0.5) {
                long at = time + (random.nextInt(6) == 0 ? window : random.nextLong(window + 1));
                outcomes.add(outcome(config, outcomeSerde, model, id, at));
                if (random.nextInt(8) == 0) {
                    outcomes.add(outcome(config, outcomeSerde, model, id, at + random.nextLong(window)));
                }
            } else if (draw < 0.6) {
                outcomes.add(outcome(config, outcomeSerde, model, id, time + window + 1 + random.nextLong(window)));
            } else if (draw < 0.63) {
                outcomes.add(outcome(config, outcomeSerde, model, "unknown-" + i, time + random.nextLong(window)));
            }
            if (i % 36 == 0) {
                outcomes.add(new Sent(true, null, null, time + 1, true));
            }
        }
        outcomes.sort(Comparator.comparingLong(Sent::timestamp));
    }

    private static Sent outcome(InertiaConfig config, SingleObjectAvroSerde<Outcome> serde, String model, String id,
            long time) {
        return new Sent(true, utf8(model), serde.serialize(config.outcomeTopic(),
                new Outcome(model, id, (double) (time % 2), 1.0 + (time % 3))), time, false);
    }

    private static RecordHeaders headers(Sent sent) {
        RecordHeaders headers = new RecordHeaders();
        if (sent.heartbeat()) {
            headers.add(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]);
        }
        return headers;
    }

    /** The records of one topic as a consumer reads them: partition 0, offsets from 0, as the test driver numbers. */
    private static List<ConsumerRecord<byte[], byte[]>> records(String topic, List<Sent> sent) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int offset = 0; offset < sent.size(); offset++) {
            Sent record = sent.get(offset);
            records.add(new ConsumerRecord<>(topic, 0, offset, record.timestamp(), TimestampType.CREATE_TIME, -1, -1,
                    record.key(), record.value(), headers(record), Optional.empty()));
        }
        return records;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
