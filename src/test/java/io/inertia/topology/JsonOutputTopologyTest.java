package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.JsonRecordSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia.output.format=json}: snapshots (whole, or header and parts) and predictions published as JSON text in
 * Avro's JSON encoding of the same schemas: the same records as the Avro output, the same layout of parts, no record
 * beyond the limit, and readable by the snapshot readers.
 */
class JsonOutputTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path stateDirs;

    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(TopologyHarness::close);
    }

    @Test
    void shouldPublishAsJsonTheRecordsItPublishesAsAvro() throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("inertia.snapshot-every", "3"));
        TopologyHarness avro = harness(settings);
        settings.put("inertia.output.format", "json");
        TopologyHarness json = harness(settings);
        for (int i = 0; i < 7; i++) {
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x", 1.0 + i))
                    .setDenseFeatures(List.of(0.5, -i * 1.0)).setLabel(2.0 - i).setEventId(i % 2 == 0 ? "e" + i : null)
                    .build();
            avro.send("m", event, i);
            json.send("m", event, i);
        }
        List<ModelSnapshot> expected = avro.publishedSnapshots();
        List<TestRecord<String, byte[]>> published = raw(json, json.config.snapshotTopic()).readRecordsToList();
        assertEquals(2, expected.size());
        assertEquals(expected.size(), published.size());
        JsonRecordSerde<ModelSnapshot> serde = new JsonRecordSerde<>(ModelSnapshot.getClassSchema());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode text = JSON.readTree(published.get(i).value());
            assertEquals("m", text.get("modelKey").asText());
            assertEquals(3L * (i + 1), text.get("version").asLong());
            // A union is written as {type: value}, as Avro's JSON encoding does.
            JsonNode dense = text.get("denseWeights").get("array");
            assertEquals(2, dense.size());
            assertEquals(expected.get(i).getDenseWeights().get(1), dense.get(1).asDouble());
            assertEquals(expected.get(i).getBias(), text.get("bias").asDouble());
            assertEquals(expected.get(i), serde.deserialize("t", published.get(i).value()));
        }
        List<Prediction> expectedPredictions = avro.predictions.readValuesToList();
        List<TestRecord<String, byte[]>> predictions = raw(json, json.config.predictionTopic()).readRecordsToList();
        JsonRecordSerde<Prediction> predictionSerde = new JsonRecordSerde<>(Prediction.getClassSchema());
        assertEquals(7, predictions.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(expectedPredictions.get(i), predictionSerde.deserialize("t", predictions.get(i).value()));
            JsonNode eventId = JSON.readTree(predictions.get(i).value()).get("eventId");
            if (i % 2 == 0) {
                assertEquals("e" + i, eventId.get("string").asText());
            } else {
                assertTrue(eventId.isNull());
            }
        }
    }

    @Test
    void shouldKeepEveryJsonRecordOfAModelInPartsWithinTheLimitAndReassembleItAsTheAvroOne() throws Exception {
        // Names made mostly of control characters, which JSON writes as six characters each: the worst case.
        Map<String, String> settings = new HashMap<>(Map.of("inertia.snapshot-every", "20",
                "inertia.max-record-bytes", "65536"));
        TopologyHarness avro = harness(settings);
        settings.put("inertia.output.format", "json");
        TopologyHarness json = harness(settings);
        Random random = new Random(3);
        for (int i = 0; i < 100; i++) {
            Map<String, Double> features = new TreeMap<>();
            for (int j = 0; j < 40; j++) {
                features.put("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008" + (i * 40 + j), random.nextGaussian());
            }
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey("wide").setNamedFeatures(features)
                    .setLabel(random.nextGaussian()).build();
            avro.send("wide", event, i);
            json.send("wide", event, i);
        }
        List<TestRecord<String, byte[]>> records = raw(json, json.config.snapshotTopic()).readRecordsToList();
        SnapshotAssembler fromJson = new SnapshotAssembler();
        int parts = 0;
        for (TestRecord<String, byte[]> record : records) {
            byte[] key = record.key().getBytes(StandardCharsets.UTF_8);
            assertTrue(key.length + (record.value() == null ? 0 : record.value().length) <= 65536,
                    "a record of " + (record.value() == null ? 0 : record.value().length) + " bytes");
            parts += SnapshotLayout.isPartKey(record.key()) && record.value() != null ? 1 : 0;
            fromJson.take(json.config.snapshotTopic(), key, record.value());
        }
        assertTrue(parts > 5, parts + " parts: the model is published in parts");
        // The Avro run's records, read the same way.
        SnapshotAssembler fromAvro = new SnapshotAssembler();
        TestOutputTopic<String, byte[]> avroRecords = raw(avro, avro.config.snapshotTopic());
        for (TestRecord<String, byte[]> record : avroRecords.readRecordsToList()) {
            fromAvro.take(avro.config.snapshotTopic(), record.key().getBytes(StandardCharsets.UTF_8), record.value());
        }
        ModelSnapshot whole = fromJson.latest().get("wide");
        assertEquals(100, whole.getVersion());
        assertEquals(4000, whole.getNamedWeights().size());
        assertEquals(fromAvro.latest().get("wide"), whole);
    }

    @Test
    void shouldPublishASoftmaxModelAsJsonInPartsWithinTheLimitAndItsPredictionsWithTheirProbabilities()
            throws Exception {
        // K = 5 classes: each part's feature carries 5 weights and 5 velocities, all within the JSON bound.
        Map<String, String> settings = new HashMap<>(Map.of("inertia.snapshot-every", "20",
                "inertia.max-record-bytes", "65536", "inertia.loss", "softmax", "inertia.classes", "5"));
        TopologyHarness avro = harness(settings);
        settings.put("inertia.output.format", "json");
        TopologyHarness json = harness(settings);
        Random random = new Random(5);
        for (int i = 0; i < 60; i++) {
            Map<String, Double> features = new TreeMap<>();
            for (int j = 0; j < 30; j++) {
                features.put("\u0001\u0002\u0003" + (i * 30 + j), random.nextGaussian());
            }
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey("k").setNamedFeatures(features)
                    .setLabel(i % 5).build();
            avro.send("k", event, i);
            json.send("k", event, i);
        }
        SnapshotAssembler fromJson = new SnapshotAssembler();
        int parts = 0;
        for (TestRecord<String, byte[]> record : raw(json, json.config.snapshotTopic()).readRecordsToList()) {
            byte[] key = record.key().getBytes(StandardCharsets.UTF_8);
            assertTrue(key.length + (record.value() == null ? 0 : record.value().length) <= 65536);
            parts += SnapshotLayout.isPartKey(record.key()) && record.value() != null ? 1 : 0;
            fromJson.take(json.config.snapshotTopic(), key, record.value());
        }
        assertTrue(parts > 3, parts + " parts");
        SnapshotAssembler fromAvro = new SnapshotAssembler();
        for (TestRecord<String, byte[]> record : raw(avro, avro.config.snapshotTopic()).readRecordsToList()) {
            fromAvro.take(avro.config.snapshotTopic(), record.key().getBytes(StandardCharsets.UTF_8), record.value());
        }
        ModelSnapshot whole = fromJson.latest().get("k");
        assertEquals(1800, whole.getClassWeights().getNamedWeights().size());
        assertEquals(fromAvro.latest().get("k"), whole);

        List<Prediction> expected = avro.predictions.readValuesToList();
        List<TestRecord<String, byte[]>> predictions = raw(json, json.config.predictionTopic()).readRecordsToList();
        JsonRecordSerde<Prediction> serde = new JsonRecordSerde<>(Prediction.getClassSchema());
        for (int i = 0; i < 60; i++) {
            assertEquals(expected.get(i), serde.deserialize("t", predictions.get(i).value()));
        }
        JsonNode last = JSON.readTree(predictions.get(59).value());
        assertEquals(5, last.get("probabilities").get("array").size());
        assertEquals(expected.get(59).getPredictedClass(), last.get("predictedClass").get("int").asInt());
        assertEquals(4.0, last.get("label").get("double").asDouble());
    }

    private TopologyHarness harness(Map<String, String> settings) throws Exception {
        TopologyHarness harness = TopologyHarness.of(InertiaConfig.of(settings), stateDirs);
        harnesses.add(harness);
        return harness;
    }

    private static TestOutputTopic<String, byte[]> raw(TopologyHarness harness, String topic) {
        return harness.driver.createOutputTopic(topic, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
