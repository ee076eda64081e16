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
    /** The headers of the released versions whose label is a plain double (required), version 1 among them. */
    private final byte[][] alwaysLabeled;
    private long fallbacks;
    /** One per decoder: a decoder, like its processor, is used by one thread. */
    private final StringCache strings = new StringCache();

    /** A decoder of LabeledEvent records. */
    public EventDecoder() {
        singleObjectHeader(LabeledEvent.getClassSchema(), header);
        alwaysLabeled = InertiaSerdes.releasedSchemas(LabeledEvent.getClassSchema()).stream()
                .filter(schema -> schema.getField("label").schema().getType() == org.apache.avro.Schema.Type.DOUBLE)
                .map(schema -> singleObjectHeader(schema, new byte[10])).toArray(byte[][]::new);
    }

    /** The single-object header of {@code schema} (marker C3 01, fingerprint little-endian), in {@code into}. */
    private static byte[] singleObjectHeader(org.apache.avro.Schema schema, byte[] into) {
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        into[0] = (byte) 0xC3;
        into[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            into[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return into;
    }

    /**
     * Whether the event in {@code bytes} carries its label, told without reading the event whole: features are
     * skipped, no string or array is built. For the outcome joiner, which passes labeled events on to the learner
     * unread. {@link LabelState#UNKNOWN} when the bytes are neither the current schema nor a version whose label is
     * required, or do not parse: {@link #decode} says what they are.
     */
    public LabelState labelState(byte[] bytes) {
        for (byte[] labeled : alwaysLabeled) {
            if (startsWith(bytes, labeled)) {
                return LabelState.LABELED;
            }
        }
        if (!startsWith(bytes, header)) {
            return LabelState.UNKNOWN;
        }
        try {
            Cursor in = new Cursor(bytes, header.length);
            in.skipString();
            if (in.readUnionBranch() == 1) {
                for (long count = in.readLong(); count != 0; count = in.readLong()) {
                    // A negative count is followed by the block's size in bytes: skipped at once.
                    in.skip(count < 0 ? in.readLong() : Math.multiplyExact(count, 8L));
                }
            }
            if (in.readUnionBranch() == 1) {
                for (long count = in.readLong(); count != 0; count = in.readLong()) {
                    if (count < 0) {
                        in.skip(in.readLong());
                        continue;
                    }
                    for (long i = 0; i < count; i++) {
                        in.skipString();
                        in.skip(8);
                    }
                }
            }
            return in.readUnionBranch() == 1 ? LabelState.LABELED : LabelState.UNLABELED;
        } catch (IOException | RuntimeException e) {
            return LabelState.UNKNOWN;
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * One event as the learner reads it.
     *
     * @param modelKey the model key
     * @param dense the dense features, or null
     * @param names the named features' names in the record's order (a name may repeat: the last one counts), or null
     * @param values their values, parallel to {@code names}
     * @param label the label; NaN when the event has none ({@code labeled} false)
     * @param weight the sample weight
     * @param eventId the event id, or null
     * @param labeled whether the event carries its label (LabeledEvent v2 and JSON events may leave it out)
     * @param served the prediction already served for the event (LabeledEvent v2), or null
     */
    public record Event(String modelKey, double[] dense, String[] names, double[] values, double label, double weight,
            String eventId, boolean labeled, Served served) {

        /** An event with its label {@code label} and no served prediction. */
        public Event(String modelKey, double[] dense, String[] names, double[] values, double label, double weight,
                String eventId) {
            this(modelKey, dense, names, values, label, weight, eventId, true, null);
        }
    }

    /**
     * A prediction served for an event before its label was known ({@code ServedPrediction}).
     *
     * @param prediction the prediction served
     * @param score the raw score z it came from
     * @param modelVersion the version of the model that made it
     */
    public record Served(double prediction, double score, long modelVersion) {
    }

    /** What {@link #labelState} can tell of an event's bytes without reading them whole. */
    public enum LabelState {
        /** The event carries its label. */
        LABELED,
        /** The event carries no label. */
        UNLABELED,
        /** Not a record of the current schema that parses, nor of a version whose label is required: decode it. */
        UNKNOWN
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
        return startsWith(bytes, header);
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
        boolean labeled = in.readUnionBranch() == 1;
        double label = labeled ? in.readDouble() : Double.NaN;
        double weight = in.readDouble();
        String eventId = in.readUnionBranch() == 1 ? in.readString() : null;
        Served served = in.readUnionBranch() == 1 ? new Served(in.readDouble(), in.readDouble(), in.readLong()) : null;
        if (!in.atEnd()) {
            throw new IOException("bytes after the record");
        }
        return new Event(modelKey, dense, names, values, label, weight, eventId, labeled, served);
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

        void skip(long length) throws IOException {
            if (length < 0 || length > bytes.length - at) {
                throw new EOFException();
            }
            at += (int) length;
        }

        void skipString() throws IOException {
            skip(readLong());
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
        io.inertia.avro.ServedPrediction served = event.getServedPrediction();
        return new Event(event.getModelKey(), dense, names, values,
                event.getLabel() == null ? Double.NaN : event.getLabel(), event.getWeight(), event.getEventId(),
                event.getLabel() != null, served == null ? null
                        : new Served(served.getPrediction(), served.getScore(), served.getModelVersion()));
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
