package io.inertia.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.avro.LabeledEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The replay reader's writer of events writes exactly the bytes of the Avro serde (the reference). */
class LabeledEventEncoderTest {

    private static final double[] SPECIAL = {0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN,
        Double.longBitsToDouble(0x7FF0_0000_0000_0001L), Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-300,
        Double.MIN_NORMAL};
    /** Text needing 1 to 4 UTF-8 bytes a character, an unpaired surrogate (written as '?'), controls, quotes. */
    private static final String[] PIECES = {"a", "x1", "é", "€", "модель", "名前", "𝛽", "\uD83D\uDE00", "\uD800", "\0",
        "\"", ",", " ", "\n", ""};

    private final SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
    private final LabeledEventEncoder encoder = new LabeledEventEncoder();

    @Test
    void shouldWriteTheSerdesBytesForRandomAndEdgeCaseEvents() {
        SplittableRandom random = new SplittableRandom(23);
        for (int n = 0; n < 3_000; n++) {
            String key = n % 7 == 0 ? "k".repeat(200 + n) : text(random, 1 + random.nextInt(4));
            double[] dense = switch (n % 4) {
                case 0 -> null;
                case 1 -> new double[0];
                default -> doubles(random, n % 40 == 2 ? 70 + random.nextInt(100) : random.nextInt(12), n);
            };
            String[] names = null;
            double[] values = null;
            if (dense == null || n % 3 != 0) {
                int count = n % 5 == 0 ? 0 : n % 37 == 1 ? 64 + random.nextInt(200) : random.nextInt(8);
                names = distinctNames(random, count);
                values = doubles(random, names.length, n + 1);
            }
            double label = n < SPECIAL.length ? SPECIAL[n] : random.nextGaussian() * 1e3;
            double weight = n % 2 == 0 ? 1.0 : SPECIAL[random.nextInt(SPECIAL.length)];
            String eventId = n % 3 == 0 ? null : n % 3 == 1 ? "" : text(random, 1 + random.nextInt(3));

            byte[] expected = serde.serialize("events", record(key, dense, names, values, label, weight, eventId));
            assertArrayEquals(expected, encoder.encode(key, dense, names, values, label, weight, eventId),
                    "event " + n);

            if (dense != null && names == null && eventId == null) {
                // The form of a CSV file's dense rows.
                assertArrayEquals(expected, encoder.encodeDense(key.getBytes(StandardCharsets.UTF_8), dense, label,
                        weight), "event " + n + " as a dense row");
            }
            if (dense == null && names != null) {
                // The form of a file's rows: the names encoded once, each row's key and values.
                LabeledEventEncoder.Names shared = encoder.names(names);
                assertEquals(names.length, shared.size());
                assertArrayEquals(expected, encoder.encode(key.getBytes(StandardCharsets.UTF_8), shared, values,
                        label, weight, eventId), "event " + n + " with shared names");
            }
        }
    }

    @Test
    void shouldWriteTheBytesOfASortedMapWhenGivenItsNamesInOrder() {
        // The file readers build TreeMaps: the same names and values given sorted give the serde's bytes of the map.
        String[] sorted = {"X", "a", "a1", "b", "é", "€", "𝛽"};
        double[] values = {1, 2, 3, 4, 5, 6, 7};
        Map<String, Double> tree = new TreeMap<>();
        for (int i = sorted.length - 1; i >= 0; i--) {
            tree.put(sorted[i], values[i]);
        }
        assertEquals(List.of(sorted), new ArrayList<>(tree.keySet()));
        LabeledEvent event = LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(tree).setLabel(0.5).build();
        byte[] expected = serde.serialize("events", event);
        assertArrayEquals(expected, encoder.encode("m".getBytes(StandardCharsets.UTF_8), encoder.names(sorted),
                values, 0.5, 1.0, null));
    }

