package io.inertia.serde;

import io.inertia.avro.LabeledEvent;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads {@link LabeledEvent} records (single-object encoding) straight into arrays, for the learner's hot path: a
 * record written with the current schema is read field by field straight from its bytes (Avro's binary encoding,
 * see {@code Cursor}), without the boxed list and hash map of the generated class. Any other record (another writer schema, or bytes that do not
 * parse) goes through the {@link SingleObjectAvroSerde}, which resolves older and newer schemas and reports what is
 * wrong in one line, so both paths accept and refuse the same records and read them the same. Not thread-safe.
 */
public final class EventDecoder implements EventReader {

    private static final double[] NO_VALUES = new double[0];

    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private final byte[] header = new byte[10];
    private long fallbacks;
    /** One per decoder: a decoder, like its processor, is used by one thread. */
    private final StringCache strings = new StringCache();

    /** A decoder of LabeledEvent records. */
    public EventDecoder() {
        long fingerprint = SchemaNormalization.parsingFingerprint64(LabeledEvent.getClassSchema());
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    /**
     * One event as the learner reads it.
     *
     * @param modelKey the model key
     * @param dense the dense features, or null
     * @param names the named features' names in the record's order (a name may repeat: the last one counts), or null
     * @param values their values, parallel to {@code names}
     * @param label the label
     * @param weight the sample weight
     * @param eventId the event id, or null
     */
    public record Event(String modelKey, double[] dense, String[] names, double[] values, double label, double weight,
            String eventId) {
    }

    /**
     * The event in {@code bytes}.
     *
     * @throws SerializationException naming {@code topic} and what is wrong, as {@link SingleObjectAvroSerde} does
     */
    @Override
    public Event decode(String topic, String recordKey, byte[] bytes) {
        return decode(topic, bytes);
    }

    /** As {@link #decode(String, String, byte[])}: an Avro event names its own model key. */
    public Event decode(String topic, byte[] bytes) {
        if (hasCurrentHeader(bytes)) {
            try {
                return readCurrent(bytes);
            } catch (IOException | RuntimeException e) {
                // Truncated or malformed: the serde says why in its own words.
            }
        }
        fallbacks++;
        return fromRecord(serde.deserialize(topic, bytes));
    }

    /** How many records went through Avro's reader instead of the direct one (for tests). */
    long fallbacks() {
        return fallbacks;
    }

    private boolean hasCurrentHeader(byte[] bytes) {
        if (bytes.length < header.length) {
            return false;
        }
        for (int i = 0; i < header.length; i++) {
            if (bytes[i] != header[i]) {
                return false;
            }
        }
        return true;
    }

    /** The fields in the order of schemas/LabeledEvent.avsc. */
    private Event readCurrent(byte[] bytes) throws IOException {
        Cursor in = new Cursor(bytes, header.length);
        String modelKey = in.readString(strings);
        double[] dense = null;
        if (in.readUnionBranch() == 1) {
            dense = new double[8];
            int n = 0;
            for (long block = in.readBlockCount(); block != 0; block = in.readBlockCount()) {
                for (long i = 0; i < block; i++) {
                    if (n == dense.length) {
                        dense = Arrays.copyOf(dense, n * 2);
                    }
                    dense[n++] = in.readDouble();
                }
            }
            dense = Arrays.copyOf(dense, n);
        }
        String[] names = null;
        double[] values = null;
        if (in.readUnionBranch() == 1) {
            names = new String[16];
            values = new double[16];
            int n = 0;
            for (long block = in.readBlockCount(); block != 0; block = in.readBlockCount()) {
                for (long i = 0; i < block; i++) {
                    if (n == names.length) {
                        names = Arrays.copyOf(names, n * 2);
                        values = Arrays.copyOf(values, n * 2);
                    }
                    names[n] = in.readString(strings);
                    values[n++] = in.readDouble();
                }
            }
            names = Arrays.copyOf(names, n);
            values = Arrays.copyOf(values, n);
        }
        double label = in.readDouble();
        double weight = in.readDouble();
        String eventId = in.readUnionBranch() == 1 ? in.readString() : null;
        if (!in.atEnd()) {
            throw new IOException("bytes after the record");
        }
        return new Event(modelKey, dense, names, values, label, weight, eventId);
    }

    /**
     * Avro's binary encoding read from a byte array, the parts LabeledEvent uses: zig-zag varints, little-endian
     * doubles, length-prefixed UTF-8 strings, and array and map blocks (a negative count is followed by the block's
     * size in bytes, as Avro allows). Anything out of bounds or malformed throws, and the caller falls back to Avro's
     * own reader. Avro's BinaryDecoder checks and refills its buffer on every read, which cost the hot path more than
     * the learning step.
     */
    private static final class Cursor {
        private static final VarHandle DOUBLE_LE = MethodHandles.byteArrayViewVarHandle(double[].class,
                ByteOrder.LITTLE_ENDIAN);
        private final byte[] bytes;
        private int at;

        Cursor(byte[] bytes, int at) {
            this.bytes = bytes;
            this.at = at;
        }

        long readLong() throws IOException {
            long raw = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (at >= bytes.length) {
                    throw new EOFException();
                }
                int b = bytes[at++];
                raw |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new IOException("invalid long encoding");
        }

        int readUnionBranch() throws IOException {
            long branch = readLong();
            if (branch != 0 && branch != 1) {
                throw new IOException("union branch " + branch);
            }
            return (int) branch;
        }

        long readBlockCount() throws IOException {
            long count = readLong();
            if (count < 0) {
                readLong();
                count = -count;
            }
            return count;
        }

        double readDouble() throws IOException {
            if (bytes.length - at < 8) {
                throw new EOFException();
            }
            double value = (double) DOUBLE_LE.get(bytes, at);
            at += 8;
            return value;
        }

        String readString() throws IOException {
            return readString(null);
        }

        /** A string, the one {@code cache} holds for the same bytes when it has it. */
        String readString(StringCache cache) throws IOException {
            long length = readLong();
            if (length < 0 || length > bytes.length - at) {
                throw new IOException("string length " + length);
            }
            String value = cache == null ? new String(bytes, at, (int) length, StandardCharsets.UTF_8)
                    : cache.get(bytes, at, (int) length);
            at += (int) length;
            return value;
        }

        boolean atEnd() {
            return at == bytes.length;
        }
    }

    private static Event fromRecord(LabeledEvent event) {
        double[] dense = null;
        List<Double> denseFeatures = event.getDenseFeatures();
        if (denseFeatures != null) {
            dense = new double[denseFeatures.size()];
            for (int i = 0; i < dense.length; i++) {
                Double value = denseFeatures.get(i);
                dense[i] = value == null ? Double.NaN : value;
            }
        }
        String[] names = null;
        double[] values = null;
        Map<String, Double> named = event.getNamedFeatures();
        if (named != null) {
            names = new String[named.size()];
            values = named.isEmpty() ? NO_VALUES : new double[named.size()];
            int i = 0;
            for (Map.Entry<String, Double> feature : named.entrySet()) {
                names[i] = feature.getKey();
                values[i++] = feature.getValue() == null ? Double.NaN : feature.getValue();
            }
        }
        return new Event(event.getModelKey(), dense, names, values, event.getLabel(), event.getWeight(),
                event.getEventId());
    }

    /**
     * The strings of recent model keys and feature names by their UTF-8 bytes, direct-mapped: the same few names
     * arrive in every event, and reusing their String saves decoding it and, since a String keeps its hash, hashing it
     * again at every lookup of the model's weights. A name the cache has lost is decoded again, so a miss costs one
     * copy more than no cache; what a decode returns is always equal to a fresh decode of the same bytes.
     */
    static final class StringCache {
        private static final int SLOTS = 4096;
        /** Longer strings are rare as names and not worth keeping. */
        private static final int MAX_LENGTH = 64;
        private final byte[][] keys = new byte[SLOTS][];
        private final String[] values = new String[SLOTS];

        String get(byte[] bytes, int at, int length) {
            if (length > MAX_LENGTH) {
                return new String(bytes, at, length, StandardCharsets.UTF_8);
            }
            int hash = length;
            for (int i = at, end = at + length; i < end; i++) {
                hash = 31 * hash + bytes[i];
            }
            int slot = (hash ^ (hash >>> 13)) & (SLOTS - 1);
            byte[] key = keys[slot];
            if (key != null && Arrays.equals(key, 0, key.length, bytes, at, at + length)) {
                return values[slot];
            }
            String value = new String(bytes, at, length, StandardCharsets.UTF_8);
            keys[slot] = Arrays.copyOfRange(bytes, at, at + length);
            values[slot] = value;
            return value;
        }
    }
}
