package io.inertia.serde;

import io.inertia.avro.Prediction;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;

/**
 * Writes {@link Prediction} records for the learner's hot path, one per event: exactly the bytes of
 * {@link InertiaSerdes#prediction()} (single-object header, then Avro's binary encoding of the fields in the order of
 * schemas/Prediction.avsc), without building the record or going through Avro's buffered encoder, which together
 * cost more than the learning step. Not thread-safe: one per processor.
 */
public final class PredictionEncoder {

    private static final VarHandle DOUBLE_LE = MethodHandles.byteArrayViewVarHandle(double[].class,
            ByteOrder.LITTLE_ENDIAN);
    private final byte[] header = new byte[10];
    private byte[] buffer = new byte[256];
    private int size;

    /** An encoder for the current Prediction schema. */
    public PredictionEncoder() {
        long fingerprint = SchemaNormalization.parsingFingerprint64(Prediction.getClassSchema());
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    /**
     * The bytes of the prediction of a single-output model with these fields (see schemas/Prediction.avsc);
     * {@code eventId} may be null.
     */
    public byte[] encode(String modelKey, String eventId, double prediction, double score, double label, double loss,
            long modelVersion) {
        return encode(modelKey, eventId, prediction, score, label, loss, modelVersion, null, -1);
    }

    /**
     * The bytes of the prediction with these fields (see schemas/Prediction.avsc); {@code eventId} may be null, and
     * so may {@code probabilities} (with {@code predictedClass} −1) for a single-output model.
     */
    public byte[] encode(String modelKey, String eventId, double prediction, double score, double label, double loss,
            long modelVersion, double[] probabilities, int predictedClass) {
        size = 0;
        ensure(header.length);
        System.arraycopy(header, 0, buffer, 0, header.length);
        size = header.length;
        writeString(modelKey);
        if (eventId == null) {
            writeLong(0);
        } else {
            writeLong(1);
            writeString(eventId);
        }
        writeDouble(prediction);
        writeDouble(score);
        // label and loss: branch 1 (double) of ["null", "double"]; this path always has both.
        writeLong(1);
        writeDouble(label);
        writeLong(1);
        writeDouble(loss);
        writeLong(modelVersion);
        if (probabilities == null) {
            writeLong(0);
            writeLong(0);
        } else {
            writeLong(1);
            // An array is blocks of (count, items) ended by a count of 0.
            writeLong(probabilities.length);
            for (double probability : probabilities) {
                writeDouble(probability);
            }
            writeLong(0);
            writeLong(1);
            writeLong(predictedClass);
        }
        return Arrays.copyOf(buffer, size);
    }

    private void writeString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        writeLong(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buffer, size, utf8.length);
        size += utf8.length;
    }

    /** Zig-zag, then 7 bits per byte, low bits first. */
    private void writeLong(long value) {
        ensure(10);
        long zigzag = (value << 1) ^ (value >> 63);
        while ((zigzag & ~0x7FL) != 0) {
            buffer[size++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        buffer[size++] = (byte) zigzag;
    }

    private void writeDouble(double value) {
        ensure(8);
        // Avro writes the IEEE 754 bits as Double.doubleToRawLongBits would, little-endian (NaN payloads kept).
        DOUBLE_LE.set(buffer, size, value);
        size += 8;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }
}
