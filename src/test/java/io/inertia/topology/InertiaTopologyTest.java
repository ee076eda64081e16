package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InertiaTopologyTest {

    private static final String INPUT = "labeled-events";
    private static final String SNAPSHOTS = "model-snapshots";
    private static final String DEAD_LETTERS = "dead-letters";
    private static final double EXACT = 1e-12;

    /** η = 0.1, β = 0.9, squared loss, a snapshot after every update. */
    private static final Map<String, String> SETTINGS = Map.of(
            "inertia.learning-rate", "0.1",
            "inertia.momentum", "0.9",
            "inertia.snapshot-every", "1");

    @TempDir
    Path stateDirs;

    private final SingleObjectAvroSerde<LabeledEvent> eventSerde = InertiaSerdes.labeledEvent();
    private final List<TopologyTestDriver> drivers = new ArrayList<>();
    private Harness main;

    @BeforeEach
    void startDriver() throws Exception {
        main = new Harness(InertiaConfig.of(SETTINGS));
    }

    @AfterEach
    void closeDrivers() {
        for (TopologyTestDriver driver : drivers) {
            driver.close();
        }
        drivers.clear();
    }

    @Test
    void shouldTrainTwoModelKeysIndependently() throws Exception {
        List<LabeledEvent> a = new ArrayList<>();
        List<LabeledEvent> b = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            a.add(event("a", Map.of("x", 1.0 + i, "shared", 0.5), 2.0 - i));
            b.add(event("b", Map.of("shared", -1.0 * i, "z", 3.0), 0.5 * i));
        }
        // Event i of a at time 10·i, of b at 10·i + 1, in every run, so that even the timestamps must agree.
        for (int i = 0; i < 6; i++) {
            main.send("a", a.get(i), 10L * i);
            main.send("b", b.get(i), 10L * i + 1);
        }
        List<KeyValue<String, ModelSnapshot>> together = main.snapshots();

        Harness aloneA = new Harness(InertiaConfig.of(SETTINGS));
        Harness aloneB = new Harness(InertiaConfig.of(SETTINGS));
        for (int i = 0; i < 6; i++) {
            aloneA.send("a", a.get(i), 10L * i);
            aloneB.send("b", b.get(i), 10L * i + 1);
        }
        List<ModelSnapshot> expectedA = values(aloneA.snapshots());
        List<ModelSnapshot> expectedB = values(aloneB.snapshots());
        assertEquals(6, expectedA.size());
        assertEquals(6, expectedB.size());

        // Alone, a model's events are at other offsets than interleaved: the positions differ, nothing learned does.
        assertEquals(InputPositions.without(expectedA),
                InputPositions.without(values(together.stream().filter(kv -> kv.key.equals("a")).toList())));
        assertEquals(InputPositions.without(expectedB),
                InputPositions.without(values(together.stream().filter(kv -> kv.key.equals("b")).toList())));
        assertEquals(InputPositions.without(expectedA.get(5)), InputPositions.without(main.stored("a")));
        assertEquals(InputPositions.without(expectedB.get(5)), InputPositions.without(main.stored("b")));
        // Interleaved a, b, a, b, …: a's sixth event is at offset 10, b's at 11.
        assertEquals(10L, main.stored("a").getInputPosition().getOffset());
        assertEquals(11L, main.stored("b").getInputPosition().getOffset());
        // The feature "shared" has its own weight in each model.
        assertNotEquals(expectedA.get(5).getNamedWeights().get("shared"),
                expectedB.get(5).getNamedWeights().get("shared"));
    }

    @Test
    void shouldContinueAStoredModelInsteadOfStartingFromZero() {
        // Stored: version 5, w_x = 0.5, v_x = −0.2, b = 0.1, v_b = 0.05, running loss 0.3.
        ModelSnapshot stored = ModelSnapshot.newBuilder()
                .setModelKey("m")
                .setVersion(5)
                .setDenseWeights(null)
                .setNamedWeights(new TreeMap<>(Map.of("x", 0.5)))
                .setBias(0.1)
                .setOptimizerState(OptimizerState.newBuilder()
                        .setStateNames(List.of("velocity"))
                        .setDenseState(null)
                        .setNamedState(new TreeMap<>(Map.of("x", List.of(-0.2))))
                        .setBiasState(List.of(0.05))
                        .build())
                .setHyperParameters(SnapshotCodec.hyperParameters(InertiaConfig.of(SETTINGS)))
                .setRunningLoss(0.3)
                .setLastEventTimestamp(1_000L)
                .build();
        main.store().put("m", stored);

        main.send("m", event("m", Map.of("x", 2.0), 1.0), 2_000L);

        // Event x = 2, y = 1 (η = 0.1, β = 0.9):
        // z = 0.5·2 + 0.1 = 1.1, L = ½(0.1)² = 0.005, dL/dz = 0.1; g_x = 0.2, g_b = 0.1
        // v_x = 0.9·(−0.2) + 0.1·0.2 = −0.18 + 0.02 = −0.16, w_x = 0.5 + 0.16 = 0.66
        // v_b = 0.9·0.05 + 0.1·0.1 = 0.045 + 0.01 = 0.055, b = 0.1 − 0.055 = 0.045
        // version 6, r = 0.99·0.3 + 0.01·0.005 = 0.297 + 0.00005 = 0.29705
        // (From zero it would have been w_x = 0.2, b = 0.1, version 1, r = 0.5.)
        List<KeyValue<String, ModelSnapshot>> published = main.snapshots();
        assertEquals(1, published.size());
        assertEquals("m", published.get(0).key);
        ModelSnapshot next = published.get(0).value;
        assertEquals(6, next.getVersion());
        assertEquals(0.66, next.getNamedWeights().get("x"), EXACT);
        assertEquals(-0.16, next.getOptimizerState().getNamedState().get("x").get(0), EXACT);
        assertEquals(0.045, next.getBias(), EXACT);
        assertEquals(0.055, next.getOptimizerState().getBiasState().get(0), EXACT);
        assertEquals(0.29705, next.getRunningLoss(), EXACT);
        assertEquals(2_000L, next.getLastEventTimestamp());
        assertNull(next.getDenseWeights());
        assertEquals(next, main.stored("m"));
    }

    @Test
    void shouldPublishASnapshotExactlyEveryNUpdates() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(SETTINGS);
        settings.put("inertia.snapshot-every", "3");
        Harness everyThird = new Harness(InertiaConfig.of(settings));
        for (int i = 0; i < 10; i++) {
            everyThird.send("m", event("m", Map.of("x", 1.0 + i), i), i);
        }
        List<KeyValue<String, ModelSnapshot>> published = everyThird.snapshots();
        assertEquals(List.of(3L, 6L, 9L), published.stream().map(kv -> kv.value.getVersion()).toList());
        for (KeyValue<String, ModelSnapshot> snapshot : published) {
            assertEquals("m", snapshot.key);
            // Published right after update 3k, so it carries the timestamp of event 3k − 1 (0-based).
            assertEquals(snapshot.value.getVersion() - 1, snapshot.value.getLastEventTimestamp());
            assertEquals(3, snapshot.value.getHyperParameters().getSnapshotEvery());
        }
        assertEquals(10, everyThird.store().get("m").getVersion());
        assertTrue(everyThird.deadLetters.isEmpty());
    }

    @Test
    void shouldDeadLetterGarbageBytes() {
        main.learnOneGoodEvent("m");
        main.assertDeadLettered(utf8("m"), new byte[] {1, 2, 3, 4, 5}, "cannot deserialize LabeledEvent");
    }

    @Test
    void shouldDeadLetterARecordKeyDifferentFromTheModelKey() {
        main.learnOneGoodEvent("m");
        byte[] value = eventSerde.serialize(INPUT, event("m", Map.of("x", 1.0), 1.0));
        main.assertDeadLettered(utf8("other"), value, "record key 'other' differs from event modelKey 'm'");
        assertNull(main.store().get("other"));
    }

    @Test
    void shouldDeadLetterANullKey() {
        main.learnOneGoodEvent("m");
        byte[] value = eventSerde.serialize(INPUT, event("m", Map.of("x", 1.0), 1.0));
        main.assertDeadLettered(null, value, "record key is null or empty");
    }

    @Test
    void shouldDeadLetterANullValue() {
        main.learnOneGoodEvent("m");
        main.assertDeadLettered(utf8("m"), null, "record value is null");
    }

    @Test
    void shouldDeadLetterANonFiniteFeature() {
        main.learnOneGoodEvent("m");
        byte[] nan = eventSerde.serialize(INPUT, event("m", Map.of("x", Double.NaN), 1.0));
        main.assertDeadLettered(utf8("m"), nan, "feature 'x' is NaN, not a finite number");
        LabeledEvent infiniteDense = LabeledEvent.newBuilder().setModelKey("m")
                .setDenseFeatures(List.of(1.0, Double.POSITIVE_INFINITY)).setLabel(1.0).build();
        main.assertDeadLettered(utf8("m"), eventSerde.serialize(INPUT, infiniteDense),
                "dense feature 1 is Infinity, not a finite number");
    }

    @Test
    void shouldDeadLetterALogisticLabelOtherThanZeroOrOne() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(SETTINGS);
        settings.put("inertia.loss", "logistic");
        Harness logistic = new Harness(InertiaConfig.of(settings));
        logistic.learnOneGoodEvent("m");
        byte[] two = eventSerde.serialize(INPUT, event("m", Map.of("x", 1.0), 2.0));
        logistic.assertDeadLettered(utf8("m"), two, "label 2.0 is outside the logistic loss's domain {0, 1}");
    }

    @Test
    void shouldDeadLetterADenseLengthMismatch() {
        LabeledEvent two = LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(List.of(1.0, 2.0))
                .setLabel(1.0).build();
        main.send("m", two, 0L);
        assertEquals(1, main.snapshots().size());
        LabeledEvent three = LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(List.of(1.0, 2.0, 3.0))
                .setLabel(1.0).build();
        main.assertDeadLettered(utf8("m"), eventSerde.serialize(INPUT, three),
                "dense vector has 3 features but the model has 2");
    }

    @Test
    void shouldProduceByteIdenticalSnapshotsForTheSameInput() throws Exception {
        List<byte[]> first = snapshotBytesOf(new Harness(InertiaConfig.of(SETTINGS)), false);
        List<byte[]> second = snapshotBytesOf(new Harness(InertiaConfig.of(SETTINGS)), false);
        assertEquals(20, first.size());
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i), second.get(i), "snapshot " + (i + 1));
        }
    }

    @Test
    void shouldProduceByteIdenticalSnapshotsWhateverTheOrderOfTheFeatureMaps() throws Exception {
        List<byte[]> forward = snapshotBytesOf(new Harness(InertiaConfig.of(SETTINGS)), false);
        List<byte[]> reversed = snapshotBytesOf(new Harness(InertiaConfig.of(SETTINGS)), true);
        assertEquals(forward.size(), reversed.size());
        for (int i = 0; i < forward.size(); i++) {
            assertArrayEquals(forward.get(i), reversed.get(i), "snapshot " + (i + 1));
        }
    }

    /** 20 events over 6 named features; the map of each event is built in forward or reverse name order. */
    private List<byte[]> snapshotBytesOf(Harness harness, boolean reverseInsertion) {
        String[] names = {"alpha", "beta", "delta", "epsilon", "gamma", "zeta"};
        for (int i = 0; i < 20; i++) {
            Map<String, Double> features = new LinkedHashMap<>();
            for (int j = 0; j < names.length; j++) {
                int k = reverseInsertion ? names.length - 1 - j : j;
                features.put(names[k], Math.sin(i * 7.0 + k) * (k + 1));
            }
            harness.send("m", event("m", features, Math.cos(i)), 100L * i);
        }
        List<byte[]> bytes = new ArrayList<>();
        while (!harness.rawSnapshots.isEmpty()) {
            bytes.add(harness.rawSnapshots.readValue());
        }
        return bytes;
    }

    private static LabeledEvent event(String key, Map<String, Double> features, double label) {
        return LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(features).setLabel(label).build();
    }

    private static List<ModelSnapshot> values(List<KeyValue<String, ModelSnapshot>> records) {
        return records.stream().map(kv -> kv.value).toList();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        assertNotNull(header, "header " + name);
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** One TopologyTestDriver over InertiaTopology, with its topics; closed by {@link #closeDrivers()}. */
    private final class Harness {
        final TopologyTestDriver driver;
        final TestInputTopic<byte[], byte[]> input;
        final TestOutputTopic<String, ModelSnapshot> snapshots;
        final TestOutputTopic<String, byte[]> rawSnapshots;
        final TestOutputTopic<byte[], byte[]> deadLetters;
        final InertiaConfig config;
        private long nextOffset;

        Harness(InertiaConfig config) throws Exception {
            this.config = config;
            Properties properties = new Properties();
            properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "inertia-topology-test");
            properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
            properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "state").toString());
            properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
            properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
            driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE), properties);
            drivers.add(driver);
            input = driver.createInputTopic(INPUT, new ByteArraySerializer(), new ByteArraySerializer());
            snapshots = driver.createOutputTopic(SNAPSHOTS, new StringDeserializer(), InertiaSerdes.modelSnapshot());
            rawSnapshots = driver.createOutputTopic(SNAPSHOTS, new StringDeserializer(), new ByteArrayDeserializer());
            deadLetters = driver.createOutputTopic(DEAD_LETTERS, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
        }

        void send(String key, LabeledEvent event, long timestamp) {
            input.pipeInput(utf8(key), eventSerde.serialize(INPUT, event), timestamp);
            nextOffset++;
        }

        KeyValueStore<String, ModelSnapshot> store() {
            return driver.getKeyValueStore(ModelStore.NAME);
        }

        /** The stored model of {@code key} as a full snapshot (header and every named weight), or null. */
        ModelSnapshot stored(String key) {
            return ModelStore.open(driver::getKeyValueStore, config).snapshot(key);
        }

        List<KeyValue<String, ModelSnapshot>> snapshots() {
            return snapshots.readKeyValuesToList();
        }

        /** Learns one valid event for {@code key} and drains its snapshot. */
        void learnOneGoodEvent(String key) {
            send(key, event(key, Map.of("x", 2.0, "y", -1.0), 1.0), 0L);
            assertEquals(1, snapshots().size());
            assertTrue(deadLetters.isEmpty());
        }

        Map<String, ModelSnapshot> storedModels() {
            Map<String, ModelSnapshot> models = new TreeMap<>();
            try (KeyValueIterator<String, ModelSnapshot> all = store().all()) {
                all.forEachRemaining(kv -> models.put(kv.key, stored(kv.key)));
            }
            return models;
        }

        /**
         * Sends one record, then checks that it went, unchanged and with the dead-letter headers, to the dead-letter
         * topic, that no snapshot was published and that no stored model changed.
         */
        void assertDeadLettered(byte[] key, byte[] value, String reason) {
            Map<String, ModelSnapshot> before = storedModels();
            long offset = nextOffset;
            Headers original = new RecordHeaders().add("trace-id", utf8("t-42"));
            input.pipeInput(new TestRecord<>(key, value, original, 5_000L));
            nextOffset++;

            assertTrue(snapshots.isEmpty(), "a rejected event published a snapshot");
            assertEquals(before, storedModels(), "a rejected event changed a model");
            TestRecord<byte[], byte[]> letter = deadLetters.readRecord();
            assertTrue(deadLetters.isEmpty(), "more than one dead letter");
            assertArrayEquals(key, letter.key());
            assertArrayEquals(value, letter.value());
            assertEquals(5_000L, letter.timestamp());
            Headers headers = letter.headers();
            assertEquals("t-42", header(headers, "trace-id"));
            String actualReason = header(headers, DeadLetterHeaders.REASON);
            assertTrue(actualReason.contains(reason), "reason: " + actualReason);
            assertFalse(actualReason.contains("\n"), "reason not on one line: " + actualReason);
            assertEquals(INPUT, header(headers, DeadLetterHeaders.TOPIC));
            assertEquals("0", header(headers, DeadLetterHeaders.PARTITION));
            assertEquals(Long.toString(offset), header(headers, DeadLetterHeaders.OFFSET));
        }
    }
}