    @Test
    void shouldWriteAnEmptyMapAsItsEndBlockAlone() {
        byte[] bytes = encoder.encode(new byte[] {'k'}, encoder.names(new String[0]), new double[0], 2.0, 1.0, null);
        // header (10), key "k" (length 1 zig-zag = 2, then 'k'), dense null (0), map branch (2), end (0), label
        // (branch 2, then 8), weight (8), eventId null (0), servedPrediction null (0)
        assertEquals(10 + 2 + 1 + 1 + 1 + 1 + 16 + 1 + 1, bytes.length);
        assertArrayEquals(new byte[] {2, 'k', 0, 2, 0}, Arrays.copyOfRange(bytes, 10, 15));
        assertArrayEquals(serde.serialize("events", LabeledEvent.newBuilder().setModelKey("k")
                .setNamedFeatures(Map.of()).setLabel(2.0).build()), bytes);
    }

    @Test
    void shouldWriteEventsWithoutLabelAndWithServedPredictionsAsAvroDoes() {
        SplittableRandom random = new SplittableRandom(3);
        for (int n = 0; n < 200; n++) {
            double[] dense = random.nextBoolean() ? random.doubles(random.nextInt(5)).toArray() : null;
            String[] names = random.nextInt(3) == 0 && dense != null ? null : new String[random.nextInt(6)];
            double[] values = names == null ? null : random.doubles(names.length).toArray();
            if (names != null) {
                for (int i = 0; i < names.length; i++) {
                    names[i] = "n" + i + (random.nextBoolean() ? "π" : "");
                }
            }
            Double label = random.nextBoolean() ? random.nextDouble() : null;
            String id = random.nextBoolean() ? "id-" + n : null;
            EventDecoder.Served served = random.nextBoolean() ? null
                    : new EventDecoder.Served(random.nextDouble(), random.nextGaussian(), random.nextLong(0, 1L << 50));
            LabeledEvent.Builder expected = LabeledEvent.newBuilder().setModelKey("m" + n).setLabel(label)
                    .setWeight(0.5).setEventId(id).setDenseFeatures(dense == null ? null
                            : java.util.Arrays.stream(dense).boxed().toList());
            if (names != null) {
                Map<String, Double> named = new java.util.LinkedHashMap<>();
                for (int i = 0; i < names.length; i++) {
                    named.put(names[i], values[i]);
                }
                expected.setNamedFeatures(named);
            }
            if (served != null) {
                expected.setServedPrediction(new io.inertia.avro.ServedPrediction(served.prediction(), served.score(),
                        served.modelVersion()));
            }
            assertArrayEquals(serde.serialize("events", expected.build()),
                    encoder.encode("m" + n, dense, names, values, label, 0.5, id, served), "event " + n);
        }
    }

    private static LabeledEvent record(String key, double[] dense, String[] names, double[] values, double label,
            double weight, String eventId) {
        LabeledEvent.Builder builder = LabeledEvent.newBuilder().setModelKey(key).setLabel(label).setWeight(weight)
                .setEventId(eventId);
        if (dense != null) {
            List<Double> list = new ArrayList<>();
            for (double value : dense) {
                list.add(value);
            }
            builder.setDenseFeatures(list);
        }
        if (names != null) {
            // Insertion order: Avro writes a map in its iteration order.
            Map<String, Double> map = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                map.put(names[i], values[i]);
            }
            builder.setNamedFeatures(map);
        }
        return builder.build();
    }

    private static String text(SplittableRandom random, int pieces) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            text.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return text.toString();
    }

    /** Distinct names, as a map's keys are. */
    private static String[] distinctNames(SplittableRandom random, int count) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        while (names.size() < count) {
            names.add(text(random, 1 + random.nextInt(3)) + (random.nextBoolean() ? "" : random.nextInt(1000)));
        }
        return names.toArray(String[]::new);
    }

    private static double[] doubles(SplittableRandom random, int count, int n) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = (n + i) % 9 == 0 ? SPECIAL[random.nextInt(SPECIAL.length)]
                    : i % 2 == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextGaussian();
        }
        return values;
    }
}
