package io.inertia.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.model.OnlineLearner;
import io.inertia.replay.Replay;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.ModelStore;
import io.inertia.topology.SnapshotCodec;
import io.inertia.topology.WorkingModelStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code predict?raw=true} makes the features of a user's record as {@code run} and {@code replay} make them: a record
 * predicted by a model at version v gets the very prediction that the learner publishes for the same record when it
 * arrives next (its prequential prediction, made by version v before the update), live and in a replay of the file,
 * its standardized price scaled with the model's statistics of that version. Scoring it moves no statistics.
 */
class RawPredictionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Records of examples/clicks.jsonl learned before the one predicted. */
    private static final int LEARNED = 90;

    @TempDir
    Path dir;

    private InertiaConfig config;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> input;
    private TestOutputTopic<String, Prediction> predictionTopic;
    private ModelReader reader;
    private Predictions predictions;
    private RawPredictions raw;

    @BeforeEach
    void start() throws Exception {
        Path spec = Files.writeString(dir.resolve("clicks.yaml"), Files.readString(Path.of(
                "examples/clicks.spec.yaml")));
        config = InertiaConfig.of(Map.of("inertia.input.format", "json", "inertia.feature-spec", spec.toString(),
                "inertia.topic.input", "clicks", "inertia.loss", "logistic", "inertia.hash-bits", "18",
                "inertia.snapshot-every", "1000"));
        Properties properties = new Properties();
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "raw-predictions-test");
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused.invalid:9092");
        properties.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(dir, "state").toString());
        properties.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, "true");
        driver = new TopologyTestDriver(InertiaTopology.build(config, LearningObserver.NONE), properties);
        input = driver.createInputTopic("clicks", new ByteArraySerializer(), new ByteArraySerializer());
        predictionTopic = driver.createOutputTopic(config.predictionTopic(), new StringDeserializer(),
                InertiaSerdes.prediction());
        reader = new ModelReader(new ModelReader.TaskStores() {
            @Override
            public WorkingModelStore working(int partition) {
                return (WorkingModelStore) driver.getStateStore(WorkingModelStore.NAME);
            }

            @Override
            public ModelStore durable(int partition, OnlineLearner learner, HyperParameters hyperParameters) {
                return ModelStore.open(driver::getKeyValueStore, config);
            }

            @Override
            public KeyValueStore<String, ModelSnapshot> headers() {
                return driver.getKeyValueStore(ModelStore.NAME);
            }
        }, config, new StoredModels(1L << 30), new ModelJson(SnapshotCodec.hyperParameters(config),
                config.learner(), "127.0.0.1:1"));
        predictions = new Predictions(config, config.learner());
        raw = new RawPredictions(config);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private Predictions.Scores predict(String modelKey, String body) {
        RawPredictions.Request request = raw.parse(modelKey, body.getBytes(StandardCharsets.UTF_8));
        return reader.withWeights(modelKey, 0, view -> predictions.score(view, raw.examples(view, request)));
    }

    @Test
    void shouldPredictARecordAsRunAndReplayPredictItWhenItArrives() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("examples/clicks.jsonl")).subList(0, LEARNED + 1);
        for (String line : lines.subList(0, LEARNED)) {
            input.pipeInput(null, line.getBytes(StandardCharsets.UTF_8));
        }
        String next = lines.get(LEARNED);
        String campaign = JSON.readTree(next).get("ad").get("campaign").asText();
        long learnedOfCampaign = lines.subList(0, LEARNED).stream().filter(line -> line.contains(
                "\"campaign\":\"" + campaign + "\"")).count();
        // Without its label, as a prediction is asked for; twice, to show that scoring moves no statistics.
        JsonNode unlabeled = JSON.readTree(next);
        ((com.fasterxml.jackson.databind.node.ObjectNode) unlabeled).remove("clicked");
        Predictions.Scores served = predict(campaign, unlabeled.toString());
        Predictions.Scores again = predict(campaign, "[" + unlabeled + ", " + unlabeled + "]");
        assertEquals(learnedOfCampaign, served.version());
        assertEquals(served.scores()[0][0], again.scores()[0][0]);
        assertEquals(served.scores()[0][0], again.scores()[1][0]);

        // run: the record arrives; its prediction was made by the same version, before the update.
        predictionTopic.readValuesToList();
        input.pipeInput(null, next.getBytes(StandardCharsets.UTF_8));
        Prediction live = predictionTopic.readValue();
        assertEquals(served.version(), live.getModelVersion());
        assertEquals(served.scores()[0][0], live.getScore(), 1e-12);

        // replay: the same file through the same spec.
        Path file = Files.write(dir.resolve("clicks.jsonl"), lines);
        Path predicted = dir.resolve("predictions.jsonl");
        Replay.run(new Replay.Request(file, new EventFile.Layout(null, null, null), 1, dir.resolve("out.jsonl"),
                config), new Replay.Extras(predicted, null));
        List<String> replayed = Files.readAllLines(predicted);
        JsonNode last = JSON.readTree(replayed.get(replayed.size() - 1));
        assertEquals(served.version(), last.get("modelVersion").asLong());
        assertEquals(served.scores()[0][0], last.get("score").asDouble(), 1e-12);
    }

    @Test
    void shouldScaleTheStandardizedPriceWithTheModelsStatisticsAsTheyAreNow() throws Exception {
        // Model c1 learns prices 1 and 3 (mean 2, σ = 1); a price of 4 is then 2 standard deviations out. The same
        // record with the price written as that z by hand, through a spec that does not standardize, scores alike.
        for (String price : new String[] {"1", "3"}) {
            input.pipeInput(null, ("{\"user\": {\"country\": \"DE\"}, \"ad\": {\"id\": \"a1\", \"campaign\": \"c1\", "
                    + "\"price\": " + price + "}, \"clicked\": true}").getBytes(StandardCharsets.UTF_8));
        }
        Predictions.Scores scaled = predict("c1", "{\"user\": {\"country\": \"FR\"}, \"ad\": {\"id\": \"a2\", "
                + "\"price\": 4}}");
        Path plain = Files.writeString(dir.resolve("plain.yaml"), Files.readString(Path.of(
                "examples/clicks.spec.yaml")).replace("    transform: standardize\n", ""));
        RawPredictions byHand = new RawPredictions(config.with(Map.of("inertia.feature-spec", plain.toString())));
        RawPredictions.Request request = byHand.parse("c1", ("{\"user\": {\"country\": \"FR\"}, \"ad\": {\"id\": "
                + "\"a2\", \"price\": 2.0}}").getBytes(StandardCharsets.UTF_8));
        Predictions.Scores expected = reader.withWeights("c1", 0, view -> predictions.score(view,
                byHand.examples(view, request)));
        assertEquals(2, scaled.version());
        assertEquals(expected.scores()[0][0], scaled.scores()[0][0], 1e-15);
    }

    @Test
    void shouldRefuseARecordOfAnotherModelAndOneThatLacksARequiredFeature() throws Exception {
        input.pipeInput(null, "{\"ad\": {\"id\": \"a1\", \"campaign\": \"c1\", \"price\": 1}, \"clicked\": true}"
                .getBytes(StandardCharsets.UTF_8));
        ApiError other = assertThrows(ApiError.class, () -> predict("c1", "[{\"ad\": {\"id\": \"a1\"}}, "
                + "{\"ad\": {\"id\": \"a1\", \"campaign\": \"c2\"}}]"));
        assertEquals(400, other.status());
        assertEquals("item 1: the record's model key field 'ad.campaign' is 'c2', not 'c1' of the path",
                other.getMessage());
        Path strict = Files.writeString(dir.resolve("strict.yaml"), """
                model-key: {field: ad.campaign}
                label: clicked
                categorical: [{field: ad.id, on-missing: dead-letter}]
                """);
        ApiError missing = assertThrows(ApiError.class, () -> new RawPredictions(config.with(Map.of(
                "inertia.feature-spec", strict.toString()))).parse("c1", "{\"ad\": {}}".getBytes(
                        StandardCharsets.UTF_8)));
        assertEquals("feature 'ad.id': field 'ad.id' is missing", missing.getMessage());
        ApiError noSpec = assertThrows(ApiError.class, () -> new RawPredictions(InertiaConfig.of(Map.of()))
                .parse("c1", "{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(400, noSpec.status());
    }
}
