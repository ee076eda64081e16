package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.io.SnapshotJson;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.ModelStore;
import io.inertia.topology.ModelView;
import io.inertia.topology.WorkingModelStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's read path over the learner's real stores (a {@link TopologyTestDriver}, which commits after every
 * event): a model read where the learner holds it in memory, and the same model read from the durable stores once the
 * working copies are dropped, answer alike, byte for byte; the whole model is the one {@code inertia snapshots} would
 * print from the store, and a prediction is w·x + b over that model's current weights.
 */
class ModelReaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "m";
    private static final String INSTANCE = "127.0.0.1:1";

    @TempDir
    Path stateDirs;

    private final InertiaConfig config = InertiaConfig.of(Map.of("inertia.snapshot-every", "7"));
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private StoredModels stored;
    private ModelJson json;
    private ModelReader reader;
    private Predictions predictions;
    private long timestamp;

    @BeforeEach
    void start() throws Exception {
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "model-reader-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(stateDirs, "state").toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE), properties);
        input = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        stored = new StoredModels(1L << 30);
        json = new ModelJson(io.inertia.topology.SnapshotCodec.hyperParameters(config), config.learner(), INSTANCE);
        reader = new ModelReader(new ModelReader.TaskStores() {
            @Override
            public WorkingModelStore working(int partition) {
                return workingModels();
            }

            @Override
            public ModelStore durable(int partition, OnlineLearner learner, HyperParameters hyperParameters) {
                return ModelStore.open(driver::getKeyValueStore, config);
            }

            @Override
            public KeyValueStore<String, ModelSnapshot> headers() {
                return driver.getKeyValueStore(ModelStore.NAME);
            }
        }, config, stored, json);
        predictions = new Predictions(config, config.learner());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldAnswerAlikeFromTheModelInMemoryAndFromTheStores() throws Exception {
        learn(60, new Random(3));
        String body = "[{\"features\": {\"f3\": 1.5, \"f11\": -2.0, \"never-seen\": 4}, \"dense\": [0.5, -1]},"
                + " {\"features\": {\"f0\": 1}}]";
        Predictions.Request request = predictions.parse(body.getBytes(StandardCharsets.UTF_8));

        byte[] liveHeader = json.header(reader.header(KEY, 0));
        Predictions.Scores liveScores = reader.withWeights(KEY, 0, view -> predictions.score(view, request));
        String liveWhole = whole();
        assertTrue(stored.isEmpty(), "read in memory, nothing loaded from the stores");

        // The reference: the stored model whole, every weight current, as `inertia snapshots` prints it.
        ObjectNode expected = (ObjectNode) JSON.readTree(SnapshotJson.toLine(
                ModelStore.open(driver::getKeyValueStore, config).snapshot(KEY)));
        expected.put("optimizer", "momentum").put("instance", INSTANCE);
        // Less what only a replay resuming from the line needs: the sums behind the metrics, l1Total, the position.
        expected.remove(List.of("l1Total", "inputPosition"));
        ((ObjectNode) expected.get("metrics")).remove(List.of("recentLosses", "windowLossSum", "lossSum",
                "squaredErrorSum", "absoluteErrorSum", "correct"));
        assertEquals(expected, JSON.readTree(liveWhole));
        assertEquals(60, liveScores.version());
        JsonNode weights = expected.get("weights");
        double first = weights.get("f3").asDouble() * 1.5 + weights.get("f11").asDouble() * -2.0
                + expected.get("denseWeights").get(0).asDouble() * 0.5
                + expected.get("denseWeights").get(1).asDouble() * -1 + expected.get("bias").asDouble();
        assertEquals(first, liveScores.scores()[0][0], 1e-12);
        assertEquals(weights.get("f0").asDouble() + expected.get("bias").asDouble(), liveScores.scores()[1][0], 1e-12);
        ObjectNode light = expected.deepCopy();
        light.remove(List.of("weights", "denseWeights", "state"));
        assertEquals(light, JSON.readTree(liveHeader));

        // Every working model dropped (as after a restart or an eviction): the same answers, from the stores.
        workingModels().clearCache();
        assertArrayEquals(liveHeader, json.header(reader.header(KEY, 0)));
        Predictions.Scores storedScores = reader.withWeights(KEY, 0, view -> predictions.score(view, request));
        assertEquals(liveScores.version(), storedScores.version());
        assertTrue(java.util.Arrays.deepEquals(liveScores.scores(), storedScores.scores()), "the same scores, bit for bit");
        assertEquals(liveWhole, whole());
        WorkingModelStore.Stamp stamp = workingModels().stamp(KEY);
        assertNotNull(stored.get(KEY, stamp), "read whole once, kept while the stores hold the same");

        // The learner takes the model in memory again with its next event: read there, the stored copy forgotten.
        learn(1, new Random(4));
        assertTrue(!stamp.equals(workingModels().stamp(KEY)), "taken into memory: what was read no longer holds");
        assertEquals(Long.valueOf(61), reader.<Long>withWeights(KEY, 0, view -> view.model().version()));
        assertTrue(stored.isEmpty());
        // Out of memory again: read from the stores once more, at the version the learner left.
        workingModels().clearCache();
        assertEquals(Long.valueOf(61), reader.<Long>withWeights(KEY, 0, view -> view.model().version()));
        assertArrayEquals(json.header(reader.header(KEY, 0)), json.header(ModelJson.header(
                ModelStore.open(driver::getKeyValueStore, config).headerOf(KEY))));
    }

    @Test
    void shouldAnswerUnavailableWhileAnotherRequestReadsAModelInPartsFromTheStores() {
        // More named weights than one snapshot record holds inline: the store keeps them in parts.
        learn(400, new Random(6), 2_000);
        workingModels().clearCache();
        assertTrue(stored.startRead(), "nothing else reads");
        try {
            ApiError busy = org.junit.jupiter.api.Assertions.assertThrows(ApiError.class,
                    () -> reader.withWeights(KEY, 0, view -> view.model().version()));
            assertEquals(503, busy.status());
            assertTrue(stored.isEmpty(), "read by no one");
        } finally {
            stored.readDone();
        }
        assertEquals(Long.valueOf(400), reader.<Long>withWeights(KEY, 0, view -> view.model().version()));
        assertNotNull(stored.get(KEY, workingModels().stamp(KEY)));
    }

    @Test
    void shouldSayThereIsNoModelForAKeyNeverLearned() {
        learn(3, new Random(5));
        assertNull(reader.header("other", 0));
        assertNull(reader.withWeights("other", 0, view -> view.model().version()));
        assertNull(reader.detached("other", 0));
    }

    /** The whole model's JSON as the API streams it. */
    private String whole() throws Exception {
        ModelView view = reader.detached(KEY, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        json.whole(out, reader.record(view), view.model(), reader.learner());
        return out.toString(StandardCharsets.UTF_8);
    }

    /** {@code events} events of model {@value #KEY}: a dense pair and 4 of 30 names, so that most weights lag. */
    private void learn(int events, Random random) {
        learn(events, random, 30);
    }

    /** {@code events} events: a dense pair and 4 names of {@code names}. */
    private void learn(int events, Random random, int names) {
        for (int i = 0; i < events; i++) {
            Map<String, Double> named = new TreeMap<>();
            for (int j = 0; j < 4; j++) {
                named.put("f" + random.nextInt(names), random.nextGaussian());
            }
            List<Double> dense = new ArrayList<>(List.of(random.nextGaussian(), random.nextGaussian()));
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey(KEY).setNamedFeatures(named)
                    .setDenseFeatures(dense).setLabel(random.nextGaussian()).build();
            input.pipeInput(KEY.getBytes(StandardCharsets.UTF_8),
                    InertiaSerdes.labeledEvent().serialize(config.inputTopic(), event), ++timestamp);
        }
    }

    private WorkingModelStore workingModels() {
        return (WorkingModelStore) driver.getStateStore(WorkingModelStore.NAME);
    }
}
