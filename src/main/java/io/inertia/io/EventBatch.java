package io.inertia.io;

/**
 * Consecutive rows of an {@link EventFile} as the learner's input records: for each, its line, its model key in
 * UTF-8 (the record key) and its event in Avro's single-object encoding (the record value, the bytes of
 * {@code InertiaSerdes.labeledEvent()}). Filled by {@link EventFile#fill}; rows sharing a model key may share its
 * array, so neither array may be changed.
 */
public final class EventBatch {

    private final long[] lines;
    private final byte[][] keys;
    private final byte[][] values;
    private int size;

    /** An empty batch of at most {@code capacity} rows. */
    public EventBatch(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        lines = new long[capacity];
        keys = new byte[capacity][];
        values = new byte[capacity][];
    }

    /** How many rows it holds. */
    public int size() {
        return size;
    }

    /** Whether it holds as many rows as it can. */
    public boolean isFull() {
        return size == lines.length;
    }

    /** The 1-based line (or, for an Avro file, record number) of row {@code i}. */
    public long line(int i) {
        check(i);
        return lines[i];
    }

    /** The model key of row {@code i}, in UTF-8. */
    public byte[] key(int i) {
        check(i);
        return keys[i];
    }

    /** The event of row {@code i}, single-object encoded. */
    public byte[] value(int i) {
        check(i);
        return values[i];
    }

    void add(long line, byte[] key, byte[] value) {
        lines[size] = line;
        keys[size] = key;
        values[size] = value;
        size++;
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("row " + i + " of a batch of " + size);
        }
    }
}
