package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.BucketWeights;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The direct reader of part records reads what Avro's generated reader reads (the reference here), for the current
 * schema; anything else it hands to that reader, and refuses what it refuses.
 */
class SnapshotPartDecoderTest {

    private static final String TOPIC = "model-snapshots";
    private final SingleObjectAvroSerde<ModelSnapshotPart> serde = InertiaSerdes.modelSnapshotPart();
    private final JsonRecordSerde<ModelSnapshotPart> json = new JsonRecordSerde<>(ModelSnapshotPart.getClassSchema());
    private final SnapshotPartDecoder decoder = new SnapshotPartDecoder();

    @Test
    void shouldReadEveryFieldAsAvrosGeneratedReaderDoes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 300; n++) {
            ModelSnapshotPart written = part(random, n);
            byte[] bytes = serde.serialize(TOPIC, written);
            ModelSnapshotPart expected = serde.deserialize(TOPIC, bytes);
            ModelSnapshotPart actual = decoder.decode(TOPIC, bytes);
            // Equal records encode to equal bytes: every field, every double's bits.
            assertArrayEquals(serde.serialize(TOPIC, expected), serde.serialize(TOPIC, actual), "part #" + n);
            assertEquals(expected.getNamed().getNames(), actual.getNamed().getNames());
        }
    }

    @Test
    void shouldReadPartsWrittenAsJsonThroughAvrosReader() {
        ModelSnapshotPart written = part(new SplittableRandom(3), 1);
        ModelSnapshotPart actual = decoder.decode(TOPIC, json.serialize(TOPIC, written));
        assertArrayEquals(serde.serialize(TOPIC, written), serde.serialize(TOPIC, actual));
    }

    @Test
    void shouldRefuseCutAndForeignBytesNamingTheTopic() {
        byte[] bytes = serde.serialize(TOPIC, part(new SplittableRandom(4), 2));
        SerializationException cut = assertThrows(SerializationException.class,
                () -> decoder.decode(TOPIC, Arrays.copyOf(bytes, bytes.length - 3)));
        assertTrue(cut.getMessage().startsWith("cannot deserialize ModelSnapshotPart from topic 'model-snapshots'"),
                cut.getMessage());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(SerializationException.class, () -> decoder.decode(TOPIC, longer));
        assertThrows(SerializationException.class,
                () -> decoder.decode(TOPIC, "not a part".getBytes(StandardCharsets.UTF_8)));
    }

    private static ModelSnapshotPart part(SplittableRandom random, int n) {
        int stateSize = random.nextInt(3);
        List<String> names = new ArrayList<>();
        List<Double> namedWeights = new ArrayList<>();
        List<Double> namedStates = new ArrayList<>();
        List<Long> namedSteps = new ArrayList<>();
        for (int i = random.nextInt(n % 7 == 0 ? 3000 : 30); i > 0; i--) {
            names.add("f" + i + (random.nextBoolean() ? "é" : ""));
            namedWeights.add(random.nextGaussian() * 1e-3);
            for (int k = 0; k < stateSize; k++) {
                namedStates.add(random.nextBoolean() ? -0.0 : random.nextGaussian());
            }
            namedSteps.add(random.nextLong(0, Long.MAX_VALUE));
        }
        List<Integer> buckets = new ArrayList<>();
        List<Double> bucketWeights = new ArrayList<>();
        List<Double> bucketStates = new ArrayList<>();
        List<Long> bucketSteps = new ArrayList<>();
        for (int i = random.nextInt(n % 5 == 0 ? 5000 : 50); i > 0; i--) {
            buckets.add(random.nextInt(0, Integer.MAX_VALUE));
            bucketWeights.add(random.nextGaussian());
            for (int k = 0; k < stateSize; k++) {
                bucketStates.add(random.nextGaussian());
            }
            bucketSteps.add(random.nextLong(0, 1L << 40));
        }
        return new ModelSnapshotPart("model-" + n, random.nextLong(0, 1L << 50), random.nextInt(0, 1 << 20),
                random.nextLong(0, Long.MAX_VALUE), new NamedWeights(names, namedWeights, namedStates, namedSteps),
                new BucketWeights(buckets, bucketWeights, bucketStates, bucketSteps));
    }
}
