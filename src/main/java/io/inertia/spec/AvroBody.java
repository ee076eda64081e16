package io.inertia.spec;

import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * One writer schema's Avro binary bodies, read into generic records (resolved to a reader schema when its datum reader
 * says so). Refuses, in one line, a body that ends early, holds what the schema does not allow, or has bytes after
 * the record.
 */
final class AvroBody {

    private final GenericDatumReader<Object> reader;
    private final String schemaName;
    private BinaryDecoder decoder;

    AvroBody(GenericDatumReader<Object> reader, String schemaName) {
        this.reader = reader;
        this.schemaName = schemaName;
    }

    /** The record in {@code bytes} from {@code offset} to the end. */
    Object read(String topic, byte[] bytes, int offset) {
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, decoder);
            Object record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw RecordDecoder.refused(topic, "bytes after the record written with " + schemaName);
            }
            return record;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                | ClassCastException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines()
                    .findFirst().orElse("");
            throw RecordDecoder.refused(topic, "not an Avro record of " + schemaName + ": " + reason);
        }
    }
}
