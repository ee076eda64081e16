package io.inertia.serde;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.LearnLogEntry;
import io.inertia.avro.ModelCoordinate;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.Outcome;
import io.inertia.avro.PendingEntry;
import io.inertia.avro.Prediction;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;

/**
 * The one serde of each schema. Each call returns a new instance: serdes are cheap and hold per-use buffers.
 *
 * <p>Every serde also reads the records written with any released version of its schema: the writer schemas kept as
 * resources {@value #HISTORY}{@code <Name>-v1.avsc}, {@code -v2.avsc}, … (numbered without gaps, the current version
 * included) are registered with {@link SingleObjectAvroSerde#withWriterSchema} in version order and resolved against
 * the schema of the generated class. A change to a schema in {@code schemas/} must add its next version there, or
 * stored models, changelogs and topics written by older releases could no longer be read.
 */
public final class InertiaSerdes {

    /** The classpath folder of the released writer schemas. */
    public static final String HISTORY = "schema-history/";

    private static final Map<String, List<Schema>> RELEASED = Map.of(
            LabeledEvent.getClassSchema().getFullName(), released(LabeledEvent.getClassSchema()),
            ModelSnapshot.getClassSchema().getFullName(), released(ModelSnapshot.getClassSchema()),
            Prediction.getClassSchema().getFullName(), released(Prediction.getClassSchema()),
            ModelCoordinate.getClassSchema().getFullName(), released(ModelCoordinate.getClassSchema()),
            ModelSnapshotPart.getClassSchema().getFullName(), released(ModelSnapshotPart.getClassSchema()),
            Outcome.getClassSchema().getFullName(), released(Outcome.getClassSchema()),
            LearnLogEntry.getClassSchema().getFullName(), released(LearnLogEntry.getClassSchema()),
            PendingEntry.getClassSchema().getFullName(), released(PendingEntry.getClassSchema()));

    private InertiaSerdes() {
    }

    /** Serde of {@link LabeledEvent}, the input events. */
    public static SingleObjectAvroSerde<LabeledEvent> labeledEvent() {
        return withHistory(LabeledEvent.getClassSchema());
    }

    /** Serde of {@link ModelSnapshot}, the stored models and the published snapshots. */
    public static SingleObjectAvroSerde<ModelSnapshot> modelSnapshot() {
        return withHistory(ModelSnapshot.getClassSchema());
    }

    /** Serde of {@link Prediction}, the prequential predictions. */
    public static SingleObjectAvroSerde<Prediction> prediction() {
        return withHistory(Prediction.getClassSchema());
    }

    /** Serde of {@link ModelCoordinate}, one named weight in the coordinate store. */
    public static SingleObjectAvroSerde<ModelCoordinate> modelCoordinate() {
        return withHistory(ModelCoordinate.getClassSchema());
    }

    /** Serde of {@link ModelSnapshotPart}, a part of a large model's published snapshot. */
    public static SingleObjectAvroSerde<ModelSnapshotPart> modelSnapshotPart() {
        return withHistory(ModelSnapshotPart.getClassSchema());
    }

    /** Serde of {@link Outcome}, the delayed labels of the outcomes topic. */
    public static SingleObjectAvroSerde<Outcome> outcome() {
        return withHistory(Outcome.getClassSchema());
    }

    /** Serde of {@link LearnLogEntry}, the outcome joiner's decisions in the learn log. */
    public static SingleObjectAvroSerde<LearnLogEntry> learnLogEntry() {
        return withHistory(LearnLogEntry.getClassSchema());
    }

    /** Serde of {@link PendingEntry}, the values of the outcome joiner's pending store. */
    public static SingleObjectAvroSerde<PendingEntry> pendingEntry() {
        return withHistory(PendingEntry.getClassSchema());
    }

    /**
     * The released writer schemas of the record type {@code schema} names, oldest first (empty when none is kept).
     */
    public static List<Schema> releasedSchemas(Schema schema) {
        return RELEASED.getOrDefault(schema.getFullName(), List.of());
    }

    private static <T extends SpecificRecord> SingleObjectAvroSerde<T> withHistory(Schema schema) {
        SingleObjectAvroSerde<T> serde = new SingleObjectAvroSerde<>(schema);
        long current = SchemaNormalization.parsingFingerprint64(schema);
        for (Schema writer : releasedSchemas(schema)) {
            // The current version is read directly; registering it again would only add a needless resolver.
            if (SchemaNormalization.parsingFingerprint64(writer) != current) {
                serde.withWriterSchema(writer);
            }
        }
        return serde;
    }

    /** Reads {@code <Name>-v1.avsc}, {@code -v2.avsc}, … until the first version that is missing. */
    private static List<Schema> released(Schema schema) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = HISTORY + schema.getName() + "-v" + version + ".avsc";
            try (InputStream in = InertiaSerdes.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    return List.copyOf(versions);
                }
                Schema writer = new Schema.Parser().parse(in);
                if (!writer.getFullName().equals(schema.getFullName())) {
                    throw new IllegalStateException(resource + " defines " + writer.getFullName() + ", not "
                            + schema.getFullName());
                }
                versions.add(writer);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the writer schema " + resource, e);
            }
        }
    }
}
