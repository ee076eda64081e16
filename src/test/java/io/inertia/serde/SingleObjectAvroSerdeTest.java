package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.HyperParameters;
import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.OptimizerState;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SingleObjectAvroSerdeTest {

    private static final String TOPIC = "labeled-events";

    /** LabeledEvent as it would have been before the eventId field was added. */
    private static final String OLDER_EVENT = """
            {"type": "record", "name": "LabeledEvent", "namespace": "io.inertia.avro", "fields": [
              {"name": "modelKey", "type": "string"},
              {"name": "denseFeatures", "type": ["null", {"type": "array", "items": "double"}], "default": null},
              {"name": "namedFeatures", "type": ["null", {"type": "map", "values": "double"}], "default": null},
              {"name": "label", "type": "double"},
              {"name": "weight", "type": "double", "default": 1.0}
            ]}""";

    /** LabeledEvent as a later producer might write it, with a field this reader does not know. */
    private static final String NEWER_EVENT = """
            {"type": "record", "name": "LabeledEvent", "namespace": "io.inertia.avro", "fields": [
              {"name": "modelKey", "type": "string"},
              {"name": "denseFeatures", "type": ["null", {"type": "array", "items": "double"}], "default": null},
              {"name": "namedFeatures", "type": ["null", {"type": "map", "values": "double"}], "default": null},
              {"name": "label", "type": "double"},
              {"name": "weight", "type": "double", "default": 1.0},
              {"name": "eventId", "type": ["null", "string"], "default": null},
              {"name": "source", "type": "string", "default": "unknown"}
            ]}""";

    @Test
    void shouldRoundTripALabeledEvent() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        LabeledEvent event = fullEvent();
        LabeledEvent back = serde.deserialize(TOPIC, serde.serialize(TOPIC, event));
        assertEquals(event, back);
        assertEquals(List.of(1.5, -2.0, 0.0), back.getDenseFeatures());
        assertEquals(Map.of("a", 0.25, "b", -4.0), back.getNamedFeatures());
        assertEquals(0.5, back.getWeight());
        assertEquals("e-17", back.getEventId());
    }

    @Test
    void shouldRoundTripAModelSnapshot() {
        SingleObjectAvroSerde<ModelSnapshot> serde = InertiaSerdes.modelSnapshot();
        ModelSnapshot snapshot = snapshot();
        assertEquals(snapshot, serde.deserialize("model-snapshots", serde.serialize("model-snapshots", snapshot)));
    }

    @Test
    void shouldWriteTheSingleObjectHeaderThenThePlainAvroBody() throws Exception {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        LabeledEvent event = fullEvent();
        byte[] bytes = serde.serialize(TOPIC, event);

        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        long fingerprint = SchemaNormalization.parsingFingerprint64(LabeledEvent.getClassSchema());
        byte[] expected = new byte[8];
        for (int i = 0; i < 8; i++) {
            expected[i] = (byte) (fingerprint >>> (8 * i)); // least significant byte first
        }
        assertArrayEquals(expected, Arrays.copyOfRange(bytes, 2, 10));

        // Everything after the 10-byte header is the ordinary Avro binary encoding of the record.
        SpecificDatumReader<LabeledEvent> reader = new SpecificDatumReader<>(LabeledEvent.getClassSchema());
        LabeledEvent body = reader.read(null, DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));
        assertEquals(event, body);
    }

    @Test
    void shouldWriteExactlyTheBytesOfAvrosOwnSingleObjectEncoder() throws Exception {
        // The serde has an encoder of its own for speed; Avro's BinaryMessageEncoder (reflective writer) is the
        // reference it must agree with byte for byte.
        assertArrayEquals(avroEncoded(LabeledEvent.getClassSchema(), fullEvent()),
                InertiaSerdes.labeledEvent().serialize(TOPIC, fullEvent()));
        assertArrayEquals(avroEncoded(ModelSnapshot.getClassSchema(), snapshot()),
                InertiaSerdes.modelSnapshot().serialize("model-snapshots", snapshot()));
        LabeledEvent large = fullEvent();
        Map<String, Double> many = new TreeMap<>();
        for (int i = 0; i < 5000; i++) {
            many.put("feature-" + i, i / 7.0);
        }
        large.setNamedFeatures(many);
        assertArrayEquals(avroEncoded(LabeledEvent.getClassSchema(), large),
                InertiaSerdes.labeledEvent().serialize(TOPIC, large), "a record larger than any buffer's start");
    }

    private static <T> byte[] avroEncoded(Schema schema, T datum) throws Exception {
        ByteBuffer buffer = new BinaryMessageEncoder<T>(new org.apache.avro.specific.SpecificData(), schema)
                .encode(datum);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Test
    void shouldPassNullThroughBothWays() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        assertNull(serde.serialize(TOPIC, null));
        assertNull(serde.deserialize(TOPIC, null));
    }

    @Test
    void shouldRaiseAOneLineSerializationExceptionForGarbageBytes() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        for (byte[] garbage : List.of(new byte[] {1, 2, 3}, "hello, world".getBytes(), new byte[0])) {
            SerializationException e = assertThrows(SerializationException.class,
                    () -> serde.deserialize("events-in", garbage));
            assertOneLine(e.getMessage());
            assertTrue(e.getMessage().startsWith("cannot deserialize LabeledEvent from topic 'events-in': "),
                    e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("header"), e.getMessage());
        }
    }

    @Test
    void shouldRaiseAOneLineSerializationExceptionForATruncatedBody() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        byte[] bytes = serde.serialize(TOPIC, fullEvent());
        byte[] truncated = Arrays.copyOf(bytes, 14);
        SerializationException e = assertThrows(SerializationException.class,
                () -> serde.deserialize("events-in", truncated));
        assertOneLine(e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot deserialize LabeledEvent from topic 'events-in': "),
                e.getMessage());
    }

    @Test
    void shouldRaiseAOneLineSerializationExceptionForAnUnknownFingerprint() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        byte[] bytes = serde.serialize(TOPIC, fullEvent());
        bytes[2] ^= (byte) 0xFF; // a fingerprint no registered schema has
        SerializationException e = assertThrows(SerializationException.class,
                () -> serde.deserialize("events-in", bytes));
        assertOneLine(e.getMessage());
        assertTrue(e.getMessage().contains("'events-in'"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown schema fingerprint"), e.getMessage());
    }

    @Test
    void shouldRefuseARecordOfAnotherSchema() {
        byte[] snapshotBytes = InertiaSerdes.modelSnapshot().serialize("model-snapshots", snapshot());
        SerializationException e = assertThrows(SerializationException.class,
                () -> InertiaSerdes.labeledEvent().deserialize(TOPIC, snapshotBytes));
        assertTrue(e.getMessage().contains("unknown schema fingerprint"), e.getMessage());
    }

    @Test
    void shouldRaiseASerializationExceptionNamingTheTopicWhenARecordCannotBeWritten() {
        LabeledEvent incomplete = new LabeledEvent(); // modelKey is null, but the schema requires a string
        SerializationException e = assertThrows(SerializationException.class,
                () -> InertiaSerdes.labeledEvent().serialize("events-out", incomplete));
        assertOneLine(e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot serialize LabeledEvent for topic 'events-out': "),
                e.getMessage());
    }

    @Test
    void shouldReadAnOlderWriterSchemaRegisteredWithWithWriterSchema() {
        Schema older = new Schema.Parser().parse(OLDER_EVENT);
        GenericRecord record = new GenericRecordBuilder(older)
                .set("modelKey", "m")
                .set("namedFeatures", Map.of("x", 2.0))
                .set("label", 1.0)
                .set("weight", 0.5)
                .build();
        byte[] bytes = encode(older, record);

        // Not registered: the reader cannot know how the bytes were written.
        assertThrows(SerializationException.class, () -> InertiaSerdes.labeledEvent().deserialize(TOPIC, bytes));

        LabeledEvent event = InertiaSerdes.labeledEvent().withWriterSchema(older).deserialize(TOPIC, bytes);
        assertEquals("m", event.getModelKey());
        assertNull(event.getDenseFeatures());
        assertEquals(Map.of("x", 2.0), event.getNamedFeatures());
        assertEquals(1.0, event.getLabel());
        assertEquals(0.5, event.getWeight());
        assertNull(event.getEventId()); // the reader's default fills the field the writer did not have
    }

    @Test
    void shouldReadANewerWriterSchemaRegisteredWithWithWriterSchema() {
        Schema newer = new Schema.Parser().parse(NEWER_EVENT);
        GenericRecord record = new GenericRecordBuilder(newer)
                .set("modelKey", "m")
                .set("denseFeatures", List.of(1.0, 2.0))
                .set("label", 0.0)
                .set("eventId", "id-1")
                .set("source", "sensor-7")
                .build();
        byte[] bytes = encode(newer, record);

        LabeledEvent event = InertiaSerdes.labeledEvent().withWriterSchema(newer).deserialize(TOPIC, bytes);
        assertEquals("m", event.getModelKey());
        assertEquals(List.of(1.0, 2.0), event.getDenseFeatures());
        assertNull(event.getNamedFeatures());
        assertEquals(0.0, event.getLabel());
        assertEquals(1.0, event.getWeight()); // the writer's default, written into the bytes
        assertEquals("id-1", event.getEventId());
    }

    @Test
    void shouldStillReadTheCurrentSchemaAfterRegisteringAnotherWriterSchema() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent()
                .withWriterSchema(new Schema.Parser().parse(OLDER_EVENT));
        LabeledEvent event = fullEvent();
        assertEquals(event, serde.deserialize(TOPIC, serde.serialize(TOPIC, event)));
    }

    @Test
    void shouldActAsItsOwnSerializerAndDeserializer() {
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        LabeledEvent event = fullEvent();
        assertEquals(event, serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event)));
    }

    private static byte[] encode(Schema schema, GenericRecord record) {
        try {
            ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertOneLine(String message) {
        assertFalse(message.isBlank());
        assertFalse(message.contains("\n") || message.contains("\r"), "not one line: " + message);
    }

    private static LabeledEvent fullEvent() {
        return LabeledEvent.newBuilder()
                .setModelKey("model-a")
                .setDenseFeatures(List.of(1.5, -2.0, 0.0))
                .setNamedFeatures(new TreeMap<>(Map.of("a", 0.25, "b", -4.0)))
                .setLabel(3.0)
                .setWeight(0.5)
                .setEventId("e-17")
                .build();
    }

    private static ModelSnapshot snapshot() {
        return ModelSnapshot.newBuilder()
                .setModelKey("model-a")
                .setVersion(42)
                .setDenseWeights(List.of(0.5, -0.25))
                .setNamedWeights(new TreeMap<>(Map.of("a", 1.0, "b", 2.0)))
                .setBias(0.125)
                .setOptimizerState(OptimizerState.newBuilder()
                        .setStateNames(List.of("velocity"))
                        .setDenseState(List.of(0.01, 0.02))
                        .setNamedState(new TreeMap<>(Map.of("a", List.of(-0.1), "b", List.of(-0.2))))
                        .setBiasState(List.of(0.001))
                        .build())
                .setHyperParameters(HyperParameters.newBuilder()
                        .setOptimizer("momentum").setLoss("squared").setLearningRate(0.01).setMomentum(0.9)
                        .setLossSmoothing(0.01).setSnapshotEvery(1000).build())
                .setRunningLoss(0.75)
                .setLastEventTimestamp(1_700_000_000_000L)
                .build();
    }
}
