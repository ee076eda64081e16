package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Loss;
import io.inertia.model.Optimizer;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimizer × loss trains through the topology, and a model resumed from its own published snapshot (put into
 * the store of a fresh topology) continues exactly as the uninterrupted run: same snapshot bytes.
 */
class OptimizerLossMatrixTest {

    private static final int EVENTS = 60;
    private static final int HALF = 30;

    @TempDir
    Path stateDirs;

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (String optimizer : Optimizer.names()) {
            for (String loss : Loss.names()) {
                all.add(Arguments.of(optimizer, loss));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} × {1}")
    @MethodSource("combinations")
    void shouldTrainAndResumeExactlyFromItsOwnSnapshot(String optimizer, String loss) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                "inertia.optimizer", optimizer,
                "inertia.loss", loss,
                "inertia.learning-rate", "0.05",
                // FTRL sets its own per-coordinate rates and refuses another schedule.
                "inertia.schedule", optimizer.equals("ftrl") ? "constant" : "invscaling",
                "inertia.l2", "0.01",
                "inertia.metrics-window", "7",
                "inertia.snapshot-every", Integer.toString(HALF)));
        if (loss.equals("softmax")) {
            settings.put("inertia.classes", "3");
        }
        InertiaConfig config = InertiaConfig.of(settings);
        List<LabeledEvent> events = events(loss);

        ModelSnapshot halfway;
        ModelSnapshot uninterrupted;
        try (TopologyTestDriver driver = driver(config, "uninterrupted")) {
            TestOutputTopic<byte[], ModelSnapshot> snapshots = feed(driver, config, events, 0);
            halfway = snapshots.readValue();
            uninterrupted = snapshots.readValue();
            TestOutputTopic<byte[], Prediction> predictions = driver.createOutputTopic(config.predictionTopic(),
                    new ByteArrayDeserializer(), InertiaSerdes.prediction());
            assertEquals(EVENTS, predictions.getQueueSize(), "one prediction per event");
        }
        assertEquals(HALF, halfway.getVersion());
        assertEquals(EVENTS, uninterrupted.getVersion());
        assertTrue(Double.isFinite(uninterrupted.getBias()), "finite bias");
        if (loss.equals("softmax")) {
            List<Double> x1 = uninterrupted.getClassWeights().getNamedWeights().get("x1");
            x1.forEach(w -> assertTrue(Double.isFinite(w), "finite weights"));
            assertNotEquals(0.0, x1.get(0), "the model learned");
        } else {
            uninterrupted.getNamedWeights().values().forEach(w -> assertTrue(Double.isFinite(w), "finite weights"));
            assertNotEquals(0.0, uninterrupted.getNamedWeights().get("x1"), "the model learned");
        }
        assertEquals(EVENTS, uninterrupted.getMetrics().getCount());

        try (TopologyTestDriver resumed = driver(config, "resumed")) {
            KeyValueStore<String, ModelSnapshot> store = resumed.getKeyValueStore(ModelStore.NAME);
            store.put("m", halfway);
            TestOutputTopic<byte[], ModelSnapshot> snapshots = feed(resumed, config, events.subList(HALF, EVENTS), HALF);
            SingleObjectAvroSerde<ModelSnapshot> serde = InertiaSerdes.modelSnapshot();
            ModelSnapshot last = snapshots.readValue();
            // The resumed driver reads the second half from offset 0, the uninterrupted one from offset HALF.
            assertEquals(EVENTS - 1, uninterrupted.getInputPosition().getOffset());
            assertEquals(EVENTS - HALF - 1, last.getInputPosition().getOffset());
            assertArrayEquals(serde.serialize("t", InputPositions.without(uninterrupted)),
                    serde.serialize("t", InputPositions.without(last)), "resumed run equals the uninterrupted run");
        }
    }

    /** Seeded events with labels in the loss's domain: classes for classifiers (three for softmax), counts for poisson. */
    private static List<LabeledEvent> events(String loss) {
        Random random = new Random(31);
        List<LabeledEvent> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            double x1 = random.nextGaussian();
            double x2 = random.nextGaussian();
            double score = 0.8 * x1 - 0.4 * x2 + 0.2;
            double label = switch (loss) {
                case "logistic", "hinge" -> score + 0.3 * random.nextGaussian() > 0 ? 1.0 : (i % 2 == 0 ? 0.0 : -1.0);
                case "softmax" -> {
                    double noisy = score + 0.3 * random.nextGaussian();
                    yield noisy < -0.3 ? 0.0 : noisy < 0.5 ? 1.0 : 2.0;
                }
                case "poisson" -> Math.floor(Math.exp(0.5 * score) + random.nextDouble());
                default -> score + 0.1 * random.nextGaussian();
            };
            events.add(LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x1", x1, "x2", x2))
                    .setLabel(label).build());
        }
        return events;
    }

    private TopologyTestDriver driver(InertiaConfig config, String name) {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "matrix");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDirs.resolve(name).toString());
        return new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE), properties);
    }

    private static TestOutputTopic<byte[], ModelSnapshot> feed(TopologyTestDriver driver, InertiaConfig config,
            List<LabeledEvent> events, long firstTimestamp) {
        TestInputTopic<String, byte[]> input = driver.createInputTopic(config.inputTopic(), new StringSerializer(),
                new ByteArraySerializer());
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        long timestamp = firstTimestamp;
        for (LabeledEvent event : events) {
            input.pipeInput(event.getModelKey(), serde.serialize(config.inputTopic(), event), timestamp++);
        }
        TestOutputTopic<byte[], byte[]> deadLetters = driver.createOutputTopic(config.deadLetterTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        assertTrue(deadLetters.isEmpty(), "no event rejected");
        return driver.createOutputTopic(config.snapshotTopic(), new ByteArrayDeserializer(),
                InertiaSerdes.modelSnapshot());
    }
}
