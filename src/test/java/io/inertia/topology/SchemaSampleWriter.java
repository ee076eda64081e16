package io.inertia.topology;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Writes the serialized samples of {@code src/test/resources/schema-samples/} that {@code SchemaEvolutionTest} reads.
 * Run it once, when a schema version is released, and commit the bytes; never rewrite a sample that exists, since it
 * stands for data already stored in topics and changelogs.
 *
 * <ul>
 *   <li>{@code labeled-event-v1.bin}: event 1 below in LabeledEvent v1.</li>
 *   <li>{@code labeled-event-v2.bin}: event 2 below in LabeledEvent v2 ({@code schema-samples/LabeledEvent-v2.avsc},
 *       v1 plus an optional {@code source}), with source {@code sensor-7}.</li>
 *   <li>{@code model-snapshot-v1.bin}: model {@code m} after events 1 and 2 under {@link #SETTINGS}, in
 *       ModelSnapshot v1.</li>
 *   <li>{@code model-header-v2.bin} and {@code model-coordinate-v1.bin}: the same model as release 0.1 stored it in
 *       its two stores: the header (ModelSnapshot v2 without named weights) and the coordinate of x (ModelCoordinate
 *       v1, current to update 2).</li>
 *   <li>{@code model-snapshot-v4.bin}: the same model in ModelSnapshot v4, the last version before softmax models and
 *       FTRL (release 0.4's snapshots and stored headers).</li>
 *   <li>{@code prediction-v1.bin}: the prediction of event 3 by that model in Prediction v1 (label and loss not yet
 *       nullable, no class probabilities).</li>
 * </ul>
 *
 * Each is written with Avro's {@link GenericRecord} and the writer schema of its version, never with the generated
 * classes, so the output is the same whatever the current schemas are (the committed v1 samples were first written by
 * the v1 release's own serdes, and this writes the same bytes). Run from the project directory:
 *
 * <pre>
 * mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.inertia.topology.SchemaSampleWriter \
 *     src/test/resources/schema-samples
 * </pre>
 */
final class SchemaSampleWriter {

    /** η = 0.1, β = 0.9, squared loss, momentum, a snapshot after every update. */
    static final Map<String, String> SETTINGS = Map.of(
            "inertia.learning-rate", "0.1",
            "inertia.momentum", "0.9",
            "inertia.snapshot-every", "1");
    /** Dense features of events 1, 2 and 3 of model {@code m}. */
    static final List<List<Double>> DENSE = List.of(List.of(1.0, 2.0), List.of(0.5, -1.0), List.of(1.0, 0.0));
    /** The named feature x of events 1, 2 and 3. */
    static final List<Double> X = List.of(1.0, 2.0, -1.0);
    /** Labels of events 1, 2 and 3. */
    static final List<Double> LABELS = List.of(1.0, 0.0, 1.0);
    /** Record timestamps of events 1, 2 and 3. */
    static final List<Long> TIMESTAMPS = List.of(1_000L, 2_000L, 3_000L);

    private SchemaSampleWriter() {
    }

    /** Writes the three samples into the folder {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        Schema eventV1 = releasedSchema("LabeledEvent-v1.avsc");
        Files.write(folder.resolve("labeled-event-v1.bin"), encode(eventV1, event(eventV1, 0).build()));
        Schema eventV2 = sampleSchema("LabeledEvent-v2.avsc");
        Files.write(folder.resolve("labeled-event-v2.bin"),
                encode(eventV2, event(eventV2, 1).set("source", "sensor-7").build()));
        Schema snapshotV1 = releasedSchema("ModelSnapshot-v1.avsc");
        Files.write(folder.resolve("model-snapshot-v1.bin"), encode(snapshotV1, asVersion(snapshotV1, snapshot())));
        Schema snapshotV2 = releasedSchema("ModelSnapshot-v2.avsc");
        GenericRecord header = asVersion(snapshotV2, snapshot());
        header.put("namedWeights", Map.of());
        GenericRecord optimizerState = (GenericRecord) header.get("optimizerState");
        optimizerState.put("namedState", Map.of());
        Files.write(folder.resolve("model-header-v2.bin"), encode(snapshotV2, header));
        Schema coordinateV1 = releasedSchema("ModelCoordinate-v1.avsc");
        ModelSnapshot whole = snapshot();
        Files.write(folder.resolve("model-coordinate-v1.bin"), encode(coordinateV1, new GenericRecordBuilder(
                coordinateV1).set("weight", whole.getNamedWeights().get("x"))
                .set("state", whole.getOptimizerState().getNamedState().get("x")).set("lastStep", 2L).build()));
        Schema snapshotV4 = releasedSchema("ModelSnapshot-v4.avsc");
        Files.write(folder.resolve("model-snapshot-v4.bin"), encode(snapshotV4, asVersion(snapshotV4, snapshot())));
        Schema predictionV1 = releasedSchema("Prediction-v1.avsc");
        Files.write(folder.resolve("prediction-v1.bin"), encode(predictionV1, new GenericRecordBuilder(predictionV1)
                .set("modelKey", "m").set("eventId", "e3").set("prediction", PREDICTION_3)
                .set("score", PREDICTION_3).set("label", 1.0).set("loss", 0.322003125).set("modelVersion", 2L)
                .build()));
    }

    /** Event 3's score before its update: 0.1825 − 0.16 + 0.175 (see SchemaEvolutionTest). */
    static final double PREDICTION_3 = 0.1975;

    /** Event {@code i} (0-based) of model m, as a record of {@code schema}. */
    static GenericRecordBuilder event(Schema schema, int i) {
        return new GenericRecordBuilder(schema).set("modelKey", "m").set("denseFeatures", DENSE.get(i))
                .set("namedFeatures", Map.of("x", X.get(i))).set("label", LABELS.get(i)).set("weight", 1.0)
                .set("eventId", "e" + (i + 1));
    }

    /** The snapshot of model m after events 1 and 2, as the learner makes it. */
    private static ModelSnapshot snapshot() {
        InertiaConfig config = InertiaConfig.of(SETTINGS);
        OnlineLearner learner = config.learner();
        LinearModel model = learner.newModel();
        for (int i = 0; i < 2; i++) {
            double[] dense = DENSE.get(i).stream().mapToDouble(Double::doubleValue).toArray();
            learner.learn(model, Example.of(dense, Map.of("x", X.get(i)), LABELS.get(i), 1.0));
        }
        return SnapshotCodec.toSnapshot("m", model, learner, SnapshotCodec.hyperParameters(config), TIMESTAMPS.get(1));
    }

    /** {@code snapshot} as a record of the older {@code schema}, by Avro's schema resolution. */
    private static GenericRecord asVersion(Schema schema, ModelSnapshot snapshot) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(body, null);
        new SpecificDatumWriter<ModelSnapshot>(ModelSnapshot.getClassSchema()).write(snapshot, encoder);
        encoder.flush();
        return new GenericDatumReader<GenericRecord>(ModelSnapshot.getClassSchema(), schema)
                .read(null, DecoderFactory.get().binaryDecoder(body.toByteArray(), null));
    }

    /** A released writer schema, {@code schema-history/name}. */
    static Schema releasedSchema(String name) {
        return parse(InertiaSerdes.HISTORY + name);
    }

    /** A schema of the samples folder, {@code schema-samples/name}. */
    static Schema sampleSchema(String name) {
        return parse("schema-samples/" + name);
    }

    /** The bytes of the sample {@code schema-samples/name}. */
    static byte[] sample(String name) {
        try (InputStream in = resource("schema-samples/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code record} in Avro's single-object encoding with writer schema {@code schema}. */
    static byte[] encode(Schema schema, GenericRecord record) {
        try {
            ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Schema parse(String resource) {
        try (InputStream in = resource(resource)) {
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = SchemaSampleWriter.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("no resource " + name + " on the class path");
        }
        return in;
    }
}
