package io.inertia.serde;

import io.inertia.avro.LabeledEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads {@link LabeledEvent} records (single-object encoding) straight into arrays, for the learner's hot path: a
 * record written with the current schema is read field by field with Avro's {@link BinaryDecoder}, without the
 * boxed list and hash map of the generated class. Any other record (another writer schema, or bytes that do not
 * parse) goes through the {@link SingleObjectAvroSerde}, which resolves older and newer schemas and reports what is
 * wrong in one line, so both paths accept and refuse the same records and read them the same. Not thread-safe.
 */
public final class EventDecoder {

    private static final double[] NO_VALUES = new double[0];

    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private final byte[] header = new byte[10];
    private BinaryDecoder decoder;

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
    public Event decode(String topic, byte[] bytes) {
        if (hasCurrentHeader(bytes)) {
            try {
                return readCurrent(bytes);
            } catch (IOException | RuntimeException e) {
                // Truncated or malformed: the serde says why in its own words.
            }
        }
        return fromRecord(serde.deserialize(topic, bytes));
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
        decoder = DecoderFactory.get().binaryDecoder(bytes, header.length, bytes.length - header.length, decoder);
        String modelKey = decoder.readString();
        double[] dense = null;
        if (unionBranch(2) == 1) {
            dense = new double[8];
            int n = 0;
            for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
                for (long i = 0; i < block; i++) {
                    if (n == dense.length) {
                        dense = java.util.Arrays.copyOf(dense, n * 2);
                    }
                    dense[n++] = decoder.readDouble();
                }
            }
            dense = java.util.Arrays.copyOf(dense, n);
        }
        String[] names = null;
        double[] values = null;
        if (unionBranch(2) == 1) {
            names = new String[16];
            values = new double[16];
            int n = 0;
            for (long block = decoder.readMapStart(); block != 0; block = decoder.mapNext()) {
                for (long i = 0; i < block; i++) {
                    if (n == names.length) {
                        names = java.util.Arrays.copyOf(names, n * 2);
                        values = java.util.Arrays.copyOf(values, n * 2);
                    }
                    names[n] = decoder.readString();
                    values[n++] = decoder.readDouble();
                }
            }
            names = java.util.Arrays.copyOf(names, n);
            values = java.util.Arrays.copyOf(values, n);
        }
        double label = decoder.readDouble();
        double weight = decoder.readDouble();
        String eventId = unionBranch(2) == 1 ? decoder.readString() : null;
        if (!decoder.isEnd()) {
            throw new IOException("bytes after the record");
        }
        return new Event(modelKey, dense, names, values, label, weight, eventId);
    }

    private int unionBranch(int branches) throws IOException {
        int branch = decoder.readIndex();
        if (branch < 0 || branch >= branches) {
            throw new IOException("union branch " + branch);
        }
        return branch;
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
}
