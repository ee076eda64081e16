package io.inertia.serde;

import io.inertia.avro.LabeledEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.avro.SchemaNormalization;

/**
 * Writes {@link LabeledEvent} records for a replay's reader, one per row: exactly the bytes of
 * {@link InertiaSerdes#labeledEvent()} (single-object header, then Avro's binary encoding of the fields in the order
 * of schemas/LabeledEvent.avsc), without building the record, its boxed list and map, or going through Avro's
 * encoder, which together cost a replay from CSV more than the learning step.
 *
 * <p>The named features are written in the order given, as Avro writes a map in its iteration order: callers that
 * stand for a sorted map (as the file readers build) pass the names sorted, so that the bytes never depend on a hash
 * map's order. Stateless apart from the header: safe to share between threads.
 */
public final class LabeledEventEncoder {

    private static final VarHandle DOUBLE_LE = MethodHandles.byteArrayViewVarHandle(double[].class,
            ByteOrder.LITTLE_ENDIAN);

    /**
     * Bytes of the tail's fixed part, for a labeled event: the label's union branch and value, the weight, the
     * servedPrediction union branch (null).
     */
    private static final int TAIL_BYTES = 1 + 8 + 8 + 1;

    private final byte[] header = new byte[10];

    /** An encoder for the current LabeledEvent schema. */
    public LabeledEventEncoder() {
        long fingerprint = SchemaNormalization.parsingFingerprint64(LabeledEvent.getClassSchema());
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    /**
     * The named features of many events that share their names, encoded once: the bytes between the model key and
     * the label, with a slot for each value. Build one per file with {@link #names}.
     */
    public static final class Names {
        private final byte[] template;
        private final int[] slots;

        private Names(byte[] template, int[] slots) {
            this.template = template;
            this.slots = slots;
        }

        /** How many features (values {@link #encode(byte[], Names, double[], double, double, String)} takes). */
        public int size() {
            return slots.length;
        }
    }

    /**
     * The fields up to the label of an event without dense features and with the named features {@code names}, in
     * this order (distinct names; for a sorted map, sorted).
     */
    public Names names(String[] names) {
        byte[][] utf8 = new byte[names.length][];
        int size = 1 + 1 + (names.length == 0 ? 0 : varintSize(names.length)) + 1;
        for (int i = 0; i < names.length; i++) {
            utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
            size += varintSize(utf8[i].length) + utf8[i].length + 8;
        }
        byte[] template = new byte[size];
        int[] slots = new int[names.length];
        int at = 0;
        template[at++] = 0; // denseFeatures: the null branch
        template[at++] = 2; // namedFeatures: the map branch (union index 1, zig-zag)
        if (names.length > 0) {
            at = writeLong(template, at, names.length);
            for (int i = 0; i < names.length; i++) {
                at = writeLong(template, at, utf8[i].length);
                System.arraycopy(utf8[i], 0, template, at, utf8[i].length);
                at += utf8[i].length;
                slots[i] = at;
                at += 8;
            }
        }
        template[at++] = 0; // the map's end block
        return new Names(template, slots);
    }

    /**
     * The bytes of the event with the model key {@code modelKeyUtf8} (UTF-8), no dense features, the named features
     * of {@code names} with {@code values} (parallel to the names given to {@link #names}), the label, weight and
     * event id (or null).
     */
    public byte[] encode(byte[] modelKeyUtf8, Names names, double[] values, double label, double weight,
            String eventId) {
        byte[] id = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
        int size = header.length + varintSize(modelKeyUtf8.length) + modelKeyUtf8.length + names.template.length
                + TAIL_BYTES + optionalSize(id);
        byte[] out = new byte[size];
        System.arraycopy(header, 0, out, 0, header.length);
        int at = writeBytes(out, header.length, modelKeyUtf8);
        System.arraycopy(names.template, 0, out, at, names.template.length);
        for (int i = 0; i < names.slots.length; i++) {
            DOUBLE_LE.set(out, at + names.slots[i], values[i]);
        }
        at += names.template.length;
        at = writeTail(out, at, true, label, weight, id, null);
        assert at == size;
        return out;
    }

    /**
     * The bytes of the event with the model key {@code modelKeyUtf8} (UTF-8), the dense features {@code dense}, no
     * named features, the label and weight, no event id.
     */
    public byte[] encodeDense(byte[] modelKeyUtf8, double[] dense, double label, double weight) {
        int size = header.length + varintSize(modelKeyUtf8.length) + modelKeyUtf8.length
                + 1 + (dense.length == 0 ? 0 : varintSize(dense.length)) + 8 * dense.length + 1 + 1 + TAIL_BYTES + 1;
        byte[] out = new byte[size];
        System.arraycopy(header, 0, out, 0, header.length);
        int at = writeBytes(out, header.length, modelKeyUtf8);
        out[at++] = 2;
        // Avro writes a block count only for a non-empty array, then the end block 0.
        if (dense.length > 0) {
            at = writeLong(out, at, dense.length);
            for (double value : dense) {
                DOUBLE_LE.set(out, at, value);
                at += 8;
            }
        }
        out[at++] = 0;
        // No named features: the union's null branch.
        out[at++] = 0;
        at = writeTail(out, at, true, label, weight, null, null);
        assert at == size;
        return out;
    }

    /**
     * The bytes of the event with these fields (see schemas/LabeledEvent.avsc): {@code dense}, {@code names} and
     * {@code eventId} may be null; {@code values} is parallel to {@code names}, written in that order.
     */
    public byte[] encode(String modelKey, double[] dense, String[] names, double[] values, double label,
            double weight, String eventId) {
        return encode(modelKey, dense, names, values, true, label, weight, eventId, null);
    }

    /**
     * As {@link #encode(String, double[], String[], double[], double, double, String)}, for an event that may lack
     * its label ({@code label} null) and may carry the prediction a client was served ({@code served}, or null).
     */
    public byte[] encode(String modelKey, double[] dense, String[] names, double[] values, Double label,
            double weight, String eventId, EventDecoder.Served served) {
        return encode(modelKey, dense, names, values, label != null, label == null ? 0 : label, weight, eventId,
                served);
    }

    private byte[] encode(String modelKey, double[] dense, String[] names, double[] values, boolean labeled,
            double label, double weight, String eventId, EventDecoder.Served served) {
        byte[] key = modelKey.getBytes(StandardCharsets.UTF_8);
        byte[][] utf8 = null;
        int size = header.length + varintSize(key.length) + key.length;
        size += dense == null ? 1 : 1 + (dense.length == 0 ? 0 : varintSize(dense.length)) + 8 * dense.length + 1;
        if (names == null) {
            size += 1;
        } else {
            if (values.length != names.length) {
                throw new IllegalArgumentException(names.length + " names but " + values.length + " values");
            }
            utf8 = new byte[names.length][];
            size += 1 + (names.length == 0 ? 0 : varintSize(names.length)) + 1;
            for (int i = 0; i < names.length; i++) {
                utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
                size += varintSize(utf8[i].length) + utf8[i].length + 8;
            }
        }
        byte[] id = eventId == null ? null : eventId.getBytes(StandardCharsets.UTF_8);
        size += TAIL_BYTES - (labeled ? 0 : 8) + optionalSize(id);
        if (served != null) {
            size += 16 + varintSize(served.modelVersion());
        }
        byte[] out = new byte[size];
        System.arraycopy(header, 0, out, 0, header.length);
        int at = writeBytes(out, header.length, key);
        if (dense == null) {
            out[at++] = 0;
        } else {
            out[at++] = 2;
            // Avro writes a block count only for a non-empty array, then the end block 0.
            if (dense.length > 0) {
                at = writeLong(out, at, dense.length);
                for (double value : dense) {
                    DOUBLE_LE.set(out, at, value);
                    at += 8;
                }
            }
            out[at++] = 0;
        }
        if (utf8 == null) {
            out[at++] = 0;
        } else {
            out[at++] = 2;
            if (utf8.length > 0) {
                at = writeLong(out, at, utf8.length);
                for (int i = 0; i < utf8.length; i++) {
                    at = writeBytes(out, at, utf8[i]);
                    DOUBLE_LE.set(out, at, values[i]);
                    at += 8;
                }
            }
            out[at++] = 0;
        }
        at = writeTail(out, at, labeled, label, weight, id, served);
        assert at == size;
        return out;
    }

    /**
     * Label (a union: null or double), weight, the optional event id and the optional served prediction; without the
     * id's bytes and the served prediction's fields, {@value #TAIL_BYTES} bytes when labeled.
     */
    private static int writeTail(byte[] out, int at, boolean labeled, double label, double weight, byte[] id,
            EventDecoder.Served served) {
        // Avro writes the IEEE 754 bits as Double.doubleToRawLongBits would, little-endian (NaN payloads kept).
        if (labeled) {
            out[at++] = 2;
            DOUBLE_LE.set(out, at, label);
            at += 8;
        } else {
            out[at++] = 0;
        }
        DOUBLE_LE.set(out, at, weight);
        at += 8;
        if (id == null) {
            out[at++] = 0;
        } else {
            out[at++] = 2;
            at = writeBytes(out, at, id);
        }
        if (served == null) {
            out[at++] = 0;
            return at;
        }
        out[at++] = 2;
        DOUBLE_LE.set(out, at, served.prediction());
        DOUBLE_LE.set(out, at + 8, served.score());
        return writeLong(out, at + 16, served.modelVersion());
    }

    private static int optionalSize(byte[] bytes) {
        return bytes == null ? 1 : 1 + varintSize(bytes.length) + bytes.length;
    }

    /** A length-prefixed byte string, as Avro writes a string. */
    private static int writeBytes(byte[] out, int at, byte[] bytes) {
        at = writeLong(out, at, bytes.length);
        System.arraycopy(bytes, 0, out, at, bytes.length);
        return at + bytes.length;
    }

    /** Zig-zag, then 7 bits per byte, low bits first. */
    private static int writeLong(byte[] out, int at, long value) {
        long zigzag = (value << 1) ^ (value >> 63);
        while ((zigzag & ~0x7FL) != 0) {
            out[at++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        out[at++] = (byte) zigzag;
        return at;
    }

    private static int varintSize(long value) {
        long zigzag = (value << 1) ^ (value >> 63);
        int size = 1;
        while ((zigzag & ~0x7FL) != 0) {
            size++;
            zigzag >>>= 7;
        }
        return size;
    }
}
