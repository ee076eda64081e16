package io.inertia.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.LabeledEvent;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Reads labeled events from a file, streaming, one {@link LabeledEvent} per row.
 *
 * <ul>
 *   <li><b>Avro</b> ({@code .avro}): an object container file of {@link LabeledEvent} records, each event as the live
 *       learner reads it, with its own model key and label.</li>
 *   <li><b>CSV</b> (any other name not ending in {@code .jsonl}, {@code .ndjson} or {@code .json}): a header row, then one
 *       event per row. The label column is named by the caller; an optional key column gives each row's model key;
 *       every other column is a numeric named feature called by its header. Read as RFC 4180 (quoted fields,
 *       doubled quotes, quoted line breaks), cells trimmed, empty lines skipped; see {@code CsvReader}.</li>
 *   <li><b>JSON Lines</b>: one object per line. The label field is named by the caller, the key field likewise; the
 *       object {@code features} (name → number) and the array {@code dense} give the features, and when neither is
 *       present every other numeric field is a named feature, as in CSV. Optional {@code weight} and {@code id}.</li>
 * </ul>
 *
 * A malformed row raises an {@link InputFileException} naming its line. Rows are read one by one as events
 * ({@link #next}) or, for a replay, in batches of the learner's input records ({@link #fill}).
 */
public final class EventFile implements Iterator<EventFile.Row>, Closeable {

    /**
     * One event and the line it came from.
     *
     * @param line 1-based line number in the file
     * @param event the event
     */
    public record Row(long line, LabeledEvent event) {
    }

    /**
     * How rows become events.
     *
     * @param labelColumn the column (CSV) or field (JSON) holding the label
     * @param keyColumn the column holding each row's model key, or null to use {@code modelKey} for every row
     * @param modelKey the model key when {@code keyColumn} is null; when it is null too, a JSON object's {@code key}
     *     field, and otherwise {@value #DEFAULT_MODEL_KEY}
     * @param dense for CSV: the feature columns, in header order, make the event's dense vector instead of named
     *     features (a numeric matrix, as most tabular data sets are)
     * @param classNames the names of a softmax model's classes 0..K−1: a label given as one of them (a CSV cell, a
     *     JSON string) is read as its index; empty when labels must be numbers
     */
    public record Layout(String labelColumn, String keyColumn, String modelKey, boolean dense, List<String> classNames) {
        /** Named features (CSV columns by their header names). */
        public Layout(String labelColumn, String keyColumn, String modelKey) {
            this(labelColumn, keyColumn, modelKey, false);
        }

        /** Labels that are numbers. */
        public Layout(String labelColumn, String keyColumn, String modelKey, boolean dense) {
            this(labelColumn, keyColumn, modelKey, dense, List.of());
        }

        /** The index of the class named {@code name}, or −1 when it names none. */
        int classIndex(String name) {
            return classNames.indexOf(name);
        }

        /** The same layout, reading labels also as one of {@code names}. */
        public Layout withClassNames(List<String> names) {
            return new Layout(labelColumn, keyColumn, modelKey, dense, List.copyOf(names));
        }
    }

    /** The model key of events that name none. */
    public static final String DEFAULT_MODEL_KEY = "default";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Layout layout;
    private final Closeable source;
    private final Iterator<Row> rows;
    private final Filler filler;
    /** For the formats without a filler of their own: each row's event as the serde writes it. */
    private SingleObjectAvroSerde<LabeledEvent> serde;

    /** Reads rows into a batch; see {@link #fill}. */
    @FunctionalInterface
    private interface Filler {
        boolean fill(EventBatch batch);
    }

    private EventFile(String name, Layout layout, Closeable source, Iterator<Row> rows) {
        this(name, layout, source, rows, null);
    }

    private EventFile(String name, Layout layout, Closeable source, Iterator<Row> rows, Filler filler) {
        this.name = name;
        this.layout = layout;
        this.source = source;
        this.rows = rows;
        this.filler = filler;
    }

    /** Opens {@code file}, choosing the format by its name, and checks its header (CSV). */
    public static EventFile open(Path file, Layout layout) {
        String name = file.toString();
        if (isAvro(file)) {
            return avro(name, file, layout);
        }
        if (!isJsonLines(file)) {
            return csv(name, file, layout);
        }
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file);
        } catch (IOException e) {
            throw new InputFileException(name, "cannot open: " + e.getMessage());
        }
        return jsonLines(name, layout, reader);
    }

    /** Whether {@code file} is read as an Avro object container file of LabeledEvent (its name ends in .avro). */
    public static boolean isAvro(Path file) {
        return file.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".avro");
    }

    /**
     * An Avro object container file of {@link LabeledEvent}: each record is an event as the live learner reads it,
     * written with this or an earlier version of the schema (the file names its writer schema, which Avro resolves
     * against the current one). A row's "line" is its record number, from 1.
     */
    private static EventFile avro(String name, Path file, Layout layout) {
        DataFileReader<LabeledEvent> reader;
        try {
            reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(LabeledEvent.class));
        } catch (IOException | RuntimeException e) {
            throw new InputFileException(name, "not an Avro container file of LabeledEvent records: "
                    + e.getMessage());
        }
        Iterator<Row> rows = new Iterator<>() {
            private long record;

            @Override
            public boolean hasNext() {
                try {
                    return reader.hasNext();
                } catch (RuntimeException e) {
                    throw new InputFileException(name, record + 1, "unreadable record: " + e.getMessage());
                }
            }

            @Override
            public Row next() {
                LabeledEvent event;
                try {
                    event = reader.next();
                } catch (RuntimeException e) {
                    throw new InputFileException(name, record + 1, "unreadable record: " + e.getMessage());
                }
                record++;
                return new Row(record, event);
            }
        };
        return new EventFile(name, layout, reader, rows);
    }

    /** Whether {@code file} is read as JSON Lines (its name ends in .jsonl, .ndjson or .json); otherwise CSV. */
    public static boolean isJsonLines(Path file) {
        String lower = file.toString().toLowerCase(java.util.Locale.ROOT);
        return lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json");
    }

    private static EventFile csv(String name, Path file, Layout layout) {
        CsvReader reader;
        try {
            reader = new CsvReader(file);
        } catch (IOException e) {
            throw new InputFileException(name, "cannot open: " + e.getMessage());
        }
        CsvEvents events;
        try {
            events = CsvEvents.open(name, reader, layout);
        } catch (RuntimeException e) {
            closeQuietly(reader, e);
            throw e;
        }
        return new EventFile(name, layout, reader, events, events::fill);
    }

    private static void closeQuietly(Closeable source, RuntimeException failure) {
        try {
            source.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private static EventFile jsonLines(String name, Layout layout, BufferedReader reader) {
        Iterator<Row> rows = new Iterator<>() {
            private long lineNumber;
            private String pending;

            @Override
            public boolean hasNext() {
                try {
                    while (pending == null) {
                        String line = reader.readLine();
                        if (line == null) {
                            return false;
                        }
                        lineNumber++;
                        if (!line.isBlank()) {
                            pending = line;
                        }
                    }
                    return true;
                } catch (IOException e) {
                    throw new InputFileException(name, lineNumber + 1, "cannot read: " + e.getMessage());
                }
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String text = pending;
                pending = null;
                return new Row(lineNumber, parseJson(name, lineNumber, text, layout));
            }
        };
        return new EventFile(name, layout, reader, rows);
    }

    private static LabeledEvent parseJson(String file, long line, String text, Layout layout) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InputFileException(file, line, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InputFileException(file, line, "not a JSON object");
        }
        JsonNode label = node.get(layout.labelColumn());
        double labelValue;
        if (label != null && label.isTextual() && !layout.classNames().isEmpty()) {
            labelValue = layout.classIndex(label.asText());
            if (labelValue < 0) {
                throw new InputFileException(file, line, "field '" + layout.labelColumn() + "' is '" + label.asText()
                        + "', not a class name (expected one of " + String.join(", ", layout.classNames()) + ")");
            }
        } else if (label == null || !label.isNumber()) {
            throw new InputFileException(file, line, "field '" + layout.labelColumn() + "' is missing or not a number");
        } else {
            labelValue = label.doubleValue();
        }
        String key = layout.modelKey();
        if (layout.keyColumn() == null && key == null) {
            JsonNode keyNode = node.get("key");
            key = keyNode != null && keyNode.isValueNode() && !keyNode.isNull() ? keyNode.asText() : DEFAULT_MODEL_KEY;
        }
        if (layout.keyColumn() != null) {
            JsonNode keyNode = node.get(layout.keyColumn());
            if (keyNode == null || !keyNode.isValueNode() || keyNode.isNull()) {
                throw new InputFileException(file, line, "field '" + layout.keyColumn() + "' is missing");
            }
            key = keyNode.asText();
        }
        LabeledEvent.Builder event = LabeledEvent.newBuilder().setModelKey(requireKey(file, line, key))
                .setLabel(finite(file, line, layout.labelColumn(), labelValue));
        JsonNode features = node.get("features");
        JsonNode dense = node.get("dense");
        Map<String, Double> named = new TreeMap<>();
        if (features != null || dense != null) {
            if (features != null) {
                if (!features.isObject()) {
                    throw new InputFileException(file, line, "field 'features' is not an object");
                }
                for (Map.Entry<String, JsonNode> feature : features.properties()) {
                    named.put(feature.getKey(), jsonNumber(file, line, feature.getKey(), feature.getValue()));
                }
                event.setNamedFeatures(named);
            }
            if (dense != null) {
                if (!dense.isArray()) {
                    throw new InputFileException(file, line, "field 'dense' is not an array");
                }
                List<Double> values = new ArrayList<>();
                for (int i = 0; i < dense.size(); i++) {
                    values.add(jsonNumber(file, line, "dense[" + i + "]", dense.get(i)));
                }
                event.setDenseFeatures(values);
            }
        } else {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String fieldName = field.getKey();
                if (fieldName.equals(layout.labelColumn()) || fieldName.equals(layout.keyColumn())
                        || fieldName.equals("key") || fieldName.equals("weight") || fieldName.equals("id")) {
                    continue;
                }
                if (field.getValue().isNumber()) {
                    named.put(fieldName, jsonNumber(file, line, fieldName, field.getValue()));
                }
            }
            if (named.isEmpty()) {
                throw new InputFileException(file, line, "no features: expected 'features', 'dense' or numeric fields");
            }
            event.setNamedFeatures(named);
        }
        JsonNode weight = node.get("weight");
        if (weight != null) {
            event.setWeight(jsonNumber(file, line, "weight", weight));
        }
        JsonNode id = node.get("id");
        if (id != null && !id.isNull()) {
            event.setEventId(id.asText());
        }
        return event.build();
    }

    private static double jsonNumber(String file, long line, String field, JsonNode value) {
        if (value == null || !value.isNumber()) {
            throw new InputFileException(file, line, "'" + field + "' is not a number");
        }
        return finite(file, line, field, value.doubleValue());
    }

    /** {@code text} as {@link Double#parseDouble} reads it (the same syntax and the same double), only faster. */
    static double parseNumber(String text) {
        return ch.randelshofer.fastdoubleparser.JavaDoubleParser.parseDouble(text);
    }

    /** The UTF-8 text in {@code bytes} as {@link #parseNumber(String)} reads it, without building the string. */
    static double parseNumber(byte[] bytes, int offset, int length) {
        return ch.randelshofer.fastdoubleparser.JavaDoubleParser.parseDouble(bytes, offset, length);
    }

    private static double finite(String file, long line, String column, double value) {
        if (!Double.isFinite(value)) {
            throw new InputFileException(file, line, "'" + column + "' is " + value + ", not a finite number");
        }
        return value;
    }

    private static String requireKey(String file, long line, String key) {
        if (key == null || key.isEmpty()) {
            throw new InputFileException(file, line, "model key is empty");
        }
        return key;
    }

    /** The file's name as given. */
    public String name() {
        return name;
    }

    /** How rows become events. */
    public Layout layout() {
        return layout;
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    /**
     * Reads the next rows into {@code batch} until it is full, as the learner's input records (see
     * {@link EventBatch}); false when the file has no more rows. A CSV row goes straight from its bytes to the
     * record's; a row of another format is read as {@link #next} reads it and written by the serde. A malformed row
     * throws {@link InputFileException} as {@link #next} does, with the rows before it in the batch. Mixed with
     * {@link #next}, rows come in file order either way.
     */
    public boolean fill(EventBatch batch) {
        if (filler != null) {
            return filler.fill(batch);
        }
        if (serde == null) {
            serde = InertiaSerdes.labeledEvent();
        }
        while (!batch.isFull()) {
            if (!rows.hasNext()) {
                return false;
            }
            Row row = rows.next();
            batch.add(row.line(), row.event().getModelKey().getBytes(StandardCharsets.UTF_8),
                    serde.serialize(name, row.event()));
        }
        return true;
    }

    @Override
    public Row next() {
        return rows.next();
    }

    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
