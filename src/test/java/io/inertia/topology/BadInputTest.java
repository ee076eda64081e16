package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.assertFinite;
import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A seeded interleaving of 200 good events for two models with 40 bad ones of every kind the learner refuses: the bad
 * ones must each reach the dead-letter topic exactly once, unchanged and with the reason headers, and must not leave a
 * trace in the models, which end up identical to those learned from the good events alone.
 */
class BadInputTest {

    private static final long SEED = 20_240_611L;
    private static final int GOOD = 200;
    private static final int BAD = 40;
    private static final String INPUT = "labeled-events";

    /**
     * LabeledEvent without its label, as a broken producer might write it. No reader registers it, so it is refused
     * for its unknown fingerprint (were it registered, resolution would fail on the label, which has no default).
     */
    private static final Schema WITHOUT_LABEL = new Schema.Parser().parse("""
            {"type": "record", "name": "LabeledEvent", "namespace": "io.inertia.avro", "fields": [
              {"name": "modelKey", "type": "string"},
              {"name": "denseFeatures", "type": ["null", {"type": "array", "items": "double"}], "default": null},
              {"name": "namedFeatures", "type": ["null", {"type": "map", "values": "double"}], "default": null},
              {"name": "weight", "type": "double", "default": 1.0},
              {"name": "eventId", "type": ["null", "string"], "default": null}
            ]}""");

    /** Every kind of bad record; the last two apply to one loss only. */
    private enum Kind {
        NOT_AVRO, UNKNOWN_FINGERPRINT, MISSING_LABEL, NON_FINITE_LABEL, NON_FINITE_NAMED_FEATURE,
        NON_FINITE_DENSE_FEATURE, DENSE_LENGTH_MISMATCH, NULL_KEY, EMPTY_KEY, KEY_DIFFERS_FROM_MODEL_KEY,
        EMPTY_MODEL_KEY, NUL_IN_KEY, NULL_VALUE, NEGATIVE_WEIGHT, NO_FEATURES,
        /** Logistic loss only: a label outside {0, 1} and {−1, +1}. */
        LABEL_OUTSIDE_DOMAIN,
        /** Squared loss only: a feature so large that the update overflows. */
        DIVERGING
    }

    /** One record to send: key and value bytes as sent, and what the dead letter's reason must contain. */
    private record Input(byte[] key, byte[] value, long timestamp, String reason) {
        boolean bad() {
            return reason != null;
        }
    }

    @TempDir
    Path stateDirs;

    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void closeDrivers() {
        harnesses.forEach(TopologyHarness::close);
    }

