package io.inertia.spec;

import io.inertia.io.InputFileException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The first records of a sample file of a user's own records, decoded as the learner decodes them, for
 * {@code inertia check --feature-spec}: JSON Lines ({@code .jsonl}, {@code .ndjson}, {@code .json}: one record per
 * line, as a producer writes it) or an Avro object container file ({@code .avro}, records of the schema the file
 * names). A record that does not decode is kept with the reason, as the learner would dead-letter it.
 */
public final class RecordSample {

    /**
     * One record of the sample.
     *
     * @param line its line (JSON Lines) or record number (Avro), from 1
     * @param record the decoded record, or null when it does not decode
     * @param problem why it does not decode, or null
     */
    public record Entry(long line, Object record, String problem) {
    }

    private final List<Entry> entries;
    private final Schema schema;

    private RecordSample(List<Entry> entries, Schema schema) {
        this.entries = entries;
        this.schema = schema;
    }

    /**
     * The first {@code limit} records of {@code file}.
     *
     * @throws InputFileException when the file cannot be read or is of no known kind
     */
    public static RecordSample read(Path file, int limit) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".avro")) {
            return avro(file, limit);
        }
        if (!name.endsWith(".jsonl") && !name.endsWith(".ndjson") && !name.endsWith(".json")) {
            throw new InputFileException(file.toString(), "a sample is JSON Lines (.jsonl) or an Avro container file "
                    + "(.avro)");
        }
        List<Entry> entries = new ArrayList<>();
        JsonRecordDecoder decoder = new JsonRecordDecoder();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long line = 0;
            for (String text = reader.readLine(); text != null && entries.size() < limit; text = reader.readLine()) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    entries.add(new Entry(line, decoder.decode(file.getFileName().toString(),
                            text.getBytes(StandardCharsets.UTF_8)), null));
                } catch (SerializationException e) {
                    entries.add(new Entry(line, null, e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new InputFileException(file.toString(), "cannot read: " + e.getMessage());
        }
        return new RecordSample(entries, null);
    }

    private static RecordSample avro(Path file, int limit) {
        List<Entry> entries = new ArrayList<>();
        try (DataFileReader<Object> reader = new DataFileReader<>(file.toFile(), new GenericDatumReader<>())) {
            long number = 0;
            while (reader.hasNext() && entries.size() < limit) {
                number++;
                entries.add(new Entry(number, reader.next(), null));
            }
            return new RecordSample(entries, reader.getSchema());
        } catch (IOException | RuntimeException e) {
            throw new InputFileException(file.toString(), "not an Avro container file: " + e.getMessage());
        }
    }

    /** The records read. */
    public List<Entry> entries() {
        return entries;
    }

    /** The schema of an Avro sample's records, null for JSON. */
    public Schema schema() {
        return schema;
    }
}
