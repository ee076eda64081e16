package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ServedPrediction;
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
            byte[] bytes = serde.serialize(TOPIC, randomEvent(random, n));
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
            assertEquals(expected.getLabel() != null, actual.labeled());
            assertEquals(expected.getLabel() == null ? Double.NaN : expected.getLabel(), actual.label());
            assertEquals(expected.getWeight(), actual.weight());
            assertEquals(expected.getEventId(), actual.eventId());
            assertServed(expected, actual, "event " + n);
        }
        assertEquals(0, decoder.fallbacks(), "every record of the current schema is read directly");
    }

    private static void assertServed(LabeledEvent expected, EventDecoder.Event actual, String what) {
        ServedPrediction served = expected.getServedPrediction();
        assertEquals(served == null ? null : new EventDecoder.Served(served.getPrediction(), served.getScore(),
                served.getModelVersion()), actual.served(), what);
    }

    @Test
    void shouldTellALabeledFromAnUnlabeledEventWithoutReadingItWhole() throws Exception {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 0; n < 300; n++) {
            byte[] bytes = serde.serialize(TOPIC, randomEvent(random, n));
            assertEquals(decoder.decode(TOPIC, bytes).labeled() ? EventDecoder.LabelState.LABELED
                    : EventDecoder.LabelState.UNLABELED, decoder.labelState(bytes), "event " + n);
        }
        // Version 1 requires its label: known from the header alone.
        byte[] v1 = sample("labeled-event-v1.bin");
        assertEquals(EventDecoder.LabelState.LABELED, decoder.labelState(v1));
        v1[v1.length - 5] ^= 0x7F;
        assertEquals(EventDecoder.LabelState.LABELED, decoder.labelState(v1), "only the header is read");
        // Not the current schema, cut short, or not Avro: the caller decodes it and learns what it is.
        byte[] current = serde.serialize(TOPIC, LabeledEvent.newBuilder().setModelKey("m")
                .setNamedFeatures(Map.of("a", 1.0)).build());
        assertEquals(EventDecoder.LabelState.UNKNOWN, decoder.labelState(Arrays.copyOf(current, 14)));
        assertEquals(EventDecoder.LabelState.UNKNOWN,
                decoder.labelState(sample("labeled-event-with-source.bin")));
        assertEquals(EventDecoder.LabelState.UNKNOWN, decoder.labelState("{\"label\": 1}".getBytes(UTF_8)));
    }

    @Test
    void shouldSkipFeaturesWrittenInSizedBlocksWhenTellingTheLabel() throws Exception {
        Map<String, Double> named = new LinkedHashMap<>();
        List<Double> dense = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            named.put("name-" + i, i / 7.0);
            dense.add(-i / 3.0);
        }
        for (Double label : new Double[] {null, 0.5}) {
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey("blocks").setDenseFeatures(dense)
                    .setNamedFeatures(named).setLabel(label).build();
            byte[] bytes = blocked(event);
            assertEquals(label == null ? EventDecoder.LabelState.UNLABELED : EventDecoder.LabelState.LABELED,
                    decoder.labelState(bytes));
        }
    }

    /** {@code event} written by Avro's blocking encoder: blocks of a negative count and their size in bytes. */
    private byte[] blocked(LabeledEvent event) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(Arrays.copyOf(serde.serialize(TOPIC, event), 10));
        org.apache.avro.io.BinaryEncoder encoder = new org.apache.avro.io.EncoderFactory()
                .configureBlockSize(64).blockingBinaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(LabeledEvent.class).write(event, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    @Test
    void shouldReadTheVersion1SampleAsALabeledEventWithoutServedPrediction() {
        EventDecoder.Event event = decoder.decode(TOPIC,
                sample("labeled-event-v1.bin"));
        assertEquals(true, event.labeled());
        assertEquals(1.0, event.label());
        assertEquals("e1", event.eventId());
        assertNull(event.served());
        assertEquals(1, decoder.fallbacks(), "an older version goes through Avro's resolving reader");
    }

    /** The bytes of {@code schema-samples/name}, written by an earlier version. */
    private static byte[] sample(String name) {
        try (java.io.InputStream in = EventDecoderTest.class.getClassLoader()
                .getResourceAsStream("schema-samples/" + name)) {
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static LabeledEvent randomEvent(SplittableRandom random, int n) {
        LabeledEvent.Builder builder = LabeledEvent.newBuilder().setModelKey("model-" + random.nextInt(1000))
                .setWeight(random.nextDouble(0, 2));
        if (random.nextBoolean()) {
            builder.setLabel(random.nextDouble(-5, 5));
        }
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
        if (random.nextInt(3) == 0) {
            builder.setServedPrediction(new ServedPrediction(random.nextDouble(), random.nextGaussian(),
                    random.nextLong(-1, 1L << 40)));
        }
        return builder.build();
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
                .setLabel(1.0).setWeight(0.5).setEventId("x").setServedPrediction(new ServedPrediction(0.25, -1.1, 7L))
                .build());
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
        assertEquals(expected.getLabel() != null, actual.labeled(), what);
        assertEquals(expected.getLabel() == null ? Double.NaN : expected.getLabel(), actual.label(), what);
        assertServed(expected, actual, what);
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