    @ParameterizedTest(name = "loss {0}")
    @ValueSource(strings = {"squared", "logistic"})
    void shouldDeadLetterEveryBadEventOnceAndLearnAsFromTheGoodEventsAlone(String loss) throws Exception {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.loss", loss, "inertia.learning-rate", "0.05",
                "inertia.momentum", "0.9", "inertia.snapshot-every", "7"));
        List<Input> good = goodEvents(loss);
        List<Input> mixed = interleave(good, loss);
        assertEquals(GOOD + BAD, mixed.size());

        TopologyHarness clean = harness(config);
        good.forEach(in -> clean.send(in.key(), in.value(), in.timestamp()));
        TopologyHarness dirty = harness(config);
        List<Long> badOffsets = new ArrayList<>();
        List<Input> bad = new ArrayList<>();
        for (Input in : mixed) {
            long offset = dirty.send(in.key(), in.value(), in.timestamp());
            if (in.bad()) {
                badOffsets.add(offset);
                bad.add(in);
            }
        }

        assertTrue(clean.deadLetters().isEmpty(), "a good event was refused");
        List<TestRecord<byte[], byte[]>> letters = dirty.deadLetters();
        assertEquals(BAD, letters.size());
        for (int i = 0; i < BAD; i++) {
            TestRecord<byte[], byte[]> letter = letters.get(i);
            Input sent = bad.get(i);
            String reason = header(letter, DeadLetterHeaders.REASON);
            assertTrue(reason.contains(sent.reason()), "dead letter " + i + ": '" + reason + "' lacks '"
                    + sent.reason() + "'");
            assertArrayEquals(sent.key(), letter.key(), "key of dead letter " + i);
            assertArrayEquals(sent.value(), letter.value(), "value of dead letter " + i);
            assertEquals(sent.timestamp(), letter.timestamp());
            assertEquals(INPUT, header(letter, DeadLetterHeaders.TOPIC));
            assertEquals(TopologyHarness.PARTITION, header(letter, DeadLetterHeaders.PARTITION));
            assertEquals(Long.toString(badOffsets.get(i)), header(letter, DeadLetterHeaders.OFFSET));
        }
        assertEquals(BAD, dirty.observer.rejected.size());
        assertEquals(GOOD, dirty.observer.learned);
        assertEquals(GOOD, clean.observer.learned);

        for (String key : List.of("alpha", "beta")) {
            ModelSnapshot expected = clean.stored(key);
            assertNotNull(expected);
            // Learned values equal; the positions differ by the bad events between the good ones.
            assertEquals(InputPositions.without(expected), InputPositions.without(dirty.stored(key)), "model " + key);
            assertFinite(expected);
        }
        List<ModelSnapshot> published = clean.publishedSnapshots();
        assertEquals(InputPositions.without(published), InputPositions.without(dirty.publishedSnapshots()));
        published.forEach(TopologyHarness::assertFinite);
        List<Prediction> predictions = clean.predictions.readValuesToList();
        assertEquals(GOOD, predictions.size());
        assertEquals(predictions, dirty.predictions.readValuesToList());
    }

    @Test
    void shouldDeadLetterAnEventOnAnotherPartitionThanItsKeysAndLearnFromOneOnItsOwn() throws Exception {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.snapshot-every", "1"));
        // Kafka's own default partitioner, the reference: "m-0" → partition 0 of 4, "m-1" → partition 1. The test
        // driver feeds every record on partition 0.
        assertEquals(0, org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(utf8("m-0"), 4));
        assertEquals(1, org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey(utf8("m-1"), 4));
        TopologyHarness harness = TopologyHarness.withPartitions(config, stateDirs, 4);
        harnesses.add(harness);
        LabeledEvent event = LabeledEvent.newBuilder().setModelKey("m-1").setNamedFeatures(Map.of("x", 1.0))
                .setLabel(1.0).build();
        harness.send("m-1", event, 1);
        harness.send("m-0", LabeledEvent.newBuilder(event).setModelKey("m-0").build(), 2);

        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        assertEquals("record arrived on partition 0 but Kafka's default partitioner (murmur2 of the key) assigns its "
                + "key partition 1 of 4: a model lives on one partition; produce with the default partitioner "
                + "(kcat: -X partitioner=murmur2_random)", header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals(null, harness.stored("m-1"), "the model of the misplaced event is untouched");
        assertEquals(1, harness.stored("m-0").getVersion());
    }

    @Test
    void shouldDeadLetterAnEventWithoutLabelWhichOnlyTheOutcomeJoinerCanLearn() throws Exception {
        TopologyHarness harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harnesses.add(harness);
        LabeledEvent unlabeled = LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(Map.of("x", 1.0))
                .setEventId("e1").build();
        harness.send("m", unlabeled, 1);
        harness.send("m", LabeledEvent.newBuilder(unlabeled).setLabel(2.0).build(), 2);

        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        assertEquals("label is missing: an event without a label is learned when its outcome arrives, through the "
                + "outcome joiner (inertia.outcome.join=true)", header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals("invalid-label", DeadLetterReasons.category(header(letters.get(0), DeadLetterHeaders.REASON)));
        assertEquals(1, harness.stored("m").getVersion(), "the labeled one learned, the other not");
    }

    /**
     * 200 events, the first of model alpha then the first of beta, then either at random. Alpha has three dense
     * features; both have the named feature a always and b, c sometimes, so that b and c are caught up lazily.
     */
    private List<Input> goodEvents(String loss) {
        Random random = new Random(SEED);
        List<Input> events = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            String key = i == 0 ? "alpha" : i == 1 ? "beta" : random.nextBoolean() ? "alpha" : "beta";
            Map<String, Double> named = new TreeMap<>();
            named.put("a", random.nextGaussian());
            if (random.nextBoolean()) {
                named.put("b", random.nextGaussian());
            }
            if (random.nextInt(3) == 0) {
                named.put("c", 3 * random.nextGaussian());
            }
            List<Double> dense = key.equals("alpha")
                    ? List.of(random.nextGaussian(), random.nextGaussian(), random.nextDouble()) : null;
            double signal = 2 * named.get("a") - named.getOrDefault("b", 0.0) + 0.5 + 0.1 * random.nextGaussian();
            double label = loss.equals("logistic") ? (signal > 0 ? 1.0 : 0.0) : signal;
            LabeledEvent event = LabeledEvent.newBuilder().setModelKey(key).setDenseFeatures(dense)
                    .setNamedFeatures(named).setLabel(label).setWeight(0.5 + random.nextDouble())
                    .setEventId("good-" + i).build();
            events.add(new Input(utf8(key), serde.serialize(INPUT, event), 10L * i, null));
        }
        return events;
    }

    /** The good events with 40 bad ones, cycling through the kinds that apply, at seeded positions after event 2. */
    private List<Input> interleave(List<Input> good, String loss) {
        Random random = new Random(SEED + 1);
        List<Kind> kinds = new ArrayList<>(Arrays.asList(Kind.values()));
        kinds.remove(loss.equals("logistic") ? Kind.DIVERGING : Kind.LABEL_OUTSIDE_DOMAIN);
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < BAD; i++) {
            positions.add(2 + random.nextInt(GOOD - 1)); // before good event p, never before both models exist
        }
        positions.sort(null);
        List<Input> mixed = new ArrayList<>();
        int next = 0;
        for (int g = 0; g <= GOOD; g++) {
            while (next < BAD && positions.get(next) == g) {
                long timestamp = 10L * (g - 1) + 5;
                mixed.add(bad(kinds.get(next % kinds.size()), random, timestamp, next));
                next++;
            }
            if (g < GOOD) {
                mixed.add(good.get(g));
            }
        }
        return mixed;
    }

    private Input bad(Kind kind, Random random, long timestamp, int n) {
        String key = random.nextBoolean() ? "alpha" : "beta";
        String id = "bad-" + n;
        LabeledEvent valid = LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(Map.of("a", 1.0))
                .setLabel(1.0).setEventId(id).build();
        byte[] k = utf8(key);
        return switch (kind) {
            case NOT_AVRO -> {
                byte[] noise = new byte[1 + random.nextInt(40)];
                random.nextBytes(noise);
                noise[0] = 0x7B; // never the marker byte C3
                yield new Input(k, noise, timestamp, "cannot deserialize LabeledEvent");
            }
            case UNKNOWN_FINGERPRINT -> {
                byte[] bytes = serde.serialize(INPUT, valid);
                for (int i = 2; i < 10; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
                yield new Input(k, bytes, timestamp, "unknown schema fingerprint");
            }
            case MISSING_LABEL -> {
                GenericRecord record = new GenericRecordBuilder(WITHOUT_LABEL).set("modelKey", key)
                        .set("namedFeatures", Map.of("a", 1.0)).set("eventId", id).build();
                yield new Input(k, encode(WITHOUT_LABEL, record), timestamp, "unknown schema fingerprint");
            }
            case NON_FINITE_LABEL -> new Input(k, bytes(LabeledEvent.newBuilder(valid).setLabel(Double.NaN).build()),
                    timestamp, "label NaN is not a finite number");
            case NON_FINITE_NAMED_FEATURE -> new Input(k, bytes(LabeledEvent.newBuilder(valid)
                    .setNamedFeatures(Map.of("a", 1.0, "b", Double.NEGATIVE_INFINITY)).build()), timestamp,
                    "feature 'b' is -Infinity, not a finite number");
            case NON_FINITE_DENSE_FEATURE -> new Input(utf8("alpha"), bytes(LabeledEvent.newBuilder(valid)
                    .setModelKey("alpha").setDenseFeatures(List.of(1.0, Double.NaN, 0.0)).build()), timestamp,
                    "dense feature 1 is NaN, not a finite number");
            case DENSE_LENGTH_MISMATCH -> new Input(utf8("alpha"), bytes(LabeledEvent.newBuilder(valid)
                    .setModelKey("alpha").setDenseFeatures(List.of(1.0, 2.0)).build()), timestamp,
                    "dense vector has 2 features but the model has 3");
            case NULL_KEY -> new Input(null, bytes(valid), timestamp, "record key is null or empty");
            case EMPTY_KEY -> new Input(new byte[0], bytes(valid), timestamp, "record key is null or empty");
            case KEY_DIFFERS_FROM_MODEL_KEY -> {
                String other = key.equals("alpha") ? "beta" : "alpha";
                yield new Input(utf8(other), bytes(valid), timestamp,
                        "record key '" + other + "' differs from event modelKey '" + key + "'");
            }
            case EMPTY_MODEL_KEY -> new Input(k, bytes(LabeledEvent.newBuilder(valid).setModelKey("").build()),
                    timestamp, "event modelKey is empty");
            case NUL_IN_KEY -> new Input(utf8(key + "\u0000x"), bytes(LabeledEvent.newBuilder(valid)
                    .setModelKey(key + "\u0000x").build()), timestamp, "model key contains a NUL character");
            case NULL_VALUE -> new Input(k, null, timestamp, "record value is null");
            case NEGATIVE_WEIGHT -> new Input(k, bytes(LabeledEvent.newBuilder(valid).setWeight(-1.0).build()),
                    timestamp, "weight -1.0 is not a finite number >= 0");
            case NO_FEATURES -> new Input(k, bytes(LabeledEvent.newBuilder(valid).setNamedFeatures(null).build()),
                    timestamp, "event has neither dense nor named features");
            case LABEL_OUTSIDE_DOMAIN -> new Input(k, bytes(LabeledEvent.newBuilder(valid).setLabel(2.0).build()),
                    timestamp, "label 2.0 is outside the logistic loss's domain");
            // w_a is far from 0 after the model's first event, so z ≈ w_a·1e300 and ½z² overflow.
            case DIVERGING -> new Input(k, bytes(LabeledEvent.newBuilder(valid)
                    .setNamedFeatures(Map.of("a", 1e300)).build()), timestamp,
                    "non-finite (divergence); model left unchanged");
        };
    }

    private byte[] bytes(LabeledEvent event) {
        return serde.serialize(INPUT, event);
    }

    private static byte[] encode(Schema schema, GenericRecord record) {
        try {
            ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldCutADeadLetterThatWouldExceedTheRecordLimitAndSayHowLongItWas() throws Exception {
        // 100,000 bytes of garbage: not Avro, and with the dead-letter headers larger than a 65,536-byte limit.
        TopologyHarness harness = harness(InertiaConfig.of(Map.of("inertia.max-record-bytes", "65536")));
        byte[] value = new byte[100_000];
        new java.util.Random(3).nextBytes(value);
        harness.send(TopologyHarness.utf8("m"), value, 1L);
        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        TestRecord<byte[], byte[]> letter = letters.get(0);
        long size = letter.key().length + letter.value().length;
        for (org.apache.kafka.common.header.Header header : letter.headers()) {
            size += header.key().length() + header.value().length;
        }
        assertTrue(size <= 65_536, "dead letter of " + size + " bytes");
        assertEquals("100000", TopologyHarness.header(letter, DeadLetterHeaders.TRUNCATED));
        assertArrayEquals(java.util.Arrays.copyOf(value, letter.value().length), letter.value(),
                "the dead letter keeps the start of the event");
        assertEquals("0", TopologyHarness.header(letter, DeadLetterHeaders.OFFSET));
    }

    private TopologyHarness harness(InertiaConfig config) throws Exception {
        TopologyHarness harness = TopologyHarness.of(config, stateDirs);
        harnesses.add(harness);
        return harness;
    }
}
