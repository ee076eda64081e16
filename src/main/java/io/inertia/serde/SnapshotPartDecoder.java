package io.inertia.serde;

import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Reads the snapshot topic's part records ({@link ModelSnapshotPart}, single-object Avro) written with the current
 * schema straight into primitive arrays, their lists {@link PrimitiveLists} views: Avro's own reader boxes every
 * weight, state value and step, which made decoding cost more than writing a part's weights out again as JSON. A record
 * of any other schema version goes to {@link InertiaSerdes#modelSnapshotPart()}, one written as JSON
 * ({@code inertia.output.format=json}) to {@link JsonRecordSerde}; all give equal records
 * ({@code SnapshotPartDecoderTest}). Not thread-safe.
 */
public final class SnapshotPartDecoder {

    /** Marker C3 01 and the current schema's fingerprint, little-endian: the records this decoder reads itself. */
    private static final byte[] HEADER = header();

    private final SingleObjectAvroSerde<ModelSnapshotPart> others = InertiaSerdes.modelSnapshotPart();
    private final JsonRecordSerde<ModelSnapshotPart> json = new JsonRecordSerde<>(ModelSnapshotPart.getClassSchema());
    private BinaryDecoder decoder;

    private static byte[] header() {
        long fingerprint = SchemaNormalization.parsingFingerprint64(ModelSnapshotPart.getClassSchema());
        byte[] header = new byte[10];
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return header;
    }

    /**
     * The part {@code value} holds.
     *
     * @throws SerializationException when it is not a part record, naming {@code topic}
     */
    public ModelSnapshotPart decode(String topic, byte[] value) {
        if (JsonRecordSerde.isJson(value)) {
            return json.deserialize(topic, value);
        }
        if (value.length < HEADER.length || !Arrays.equals(value, 0, HEADER.length, HEADER, 0, HEADER.length)) {
            return others.deserialize(topic, value);
        }
        try {
            decoder = DecoderFactory.get().binaryDecoder(value, HEADER.length, value.length - HEADER.length, decoder);
            // Fields in the order of ModelSnapshotPart.avsc (v1): modelKey, generation, index, version, named, hashed.
            String modelKey = decoder.readString();
            long generation = decoder.readLong();
            int index = decoder.readInt();
            long version = decoder.readLong();
            List<String> names = strings();
            DoubleColumn namedWeights = doubles();
            DoubleColumn namedStates = doubles();
            LongColumn namedSteps = longs();
            IntColumn buckets = ints();
            DoubleColumn bucketWeights = doubles();
            DoubleColumn bucketStates = doubles();
            LongColumn bucketSteps = longs();
            if (!decoder.isEnd()) {
                throw new IOException((value.length - HEADER.length) + " bytes hold more than one part");
            }
            return new ModelSnapshotPart(modelKey, generation, index, version,
                    new NamedWeights(names, namedWeights.list(), namedStates.list(), namedSteps.list()),
                    new BucketWeights(buckets.list(), bucketWeights.list(), bucketStates.list(), bucketSteps.list()));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot deserialize ModelSnapshotPart from topic '" + topic + "': "
                    + e.getMessage(), e);
        }
    }

    private List<String> strings() throws IOException {
        List<String> values = new ArrayList<>();
        for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
            for (long i = 0; i < block; i++) {
                values.add(decoder.readString());
            }
        }
        return values;
    }

    private DoubleColumn doubles() throws IOException {
        DoubleColumn column = new DoubleColumn();
        for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
            column.room(block);
            for (long i = 0; i < block; i++) {
                column.values[column.size++] = decoder.readDouble();
            }
        }
        return column;
    }

    private LongColumn longs() throws IOException {
        LongColumn column = new LongColumn();
        for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
            column.room(block);
            for (long i = 0; i < block; i++) {
                column.values[column.size++] = decoder.readLong();
            }
        }
        return column;
    }

    private IntColumn ints() throws IOException {
        IntColumn column = new IntColumn();
        for (long block = decoder.readArrayStart(); block != 0; block = decoder.arrayNext()) {
            column.room(block);
            for (long i = 0; i < block; i++) {
                column.values[column.size++] = decoder.readInt();
            }
        }
        return column;
    }

    /** The values of an array field as they are read. */
    private static final class DoubleColumn {
        double[] values = new double[0];
        int size;

        void room(long more) throws IOException {
            values = Arrays.copyOf(values, grown(size, more, values.length));
        }

        List<Double> list() {
            return PrimitiveLists.of(values, size);
        }
    }

    /** The values of an array field as they are read. */
    private static final class LongColumn {
        long[] values = new long[0];
        int size;

        void room(long more) throws IOException {
            values = Arrays.copyOf(values, grown(size, more, values.length));
        }

        List<Long> list() {
            return PrimitiveLists.of(values, size);
        }
    }

    /** The values of an array field as they are read. */
    private static final class IntColumn {
        int[] values = new int[0];
        int size;

        void room(long more) throws IOException {
            values = Arrays.copyOf(values, grown(size, more, values.length));
        }

        List<Integer> list() {
            return PrimitiveLists.of(values, size);
        }
    }

    /** The length an array of {@code length} holding {@code size} values needs for {@code more}. */
    private static int grown(int size, long more, int length) throws IOException {
        long needed = size + more;
        if (more < 0 || needed > Integer.MAX_VALUE - 8) {
            throw new IOException("an array of " + more + " more values after " + size);
        }
        return (int) Math.max(length, needed);
    }
}
