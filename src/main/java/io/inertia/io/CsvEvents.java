package io.inertia.io;

import io.inertia.avro.LabeledEvent;
import io.inertia.serde.LabeledEventEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * The events of a CSV file (see {@link EventFile}): its header checked, then each row read into its model key,
 * feature values and label, and handed out either as a {@link LabeledEvent} or, for a replay, straight as the
 * learner's input record (see {@link #fill}). Both read and check a row the same way, so they accept and refuse the
 * same rows with the same messages.
 */
final class CsvEvents implements Iterator<EventFile.Row> {

    private final String name;
    private final CsvReader reader;
    private final int columns;
    private final List<String> header;
    /** The features in the order of their first column in the header, each read from its last column. */
    private final String[] features;
    private final int[] featureColumns;
    /** Where each feature's value goes: its place in name order, the order of the event's sorted map. */
    private final int[] sortedPlace;
    private final String[] sortedNames;
    private final int labelColumn;
    /** The classes' names, for labels given by name; empty when labels must be numbers. */
    private final List<String> classes;
    private final int keyColumn;
    private final byte[] fixedKey;
    private final LabeledEventEncoder encoder = new LabeledEventEncoder();
    private final LabeledEventEncoder.Names encodedNames;

    /** The current row, read by {@link #readRow}: values in name order, or in header order for dense rows. */
    private final double[] values;
    /** Whether the feature columns make a dense vector (in header order) rather than named features. */
    private final boolean dense;
    private double label;
    private byte[] key;
    private boolean pending;
    private boolean done;

