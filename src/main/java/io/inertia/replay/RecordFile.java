package io.inertia.replay;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * A file of records a replay writes: JSON Lines, or, when its name ends in {@code .avro}, an Avro object container
 * file of the records' schema (uncompressed, so each record's body is exactly its Avro binary encoding, the body of
 * the records the live learner publishes; with a sync marker derived from the schema, seeded, so that the same records
 * always make the same file).
 *
 * @param <T> the record type
 */
abstract class RecordFile<T extends SpecificRecord> implements Closeable {

    /** 16 bytes from the schema's CRC-64-AVRO fingerprint, mixed, for the container's block separator. */
    static byte[] syncMarker(Schema schema) {
        long seed = org.apache.avro.SchemaNormalization.parsingFingerprint64(schema);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        byte[] marker = new byte[16];
        for (int i = 0; i < marker.length; i += 8) {
            long bits = random.nextLong();
            for (int j = 0; j < 8; j++) {
                marker[i + j] = (byte) (bits >>> (8 * j));
            }
        }
        return marker;
    }

    /** Writes one record. */
    abstract void write(T record) throws IOException;

    /** Whether {@code file} is written as an Avro container file. */
    static boolean isAvro(Path file) {
        return file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".avro");
    }

    /**
     * A file at {@code path} named like {@code target} (its format follows the target's name), records of
     * {@code schema} as JSON lines by {@code toLine}, or Avro.
     */
    static <T extends SpecificRecord> RecordFile<T> open(Path path, Path target, Schema schema,
            Function<T, String> toLine) throws IOException {
        if (isAvro(target)) {
            DataFileWriter<T> writer = new DataFileWriter<>(new SpecificDatumWriter<T>(schema));
            // A sync marker of the schema's own, not a random one: two replays of the same input write the same file.
            writer.create(schema, Files.newOutputStream(path), syncMarker(schema));
            return new RecordFile<>() {
                @Override
                void write(T record) throws IOException {
                    writer.append(record);
                }

                @Override
                public void close() throws IOException {
                    writer.close();
                }
            };
        }
        BufferedWriter writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
        return new RecordFile<>() {
            @Override
            void write(T record) throws IOException {
                writer.write(toLine.apply(record));
                writer.newLine();
            }

            @Override
            public void close() throws IOException {
                writer.close();
            }
        };
    }
}
