package io.inertia.topology;

import static io.inertia.topology.SchemaSampleWriter.releasedSchema;
import static io.inertia.topology.SchemaSampleWriter.sample;
import static io.inertia.topology.SchemaSampleWriter.sampleSchema;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.io.File;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema evolution, on bytes kept from earlier versions ({@code src/test/resources/schema-samples/}, written once by
 * {@link SchemaSampleWriter}).
 *
 * <p>What is promised: every event and snapshot written with any schema in {@code src/main/resources/schema-history/}
 * stays readable by the current learner, and a snapshot of any of those versions resumes learning exactly where it
 * stopped. The history holds the writer schema of every released version, {@code <Name>-v<n>.avsc}, the current one
 * included; changing a schema in {@code schemas/} therefore means adding its next version there (the first test fails
 * until that is done), and the new version must be able to read the older ones (the second test). A reader cannot know
 * the fingerprint of a schema newer than itself: newer events are refused as unknown until that schema is registered,
 * which is what a rolling upgrade does by deploying the reader first.
 *
 * <p>Model m, η = 0.1, β = 0.9, squared loss: event 1 (dense [1, 2], x = 1, y = 1), event 2 ([0.5, −1], x = 2,
 * y = 0), event 3 ([1, 0], x = −1, y = 1). Worked by hand:
 * <pre>
 *   event 1: z = 0, dL/dz = −1, L = 0.5; v = −0.1·x → w = [0.1, 0.2], w_x = 0.1, b = 0.1; r = 0.5
 *   event 2: z = 0.05 − 0.2 + 0.2 + 0.1 = 0.15, dL/dz = 0.15, L = 0.01125;
 *            v = [−0.09 + 0.0075, −0.18 − 0.015] = [−0.0825, −0.195] → w = [0.1825, 0.395];
 *            v_x = −0.09 + 0.03 = −0.06 → w_x = 0.16; v_b = −0.09 + 0.015 = −0.075 → b = 0.175;
 *            r = 0.99·0.5 + 0.01·0.01125 = 0.4951125
 *   event 3: z = 0.1825 − 0.16 + 0.175 = 0.1975, dL/dz = −0.8025, L = 0.322003125;
 *            v = [−0.07425 − 0.08025, −0.1755] = [−0.1545, −0.1755] → w = [0.337, 0.5705];
 *            v_x = −0.054 + 0.08025 = 0.02625 → w_x = 0.13375; v_b = −0.0675 − 0.08025 = −0.14775 → b = 0.32275;
 *            r = 0.99·0.4951125 + 0.01·0.322003125 = 0.49338140625
 * </pre>
 */
class SchemaEvolutionTest {

    private static final double EXACT = 1e-12;
    private static final String INPUT = "labeled-events";
    private static final Pattern HISTORY_FILE = Pattern.compile("([A-Za-z]+)-v([1-9][0-9]*)\\.avsc");
    private static final List<Schema> CURRENT = List.of(LabeledEvent.getClassSchema(),
            ModelSnapshot.getClassSchema(), ModelCoordinate.getClassSchema(), Prediction.getClassSchema(),
            ModelSnapshotPart.getClassSchema());

    @TempDir
    Path stateDirs;

    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void closeDrivers() {
        harnesses.forEach(TopologyHarness::close);
    }

    @Test
    void shouldKeepEveryCurrentSchemaAsTheLatestVersionInTheHistory() {
        for (Schema current : CURRENT) {
            List<Schema> released = InertiaSerdes.releasedSchemas(current);
            assertFalse(released.isEmpty(), "no schema-history/" + current.getName() + "-v1.avsc");
            assertEquals(SchemaNormalization.parsingFingerprint64(current),
                    SchemaNormalization.parsingFingerprint64(released.get(released.size() - 1)),
                    "schemas/" + current.getName() + ".avsc changed: add it to schema-history/ as "
                            + current.getName() + "-v" + (released.size() + 1) + ".avsc");
        }
    }

    @Test
    void shouldReadEveryReleasedVersionWithTheCurrentReader() {
        for (Schema current : CURRENT) {
            for (Schema writer : InertiaSerdes.releasedSchemas(current)) {
                var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(current, writer);
                assertEquals(SchemaCompatibilityType.COMPATIBLE, compatibility.getType(),
                        current.getName() + ": " + compatibility.getDescription());
            }
        }
    }

