package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia.hash-bits = 4}: the topology learns 16 signed buckets instead of the events' feature names. Buckets
 * and signs expected here come from {@code src/test/resources/feature-hashing/murmur3_reference.py}, checked against
 * Guava's MurmurHash3: apple → #0 (+), banana → #15 (−), and word-0 … word-49 fill every bucket but #4.
 */
class FeatureHashingTopologyTest {

    private static final String INPUT = "labeled-events";
    private static final double EXACT = 1e-12;
    private static final int BUCKETS = 16;

    @TempDir
    Path stateDir;

    private final SingleObjectAvroSerde<LabeledEvent> eventSerde = InertiaSerdes.labeledEvent();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<String, ModelSnapshot> snapshots;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void startDriver() {
        // η = 0.1, β = 0.9, squared loss, a snapshot after every update, 2^4 buckets.
        InertiaConfig config = InertiaConfig.of(Map.of(
                "inertia.learning-rate", "0.1",
                "inertia.momentum", "0.9",
                "inertia.snapshot-every", "1",
                "inertia.hash-bits", "4"));
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "feature-hashing-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE), properties);
        input = driver.createInputTopic(INPUT, new ByteArraySerializer(), new ByteArraySerializer());
        snapshots = driver.createOutputTopic(config.snapshotTopic(), new StringDeserializer(),
                InertiaSerdes.modelSnapshot());
        deadLetters = driver.createOutputTopic(config.deadLetterTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void shouldNameEveryWeightAfterABucketBelowSixteen() {
        Random random = new Random(42L);
        for (int i = 0; i < 30; i++) {
            Map<String, Double> features = new LinkedHashMap<>();
            for (int j = 0; j < 8; j++) {
                features.put("user-" + random.nextInt(100_000), random.nextGaussian());
            }
            send(event(features, random.nextGaussian()), i);
        }
        List<ModelSnapshot> published = snapshots.readValuesToList();
        assertEquals(30, published.size());
        for (ModelSnapshot snapshot : published) {
            for (String name : snapshot.getNamedWeights().keySet()) {
                assertTrue(name.matches("#[0-9]+"), name);
                int bucket = Integer.parseInt(name.substring(1));
                assertTrue(bucket >= 0 && bucket < BUCKETS, name);
            }
        }
        assertTrue(published.get(29).getNamedWeights().size() <= BUCKETS);
    }

    @Test
    void shouldTrainAtMostSixteenWeightsFromAnEventWithFiftyNames() {
        Map<String, Double> fifty = new LinkedHashMap<>();
        IntStream.range(0, 50).forEach(i -> fifty.put("word-" + i, 1.0 + i));
        send(event(fifty, 1.0), 0L);

        ModelSnapshot snapshot = snapshots.readValue();
        Set<String> expected = IntStream.range(0, BUCKETS).filter(i -> i != 4).mapToObj(i -> "#" + i)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(snapshot.getNamedWeights().size() <= BUCKETS);
        assertEquals(expected, new TreeSet<>(snapshot.getNamedWeights().keySet()));
        assertTrue(snapshots.isEmpty());
    }

    @Test
    void shouldLearnTheSignedValueOfEachBucket() {
        send(event(Map.of("apple", 2.0, "banana", 1.0), 1.0), 0L);

        // Hashed event: #0 = +2 (apple), #15 = −1 (banana); y = 1, η = 0.1, β = 0.9, everything at 0.
        // z = 0, dL/dz = z − y = −1; g_#0 = −2, g_#15 = +1, g_b = −1.
        // v_#0 = 0.1·(−2) = −0.2, w_#0 = 0.2; v_#15 = 0.1·1 = 0.1, w_#15 = −0.1; v_b = −0.1, b = 0.1.
        ModelSnapshot snapshot = snapshots.readValue();
        assertEquals(Set.of("#0", "#15"), snapshot.getNamedWeights().keySet());
        assertEquals(0.2, snapshot.getNamedWeights().get("#0"), EXACT);
        assertEquals(-0.1, snapshot.getNamedWeights().get("#15"), EXACT);
        assertEquals(0.1, snapshot.getBias(), EXACT);
    }

    @Test
    void shouldNeverHashDenseFeatures() {
        send(LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(List.of(1.0, 2.0))
                .setNamedFeatures(Map.of("apple", 1.0)).setLabel(1.0).build(), 0L);
        send(LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(List.of(3.0, 4.0)).setLabel(1.0).build(), 1L);

        List<ModelSnapshot> published = snapshots.readValuesToList();
        assertEquals(2, published.size());
        assertTrue(deadLetters.isEmpty());
        ModelSnapshot last = published.get(1);
        assertEquals(2, last.getDenseWeights().size());
        assertEquals(Set.of("#0"), last.getNamedWeights().keySet());
    }

    @Test
    void shouldDeadLetterABadValueUnderTheNameTheEventGaveIt() {
        send(event(Map.of("apple", 1.0, "x", Double.NaN), 1.0), 0L);

        assertTrue(snapshots.isEmpty());
        TestRecord<byte[], byte[]> letter = deadLetters.readRecord();
        Header reason = letter.headers().lastHeader(DeadLetterHeaders.REASON);
        assertNotNull(reason);
        String text = new String(reason.value(), StandardCharsets.UTF_8);
        assertTrue(text.contains("feature 'x' is NaN, not a finite number"), text);
    }

    private void send(LabeledEvent event, long timestamp) {
        input.pipeInput("m".getBytes(StandardCharsets.UTF_8), eventSerde.serialize(INPUT, event), timestamp);
    }

    private static LabeledEvent event(Map<String, Double> features, double label) {
        return LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(features).setLabel(label).build();
    }
}
