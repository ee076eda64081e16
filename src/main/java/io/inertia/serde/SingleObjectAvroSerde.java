package io.inertia.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro's single-object encoding: the two marker bytes C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the
 * writer's schema, then the Avro binary body. The fingerprint lets one topic carry several versions of a schema
 * without a registry: every known writer schema is registered with {@link #withWriterSchema} and resolved against the
 * reader schema of the generated class.
 *
 * <p>Failures become a {@link SerializationException} whose one-line message names the record type, the topic and the
 * reason.
 *
 * @param <T> the generated record class
 */
public final class SingleObjectAvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final String typeName;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    /** A serde writing and reading records of {@code schema}, the schema of a generated class. */
    public SingleObjectAvroSerde(Schema schema) {
        // A model of its own, so that turning on Avro's generated coders (straight-line code per record instead of
        // the reflective writer and reader: several times faster on the hot path) touches no shared instance.
        SpecificData model = new SpecificData(SingleObjectAvroSerde.class.getClassLoader());
        model.setCustomCoders(true);
        this.typeName = schema.getName();
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
    }

    /** Also accepts data written with {@code writerSchema}, an older or newer version of the reader schema. */
    public SingleObjectAvroSerde<T> withWriterSchema(Schema writerSchema) {
        decoder.addSchema(writerSchema);
        return this;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(data);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "cannot serialize " + typeName + " for topic '" + topic + "': " + reason(e), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            return decoder.decode(data);
        } catch (MissingSchemaException e) {
            throw new SerializationException("cannot deserialize " + typeName + " from topic '" + topic
                    + "': unknown schema fingerprint (written with a schema this reader does not know)", e);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "cannot deserialize " + typeName + " from topic '" + topic + "': " + reason(e), e);
        }
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure: the schema is fixed by the generated class
    }

    @Override
    public void close() {
        // nothing to release: encoder and decoder hold only reusable buffers
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        String text = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        return text.replaceAll("\\s+", " ").trim();
    }
}