    @Test
    void shouldRegisterEveryFileOfTheHistoryFolder() throws Exception {
        URL folder = getClass().getClassLoader().getResource("schema-history");
        File[] files = new File(folder.toURI()).listFiles();
        assertTrue(files != null && files.length > 0);
        int registered = 0;
        for (Schema current : CURRENT) {
            registered += InertiaSerdes.releasedSchemas(current).size();
        }
        assertEquals(files.length, registered, "files: " + Arrays.toString(files));
        for (File file : files) {
            Matcher name = HISTORY_FILE.matcher(file.getName());
            assertTrue(name.matches(), "not <Name>-v<n>.avsc: " + file.getName());
            Schema schema = CURRENT.stream().filter(s -> s.getName().equals(name.group(1))).findFirst().orElseThrow();
            assertTrue(Integer.parseInt(name.group(2)) <= InertiaSerdes.releasedSchemas(schema).size(),
                    file.getName() + " is not loaded: the versions must be numbered without a gap");
        }
        // The snapshot sample's version 1 really is older than the current schema.
        assertNull(releasedSchema("ModelSnapshot-v1.avsc").getField("halted"));
    }

    @Test
    void shouldDecodeTheVersion1EventSampleAndLearnFromIt() throws Exception {
        byte[] bytes = sample("labeled-event-v1.bin");
        LabeledEvent event = InertiaSerdes.labeledEvent().deserialize(INPUT, bytes);
        assertEquals("m", event.getModelKey());
        assertEquals(List.of(1.0, 2.0), event.getDenseFeatures());
        assertEquals(Map.of("x", 1.0), event.getNamedFeatures());
        assertEquals(1.0, event.getLabel());
        assertEquals(1.0, event.getWeight());
        assertEquals("e1", event.getEventId());

        TopologyHarness harness = harness();
        harness.send(utf8("m"), bytes, 1_000L);
        assertTrue(harness.deadLetters().isEmpty());
        ModelSnapshot learned = harness.stored("m");
        assertEquals(1, learned.getVersion());
        assertEquals(0.1, learned.getDenseWeights().get(0), EXACT);
        assertEquals(0.2, learned.getDenseWeights().get(1), EXACT);
        assertEquals(0.1, learned.getNamedWeights().get("x"), EXACT);
        assertEquals(0.1, learned.getBias(), EXACT);
        assertEquals(0.5, learned.getRunningLoss(), EXACT);
    }

    @Test
    void shouldDecodeAVersion2EventWithTheCurrentReaderOnceVersion2IsRegistered() throws Exception {
        byte[] bytes = sample("labeled-event-v2.bin");
        // The current reader has never seen version 2's fingerprint...
        SerializationException unknown = assertThrows(SerializationException.class,
                () -> InertiaSerdes.labeledEvent().deserialize(INPUT, bytes));
        assertTrue(unknown.getMessage().contains("unknown schema fingerprint"), unknown.getMessage());
        TopologyHarness harness = harness();
        harness.send(utf8("m"), bytes, 2_000L);
        assertEquals(1, harness.deadLetters().size(), "the learner dead-letters it like any unknown schema");

        // ...and reads it, without the field it does not know, once told the writer schema.
        LabeledEvent event = InertiaSerdes.labeledEvent().withWriterSchema(sampleSchema("LabeledEvent-v2.avsc"))
                .deserialize(INPUT, bytes);
        assertEquals(LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(List.of(0.5, -1.0))
                .setNamedFeatures(Map.of("x", 2.0)).setLabel(0.0).setWeight(1.0).setEventId("e2").build(), event);
    }

    @Test
    void shouldReadTheVersion1EventSampleWithAVersion2Reader() throws Exception {
        Schema v2 = sampleSchema("LabeledEvent-v2.avsc");
        BinaryMessageDecoder<GenericRecord> reader = new BinaryMessageDecoder<>(GenericData.get(), v2);
        reader.addSchema(releasedSchema("LabeledEvent-v1.avsc"));
        GenericRecord event = reader.decode(sample("labeled-event-v1.bin"), null);
        assertNull(event.get("source"), "the v2 default fills the field v1 did not have");
        assertEquals("m", event.get("modelKey").toString());
        assertEquals(1.0, event.get("label"));
        assertEquals("e1", event.get("eventId").toString());

        GenericRecord newer = reader.decode(sample("labeled-event-v2.bin"), null);
        assertEquals("sensor-7", newer.get("source").toString());
    }

