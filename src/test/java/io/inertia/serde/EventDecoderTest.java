package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The hot path's direct reader of LabeledEvent bytes reads what Avro's generated reader reads (the reference here),
 * and refuses what it refuses with the same one-line message.
 */
class EventDecoderTest {

    private static final String TOPIC = "labeled-events";
    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private final EventDecoder decoder = new EventDecoder();

    @Test
    void shouldReadEveryFieldAsAvrosGeneratedReaderDoes() {
        SplittableRandom random = new SplittableRandom(5);
        for (int n = 0; n < 500; n++) {
            LabeledEvent.Builder builder = LabeledEvent.newBuilder().setModelKey("model-" + random.nextInt(1000))
                    .setLabel(random.nextDouble(-5, 5)).setWeight(random.nextDouble(0, 2));
            if (random.nextBoolean()) {
                List<Double> dense = new ArrayList<>();
                for (int i = random.nextInt(40); i > 0; i--) {
                    dense.add(random.nextGaussian());
                }
                builder.setDenseFeatures(dense);
            }
            if (random.nextInt(4) > 0) {
                Map<String, Double> named = new LinkedHashMap<>();
                for (int i = random.nextInt(60); i > 0; i--) {
                    named.put("f" + random.nextInt(10_000) + (random.nextBoolean() ? "π" : ""), random.nextGaussian());
                }
                builder.setNamedFeatures(named);
            }
            if (random.nextBoolean()) {
                builder.setEventId("e-" + n);
            }
            byte[] bytes = serde.serialize(TOPIC, builder.build());
            LabeledEvent expected = serde.deserialize(TOPIC, bytes);
            EventDecoder.Event actual = decoder.decode(TOPIC, bytes);
            assertEquals(expected.getModelKey(), actual.modelKey());
            if (expected.getDenseFeatures() == null) {
                assertNull(actual.dense());
            } else {
                assertArrayEquals(expected.getDenseFeatures().stream().mapToDouble(Double::doubleValue).toArray(),
                        actual.dense());
            }
            if (expected.getNamedFeatures() == null) {
                assertNull(actual.names());
            } else {
                Map<String, Double> read = new LinkedHashMap<>();
                for (int i = 0; i < actual.names().length; i++) {
                    read.put(actual.names()[i], actual.values()[i]);
                }
                assertEquals(expected.getNamedFeatures(), read);
            }
            assertEquals(expected.getLabel(), actual.label());
            assertEquals(expected.getWeight(), actual.weight());
            assertEquals(expected.getEventId(), actual.eventId());
        }
        assertEquals(0, decoder.fallbacks(), "every record of the current schema is read directly");
    }

    @Test
    void shouldRefuseTruncatedAndForeignBytesWithTheSerdesMessage() {
        byte[] whole = serde.serialize(TOPIC, LabeledEvent.newBuilder().setModelKey("m")
                .setNamedFeatures(Map.of("a", 1.0, "b", 2.0)).setLabel(1.0).setEventId("x").build());
        for (int length : new int[] {3, 10, 12, whole.length - 1}) {
            byte[] cut = Arrays.copyOf(whole, length);
            SerializationException expected = assertThrows(SerializationException.class,
                    () -> serde.deserialize(TOPIC, cut));
            SerializationException actual = assertThrows(SerializationException.class,
                    () -> decoder.decode(TOPIC, cut));
            assertEquals(expected.getMessage(), actual.getMessage(), "cut at " + length);
        }
        byte[] garbage = "not avro at all".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(assertThrows(SerializationException.class, () -> serde.deserialize(TOPIC, garbage)).getMessage(),
                assertThrows(SerializationException.class, () -> decoder.decode(TOPIC, garbage)).getMessage());
    }

    @Test
    void shouldReadArraysAndMapsWrittenInSizedBlocks() throws Exception {
        // Avro's blocking encoder writes each block as a negative count and its size in bytes: legal, and what a
        // producer streaming large records may send.
        Map<String, Double> named = new LinkedHashMap<>();
        List<Double> dense = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            named.put("name-" + i, i / 7.0);
            dense.add(-i / 3.0);
        }
        LabeledEvent event = LabeledEvent.newBuilder().setModelKey("blocks").setDenseFeatures(dense)
                .setNamedFeatures(named).setLabel(0.5).setEventId("b").build();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(Arrays.copyOf(serde.serialize(TOPIC, event), 10));
        org.apache.avro.io.BinaryEncoder encoder = new org.apache.avro.io.EncoderFactory()
                .configureBlockSize(64).blockingBinaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(LabeledEvent.class).write(event, encoder);
        encoder.flush();
        byte[] bytes = out.toByteArray();
        assertTrue(bytes.length > serde.serialize(TOPIC, event).length, "written in several sized blocks");

        EventDecoder.Event read = decoder.decode(TOPIC, bytes);

        assertArrayEquals(dense.stream().mapToDouble(Double::doubleValue).toArray(), read.dense());
        assertEquals(300, read.names().length);
        for (int i = 0; i < 300; i++) {
            assertEquals("name-" + i, read.names()[i]);
            assertEquals(i / 7.0, read.values()[i]);
        }
        assertEquals("b", read.eventId());
        assertEquals(0, decoder.fallbacks(), "read directly, not by Avro's reader");
    }

    @Test
    void shouldAcceptAndRefuseExactlyWhatAvroDoesWhateverByteIsDamaged() {
        byte[] whole = serde.serialize(TOPIC, LabeledEvent.newBuilder().setModelKey("model-π")
                .setDenseFeatures(List.of(1.0, -2.0)).setNamedFeatures(Map.of("a", 1.0, "bb", 2.0))
                .setLabel(1.0).setWeight(0.5).setEventId("x").build());
        for (int length = 0; length < whole.length; length++) {
            byte[] cut = Arrays.copyOf(whole, length);
            assertSameOutcome(cut, "cut at " + length);
        }
        for (int position = 10; position < whole.length; position++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] damaged = whole.clone();
                damaged[position] ^= (byte) (1 << bit);
                assertSameOutcome(damaged, "bit " + bit + " of byte " + position);
            }
        }
    }

    /** Either both readers refuse {@code bytes} with the same message, or both read the same event. */
    private void assertSameOutcome(byte[] bytes, String what) {
        LabeledEvent expected;
        try {
            expected = serde.deserialize(TOPIC, bytes);
        } catch (SerializationException refused) {
            SerializationException actual = assertThrows(SerializationException.class,
                    () -> decoder.decode(TOPIC, bytes), what);
            assertEquals(refused.getMessage(), actual.getMessage(), what);
            return;
        }
        EventDecoder.Event actual = decoder.decode(TOPIC, bytes);
        assertEquals(expected.getModelKey(), actual.modelKey(), what);
        assertEquals(expected.getLabel(), actual.label(), what);
        assertEquals(expected.getWeight(), actual.weight(), what);
        assertEquals(expected.getEventId(), actual.eventId(), what);
        if (expected.getDenseFeatures() == null) {
            assertNull(actual.dense(), what);
        } else {
            assertArrayEquals(expected.getDenseFeatures().stream().mapToDouble(Double::doubleValue).toArray(),
                    actual.dense(), what);
        }
        if (expected.getNamedFeatures() == null) {
            assertNull(actual.names(), what);
        } else {
            Map<String, Double> read = new LinkedHashMap<>();
            for (int i = 0; i < actual.names().length; i++) {
                read.put(actual.names()[i], actual.values()[i]);
            }
            assertEquals(expected.getNamedFeatures(), read, what);
        }
    }
}
