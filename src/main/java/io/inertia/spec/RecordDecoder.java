package io.inertia.spec;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the bytes of a user's record into a tree that {@link FieldPath}s walk: a Jackson tree for JSON, an Avro
 * record for Avro. One decoder per processor: implementations need not be thread-safe.
 */
public interface RecordDecoder {

    /**
     * The record in {@code bytes}, read from {@code topic}.
     *
     * @throws SerializationException whose one-line message starts with {@code cannot deserialize topic '…':} and
     *     says what is wrong with the bytes
     * @throws io.inertia.registry.RegistryUnavailableException when the schema registry needed to read them does
     *     not answer (not the record's fault)
     */
    Object decode(String topic, byte[] bytes);

    /** The one-line refusal of a record of {@code topic} for {@code reason}. */
    static SerializationException refused(String topic, String reason) {
        return new SerializationException("cannot deserialize topic '" + topic + "': " + reason);
    }

    /**
     * What framing {@code bytes} look like when they are not what a decoder expects, for its one-line refusal: the
     * Confluent wire format (magic byte 0 and a schema id), Avro's single-object encoding, JSON text, or none known.
     */
    static String framing(byte[] bytes) {
        if (bytes.length >= 5 && bytes[0] == 0) {
            int id = ((bytes[1] & 0xFF) << 24) | ((bytes[2] & 0xFF) << 16) | ((bytes[3] & 0xFF) << 8)
                    | (bytes[4] & 0xFF);
            String body = bytes.length > 5 && (bytes[5] == '{' || bytes[5] == '[') ? ", then JSON text: JSON Schema "
                    + "framing, not read yet" : "";
            return "the Confluent Schema Registry wire format (magic byte 0, schema id " + id + body + ")";
        }
        if (bytes.length >= 10 && (bytes[0] & 0xFF) == 0xC3 && bytes[1] == 0x01) {
            return "Avro's single-object encoding (marker C3 01)";
        }
        int first = 0;
        while (first < bytes.length && Character.isWhitespace(bytes[first])) {
            first++;
        }
        if (first < bytes.length && (bytes[first] == '{' || bytes[first] == '[')) {
            return "JSON text";
        }
        return bytes.length == 0 ? "empty" : String.format("no known framing (first byte 0x%02X)", bytes[0] & 0xFF);
    }
}