    @Test
    void shouldDecodeTheVersion1SnapshotSampleWithTheCurrentSerde() {
        ModelSnapshot snapshot = InertiaSerdes.modelSnapshot().deserialize("model-snapshots",
                sample("model-snapshot-v1.bin"));
        assertFalse(snapshot.getHalted(), "version 1 had no halted field: its default");
        assertEquals("m", snapshot.getModelKey());
        assertEquals(2, snapshot.getVersion());
        assertEquals(0.1825, snapshot.getDenseWeights().get(0), EXACT);
        assertEquals(0.395, snapshot.getDenseWeights().get(1), EXACT);
        assertEquals(-0.0825, snapshot.getOptimizerState().getDenseState().get(0), EXACT);
        assertEquals(-0.195, snapshot.getOptimizerState().getDenseState().get(1), EXACT);
        assertEquals(0.16, snapshot.getNamedWeights().get("x"), EXACT);
        assertEquals(-0.06, snapshot.getOptimizerState().getNamedState().get("x").get(0), EXACT);
        assertEquals(0.175, snapshot.getBias(), EXACT);
        assertEquals(-0.075, snapshot.getOptimizerState().getBiasState().get(0), EXACT);
        assertEquals(0.4951125, snapshot.getRunningLoss(), EXACT);
        assertEquals(2, snapshot.getMetrics().getCount());
        assertEquals(2_000L, snapshot.getLastEventTimestamp());
        assertEquals(0.1, snapshot.getHyperParameters().getLearningRate());
    }

    @Test
    void shouldResumeFromTheVersion1SnapshotExactlyAsAnUninterruptedRun() throws Exception {
        TopologyHarness resumed = harness();
        resumed.headerStore().put("m", InertiaSerdes.modelSnapshot().deserialize("model-snapshots",
                sample("model-snapshot-v1.bin")));
        resumed.send("m", event(2), SchemaSampleWriter.TIMESTAMPS.get(2));

        TopologyHarness uninterrupted = harness();
        for (int i = 0; i < 3; i++) {
            uninterrupted.send("m", event(i), SchemaSampleWriter.TIMESTAMPS.get(i));
        }
        List<ModelSnapshot> expected = uninterrupted.publishedSnapshots();
        assertEquals(3, expected.size());
        List<ModelSnapshot> published = resumed.publishedSnapshots();
        // The resumed driver reads event 3 at offset 0, the uninterrupted one at offset 2.
        assertEquals(0L, published.get(0).getInputPosition().getOffset());
        assertEquals(List.of(InputPositions.without(expected.get(2))), InputPositions.without(published));
        assertEquals(InputPositions.without(expected.get(2)), InputPositions.without(resumed.stored("m")));

        assertEvent3ByHand(published.get(0));
    }

    /** The snapshot after event 3, as computed by hand in the class comment. */
    private static void assertEvent3ByHand(ModelSnapshot last) {
        assertEquals(3, last.getVersion());
        assertEquals(0.337, last.getDenseWeights().get(0), EXACT);
        assertEquals(0.5705, last.getDenseWeights().get(1), EXACT);
        assertEquals(0.13375, last.getNamedWeights().get("x"), EXACT);
        assertEquals(0.02625, last.getOptimizerState().getNamedState().get("x").get(0), EXACT);
        assertEquals(0.32275, last.getBias(), EXACT);
        assertEquals(-0.14775, last.getOptimizerState().getBiasState().get(0), EXACT);
        assertEquals(0.49338140625, last.getRunningLoss(), EXACT);
        assertEquals(3, last.getMetrics().getCount());
        assertEquals(3_000L, last.getLastEventTimestamp());
    }