    private CsvEvents(String name, CsvReader reader, List<String> header, EventFile.Layout layout) {
        this.name = name;
        this.reader = reader;
        this.header = header;
        this.columns = header.size();
        // Several columns of one name: the last one is read (as Commons CSV's record.get(name) did).
        Map<String, Integer> last = new LinkedHashMap<>();
        Map<String, Integer> firstOrder = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            String column = header.get(i);
            last.put(column, i);
            if (!column.equals(layout.labelColumn()) && !column.equals(layout.keyColumn())) {
                firstOrder.putIfAbsent(column, 0);
            }
        }
        features = firstOrder.keySet().toArray(String[]::new);
        featureColumns = new int[features.length];
        for (int i = 0; i < features.length; i++) {
            featureColumns[i] = last.get(features[i]);
        }
        sortedNames = features.clone();
        Arrays.sort(sortedNames, Comparator.naturalOrder());
        sortedPlace = new int[features.length];
        for (int i = 0; i < features.length; i++) {
            sortedPlace[i] = Arrays.binarySearch(sortedNames, features[i]);
        }
        labelColumn = last.get(layout.labelColumn());
        classes = layout.classNames();
        keyColumn = layout.keyColumn() == null ? -1 : last.get(layout.keyColumn());
        String key = layout.modelKey() != null ? layout.modelKey() : EventFile.DEFAULT_MODEL_KEY;
        fixedKey = keyColumn < 0 ? key.getBytes(StandardCharsets.UTF_8) : null;
        values = new double[features.length];
        dense = layout.dense();
        encodedNames = encoder.names(sortedNames);
    }

    /** The events of {@code reader}, after its header row; refuses a header that does not fit {@code layout}. */
    static CsvEvents open(String name, CsvReader reader, EventFile.Layout layout) {
        List<String> header = new ArrayList<>();
        try {
            if (reader.next()) {
                for (int i = 0; i < reader.size(); i++) {
                    header.add(reader.string(i));
                }
            }
        } catch (IOException | CsvReader.MalformedException e) {
            throw new InputFileException(name, 1, "cannot read the header row: " + e.getMessage());
        }
        if (header.contains("")) {
            throw new InputFileException(name, 1, "cannot read the header row: A header name is missing in "
                    + header);
        }
        if (!header.contains(layout.labelColumn())) {
            throw new InputFileException(name, 1, "no label column '" + layout.labelColumn() + "' in header " + header);
        }
        if (layout.keyColumn() != null && !header.contains(layout.keyColumn())) {
            throw new InputFileException(name, 1, "no key column '" + layout.keyColumn() + "' in header " + header);
        }
        CsvEvents events = new CsvEvents(name, reader, List.copyOf(header), layout);
        if (events.features.length == 0) {
            throw new InputFileException(name, 1, "no feature columns besides the label and key in header " + header);
        }
        return events;
    }

    @Override
    public boolean hasNext() {
        if (!pending && !done) {
            try {
                pending = reader.next();
            } catch (CsvReader.MalformedException e) {
                throw new InputFileException(name, e.line, "unreadable row: " + e.getMessage());
            } catch (IOException e) {
                throw new InputFileException(name, reader.line() + 1, "unreadable row: " + e.getMessage());
            }
            done = !pending;
        }
        return pending;
    }

    @Override
    public EventFile.Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        pending = false;
        long line = readRow();
        LabeledEvent.Builder event = LabeledEvent.newBuilder()
                .setModelKey(new String(key, StandardCharsets.UTF_8))
                .setLabel(label);
        if (dense) {
            List<Double> vector = new ArrayList<>(values.length);
            for (double value : values) {
                vector.add(value);
            }
            event.setDenseFeatures(vector);
        } else {
            Map<String, Double> named = new TreeMap<>();
            for (int i = 0; i < sortedNames.length; i++) {
                named.put(sortedNames[i], values[i]);
            }
            event.setNamedFeatures(named);
        }
        return new EventFile.Row(line, event.build());
    }

    /** See {@link EventFile#fill}. */
    boolean fill(EventBatch batch) {
        while (!batch.isFull()) {
            if (!hasNext()) {
                return false;
            }
            pending = false;
            long line = readRow();
            batch.add(line, key, dense ? encoder.encodeDense(key, values, label, 1.0)
                    : encoder.encode(key, encodedNames, values, label, 1.0, null));
        }
        return true;
    }

    /** Reads and checks the record the reader holds: its features, then its key, then its label. */
    private long readRow() {
        long line = reader.line();
        if (reader.size() != columns) {
            throw new InputFileException(name, line, "has " + reader.size() + " fields but the header has " + columns);
        }
        for (int i = 0; i < features.length; i++) {
            values[dense ? i : sortedPlace[i]] = number(line, features[i], featureColumns[i]);
        }
        key = keyColumn < 0 ? fixedKey : keyOf(line);
        label = classes.isEmpty() ? number(line, header.get(labelColumn), labelColumn) : classLabel(line);
        return line;
    }

    /** The key column's bytes, the previous row's array when they are the same (one model: one array). */
    private byte[] keyOf(long line) {
        byte[] bytes = reader.bytes(keyColumn);
        int start = reader.start(keyColumn);
        int end = reader.end(keyColumn);
        if (start == end) {
            throw new InputFileException(name, line, "model key is empty");
        }
        if (key != null && Arrays.equals(key, 0, key.length, bytes, start, end)) {
            return key;
        }
        return Arrays.copyOfRange(bytes, start, end);
    }

    /** The label cell as a class index: a class's name, or a number. */
    private double classLabel(long line) {
        String cell = reader.string(labelColumn);
        int index = classes.indexOf(cell);
        if (index >= 0) {
            return index;
        }
        try {
            return number(line, header.get(labelColumn), labelColumn);
        } catch (InputFileException e) {
            throw new InputFileException(name, line, "column '" + header.get(labelColumn) + "' is '" + cell
                    + "', not a class name (expected one of " + String.join(", ", classes) + ") or a number");
        }
    }

    private double number(long line, String column, int field) {
        byte[] bytes = reader.bytes(field);
        int start = reader.start(field);
        int end = reader.end(field);
        if (start == end) {
            throw new InputFileException(name, line, "column '" + column + "' is empty");
        }
        double value;
        try {
            value = EventFile.parseNumber(bytes, start, end - start);
        } catch (NumberFormatException e) {
            throw new InputFileException(name, line, "column '" + column + "' is '" + reader.string(field)
                    + "', not a number");
        }
        if (!Double.isFinite(value)) {
            throw new InputFileException(name, line, "'" + column + "' is " + value + ", not a finite number");
        }
        return value;
    }
}
