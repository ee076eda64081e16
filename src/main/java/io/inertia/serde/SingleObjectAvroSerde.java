package io.inertia.serde;

import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
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
    private final BinaryMessageDecoder<T> decoder;
    private final org.apache.avro.specific.SpecificDatumWriter<T> writer;
    /** Marker bytes C3 01 and the writer schema's CRC-64-AVRO fingerprint, little-endian: the single-object header. */
    private final byte[] header = new byte[10];
    /** Per thread (one serde may serve the stores of several stream threads): the output buffer and encoder. */
    private final ThreadLocal<Output> output = ThreadLocal.withInitial(Output::new);

    /** A serde writing and reading records of {@code schema}, the schema of a generated class. */
    public SingleObjectAvroSerde(Schema schema) {
        // A model of its own, so that turning on Avro's generated coders (straight-line code per record instead of
        // the reflective writer and reader: several times faster on the hot path) touches no shared instance.
        SpecificData model = new SpecificData(SingleObjectAvroSerde.class.getClassLoader());
        model.setCustomCoders(true);
        this.typeName = schema.getName();
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        this.writer = new org.apache.avro.specific.SpecificDatumWriter<>(schema, model);
        long fingerprint = org.apache.avro.SchemaNormalization.parsingFingerprint64(schema);
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
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
            // Avro's BinaryMessageEncoder writes byte by byte into a synchronized stream; a buffered encoder into an
            // unsynchronized buffer gives the same bytes several times faster, which the commit path needs.
            Output out = output.get();
            out.bytes.reset();
            out.bytes.write(header, 0, header.length);
            out.encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out.bytes, out.encoder);
            writer.write(data, out.encoder);
            out.encoder.flush();
            return out.bytes.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "cannot serialize " + typeName + " for topic '" + topic + "': " + reason(e), e);
        }
    }

    /** A thread's output buffer (not synchronized) and its reusable encoder. */
    private static final class Output {
        final Bytes bytes = new Bytes();
        org.apache.avro.io.BinaryEncoder encoder;
    }

    /** A growable byte buffer without ByteArrayOutputStream's locking. */
    private static final class Bytes extends java.io.OutputStream {
        private byte[] buffer = new byte[256];
        private int size;

        void reset() {
            size = 0;
        }

        @Override
        public void write(int b) {
            ensure(1);
            buffer[size++] = (byte) b;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensure(length);
            System.arraycopy(bytes, offset, buffer, size, length);
            size += length;
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return java.util.Arrays.copyOf(buffer, size);
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
