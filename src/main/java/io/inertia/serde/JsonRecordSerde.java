package io.inertia.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A record as one line of JSON in Avro's own JSON encoding of its schema (the schemas in {@code schemas/} stay the one
 * definition of the wire format; a union value is written as {@code {"type": value}}, e.g.
 * {@code "denseWeights": {"array": [0.5, 1.0]}}, and null as {@code null}), for consumers that cannot read Avro
 * ({@code inertia.output.format=json}). Doubles are written in their shortest exact form. Read back with the current
 * schema: a JSON reader cannot resolve another writer's schema, since the text does not say which it was.
 *
 * @param <T> the generated record class
 */
public final class JsonRecordSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    /** A serde of records of {@code schema}, the schema of a generated class. */
    public JsonRecordSerde(Schema schema) {
        this.schema = schema;
        this.writer = new SpecificDatumWriter<>(schema);
        this.reader = new SpecificDatumReader<>(schema);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            Encoder encoder = EncoderFactory.get().jsonEncoder(schema, out);
            writer.write(data, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + schema.getName() + " as JSON for topic '" + topic
                    + "': " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            Decoder decoder = DecoderFactory.get().jsonDecoder(schema, new java.io.ByteArrayInputStream(data));
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new SerializationException("cannot deserialize " + schema.getName() + " as JSON from topic '"
                    + topic + "': " + reason);
        }
    }

    /** Whether {@code bytes} are JSON text rather than Avro's single-object encoding (which starts with C3 01). */
    public static boolean isJson(byte[] bytes) {
        return bytes != null && bytes.length > 0 && bytes[0] == '{';
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