    @Test
    void shouldResumeFromAVersion4SnapshotOfTheReleaseBeforeClassesExactlyAsAnUninterruptedRun() throws Exception {
        // Written before ModelSnapshot v5 added classWeights, class metrics and the ftrl/classes hyper-parameters:
        // their defaults make it a single-output momentum model.
        ModelSnapshot v4 = InertiaSerdes.modelSnapshot().deserialize("model-snapshots", sample("model-snapshot-v4.bin"));
        assertNull(v4.getClassWeights());
        assertEquals(1, v4.getHyperParameters().getClasses());
        assertEquals(List.of(), v4.getMetrics().getLabeledCounts());
        assertNull(v4.getMetrics().getMacroF1());
        TopologyHarness resumed = harness();
        resumed.headerStore().put("m", v4);
        resumed.send("m", event(2), SchemaSampleWriter.TIMESTAMPS.get(2));

        TopologyHarness uninterrupted = harness();
        for (int i = 0; i < 3; i++) {
            uninterrupted.send("m", event(i), SchemaSampleWriter.TIMESTAMPS.get(i));
        }
        List<ModelSnapshot> published = resumed.publishedSnapshots();
        assertEquals(List.of(InputPositions.without(uninterrupted.publishedSnapshots().get(2))),
                InputPositions.without(published));
        assertEvent3ByHand(published.get(0));
    }

    @Test
    void shouldReadAVersion1PredictionWithTheCurrentSerde() {
        Prediction prediction = InertiaSerdes.prediction().deserialize("predictions", sample("prediction-v1.bin"));
        assertEquals("m", prediction.getModelKey());
        assertEquals(SchemaSampleWriter.PREDICTION_3, prediction.getPrediction());
        assertEquals(1.0, prediction.getLabel(), "a double read into the nullable label");
        assertEquals(0.322003125, prediction.getLoss());
        assertEquals(2L, prediction.getModelVersion());
        assertNull(prediction.getProbabilities());
        assertNull(prediction.getPredictedClass());
    }

    @Test
    void shouldResumeFromAModelStoredByRelease01ExactlyAsAnUninterruptedRun() throws Exception {
        // Release 0.1 kept a model as a ModelSnapshot v2 header plus one ModelCoordinate v1 per named weight.
        TopologyHarness resumed = harness();
        resumed.headerStore().put("m", InertiaSerdes.modelSnapshot().deserialize("inertia-models",
                sample("model-header-v2.bin")));
        org.apache.kafka.streams.state.KeyValueStore<String, io.inertia.avro.ModelCoordinate> coordinates =
                resumed.driver.getKeyValueStore(ModelStore.COORDINATES);
        coordinates.put("m\u0000x", InertiaSerdes.modelCoordinate().deserialize("inertia-model-coordinates",
                sample("model-coordinate-v1.bin")));
        resumed.send("m", event(2), SchemaSampleWriter.TIMESTAMPS.get(2));

        TopologyHarness uninterrupted = harness();
        for (int i = 0; i < 3; i++) {
            uninterrupted.send("m", event(i), SchemaSampleWriter.TIMESTAMPS.get(i));
        }
        ModelSnapshot expected = uninterrupted.publishedSnapshots().get(2);
        List<ModelSnapshot> published = resumed.publishedSnapshots();
        assertEquals(0L, published.get(0).getInputPosition().getOffset());
        assertEquals(List.of(InputPositions.without(expected)), InputPositions.without(published));
        assertEquals(InputPositions.without(expected), InputPositions.without(resumed.stored("m")));
        assertEvent3ByHand(published.get(0));
    }

    /** Event {@code i} (0-based) of model m as the current generated class. */
    private static LabeledEvent event(int i) {
        return LabeledEvent.newBuilder().setModelKey("m").setDenseFeatures(SchemaSampleWriter.DENSE.get(i))
                .setNamedFeatures(Map.of("x", SchemaSampleWriter.X.get(i)))
                .setLabel(SchemaSampleWriter.LABELS.get(i)).setEventId("e" + (i + 1)).build();
    }

    private TopologyHarness harness() throws Exception {
        TopologyHarness harness = TopologyHarness.of(InertiaConfig.of(SchemaSampleWriter.SETTINGS), stateDirs);
        harnesses.add(harness);
        return harness;
    }
}
