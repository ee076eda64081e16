package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner driven without Kafka Streams publishes, record for record and byte for byte, what the topology publishes
 * in Kafka Streams' own test driver: it runs the same processor and store code, only its context and stores differ.
 */
class LocalLearnerTest {

    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path stateDir;

    @Test
    void shouldPublishExactlyWhatTheTopologyPublishes() {
        // Large models (over 1,024 weights: snapshots in parts), three of them, a small memory budget (evictions), and
        // a few bad events (dead letters).
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.hash-bits", "12", "inertia.snapshot-every", "40",
                "inertia.model-cache-max-bytes", "60000"));
        List<byte[][]> records = events(config, 600);

        List<String> expected = new ArrayList<>();
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "local-learner-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE),
                properties)) {
            TestInputTopic<byte[], byte[]> input = driver.createInputTopic(config.inputTopic(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            long timestamp = 0;
            for (byte[][] record : records) {
                input.pipeInput(record[0], record[1], timestamp++);
            }
            // The driver keeps each topic's records in order; across topics only the order within one matters here.
            for (String topic : List.of(config.snapshotTopic(), config.predictionTopic(), config.deadLetterTopic())) {
                for (TestRecord<byte[], byte[]> out : driver.createOutputTopic(topic, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).readRecordsToList()) {
                    expected.add(line(topic, out.key(), out.value(), out.timestamp(), out.headers()));
                }
            }
        }

        Map<String, List<String>> byTopic = new LinkedHashMap<>();
        for (String topic : List.of(config.snapshotTopic(), config.predictionTopic(), config.deadLetterTopic())) {
            byTopic.put(topic, new ArrayList<>());
        }
        LocalLearner.Outputs outputs = new LocalLearner.Outputs() {
            @Override
            public void snapshot(byte[] key, byte[] value, long timestamp) {
                byTopic.get(config.snapshotTopic()).add(line(config.snapshotTopic(), key, value, timestamp, null));
            }

            @Override
            public void prediction(byte[] key, byte[] value, long timestamp) {
                byTopic.get(config.predictionTopic()).add(line(config.predictionTopic(), key, value, timestamp,
                        null));
            }

            @Override
            public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                byTopic.get(config.deadLetterTopic()).add(line(config.deadLetterTopic(), key, value, timestamp,
                        headers));
            }
        };
        try (LocalLearner learner = new LocalLearner(config, LearningObserver.NONE, outputs)) {
            long offset = 0;
            for (byte[][] record : records) {
                learner.process(record[0], record[1], offset, config.inputTopic(), 0, offset);
                // Commits at other moments than the driver's (after every record): results must not depend on them.
                if (++offset % 37 == 0) {
                    learner.commit();
                }
            }
            learner.commit();
            List<String> actual = new ArrayList<>();
            byTopic.values().forEach(actual::addAll);

            assertEquals(expected, actual);
            assertTrue(byTopic.get(config.deadLetterTopic()).size() >= 3, "bad events were dead-lettered");
            assertTrue(byTopic.get(config.snapshotTopic()).size() > 3 * 600 / 40 / 3, "snapshots in parts");
            ModelSnapshot stored = learner.modelStore(config).snapshot("model-1");
            assertTrue(stored.getVersion() > 150, "the store holds the model after the last commit");
        }
    }

    /** Seeded events over three models, 60 named features each, and one bad event in every 97. */
    private static List<byte[][]> events(InertiaConfig config, int count) {
        SplittableRandom random = new SplittableRandom(42);
        var serde = InertiaSerdes.labeledEvent();
        List<byte[][]> records = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String key = "model-" + random.nextInt(3);
            Map<String, Double> named = new LinkedHashMap<>();
            for (int i = 0; i < 60; i++) {
                named.put("w" + random.nextInt(5_000), random.nextDouble(-1, 1));
            }
            double label = n % 97 == 5 ? Double.NaN : random.nextDouble(-1, 1);
            byte[] value = serde.serialize(config.inputTopic(), LabeledEvent.newBuilder().setModelKey(key)
                    .setNamedFeatures(named).setLabel(label).setEventId("e" + n).build());
            records.add(new byte[][] {key.getBytes(StandardCharsets.UTF_8), value});
        }
        return records;
    }

    private static String line(String topic, byte[] key, byte[] value, long timestamp, Headers headers) {
        StringBuilder line = new StringBuilder(topic).append(' ').append(HEX.formatHex(key)).append(' ')
                .append(value == null ? "null" : HEX.formatHex(value)).append(" @").append(timestamp);
        if (headers != null) {
            for (Header header : headers) {
                line.append(' ').append(header.key()).append('=')
                        .append(new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return line.toString();
    }
}
