package io.inertia.spec;

import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;

/**
 * Avro records without a registry ({@code inertia.input.format=avro} with {@code inertia.input.reader-schema}): each
 * value is the Avro binary body of a record written with that schema, or the same in Avro's single-object encoding
 * (marker C3 01 and the schema's 8-byte fingerprint first), which is told apart by a fingerprint that must be the
 * schema's.
 */
public final class SchemaFileAvroDecoder implements RecordDecoder {

    private final AvroBody body;
    private final byte[] header = new byte[10];

    /** A decoder of records written with {@code schema}. */
    public SchemaFileAvroDecoder(Schema schema) {
        this.body = new AvroBody(new GenericDatumReader<>(schema), "schema " + schema.getFullName());
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    @Override
    public Object decode(String topic, byte[] bytes) {
        if (bytes.length >= 5 && bytes[0] == 0) {
            // A raw body may start with 0 as well, but rarely with a plausible small id: try it, and name the framing
            // if it does not read.
            try {
                return body.read(topic, bytes, 0);
            } catch (org.apache.kafka.common.errors.SerializationException e) {
                throw RecordDecoder.refused(topic, "looks like " + RecordDecoder.framing(bytes)
                        + ": use inertia.input.format=confluent-avro with inertia.schema.registry.url");
            }
        }
        return body.read(topic, bytes, startsWithHeader(bytes) ? header.length : 0);
    }

    private boolean startsWithHeader(byte[] bytes) {
        return bytes.length >= header.length && Arrays.equals(bytes, 0, header.length, header, 0, header.length);
    }
}
