package io.inertia.spec;

import io.inertia.registry.SchemaSource;
import io.inertia.registry.SchemaRegistryClient.RegisteredSchema;
import io.inertia.registry.UnknownSchemaException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;

/**
 * Avro records in the Confluent Schema Registry wire format ({@code inertia.input.format=confluent-avro}): the magic
 * byte 0, the writer schema's id (4 bytes, big-endian), then the Avro binary body. The writer schema comes from the
 * registry, asked once per id; records are read as their writer schema, or resolved to a reader schema when one is
 * given ({@code inertia.input.reader-schema}), so that every version of a schema reads into one shape.
 *
 * <p>Refused with the reason (and dead-lettered by the learner): bytes without the framing (saying which framing they
 * have), an id the registry does not know (404), a schema that is not Avro (Protobuf, JSON Schema), a writer schema
 * the reader schema cannot resolve, and a body that does not decode. A registry that does not answer is not the
 * record's fault: {@link io.inertia.registry.RegistryUnavailableException} goes up unchanged.
 */
public final class ConfluentAvroDecoder implements RecordDecoder {

    private final SchemaSource registry;
    private final Schema reader;
    /** Per decoder, hence per processor: Avro's datum readers are not meant to be shared between threads. */
    private final Map<Integer, AvroBody> bodies = new HashMap<>();

    /** A decoder asking {@code registry} for writer schemas, resolving them to {@code reader} unless it is null. */
    public ConfluentAvroDecoder(SchemaSource registry, Schema reader) {
        this.registry = registry;
        this.reader = reader;
    }

    @Override
    public Object decode(String topic, byte[] bytes) {
        if (bytes.length < 5 || bytes[0] != 0) {
            throw RecordDecoder.refused(topic, "not the Confluent Schema Registry wire format (magic byte 0, then a "
                    + "4-byte schema id): " + RecordDecoder.framing(bytes));
        }
        int id = ((bytes[1] & 0xFF) << 24) | ((bytes[2] & 0xFF) << 16) | ((bytes[3] & 0xFF) << 8) | (bytes[4] & 0xFF);
        AvroBody body = bodies.get(id);
        if (body == null) {
            RegisteredSchema schema;
            try {
                schema = registry.schema(id);
            } catch (UnknownSchemaException e) {
                throw RecordDecoder.refused(topic, e.getMessage());
            }
            if (schema.problem() != null) {
                throw RecordDecoder.refused(topic, schema.problem());
            }
            try {
                body = new AvroBody(new GenericDatumReader<>(schema.avro(), reader == null ? schema.avro() : reader),
                        "schema id " + id);
            } catch (RuntimeException e) {
                throw RecordDecoder.refused(topic, "schema id " + id + " cannot be read as the reader schema: "
                        + e.getMessage());
            }
            bodies.put(id, body);
        }
        return body.read(topic, bytes, 5);
    }
}
