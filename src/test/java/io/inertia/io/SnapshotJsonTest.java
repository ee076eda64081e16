package io.inertia.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.BucketWeights;
import io.inertia.avro.HyperParameters;
import io.inertia.avro.InputPosition;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.NamedWeights;
import io.inertia.avro.OptimizerState;
import io.inertia.avro.OutcomeMetrics;
import io.inertia.avro.PrequentialMetrics;
import io.inertia.avro.SnapshotParts;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A snapshot line holds the very values of the records it was written from: every field of a whole snapshot, and of a
 * header in parts with its weights, reads back with the same bits (compared as Avro bytes, where a double is its eight
 * IEEE bytes), for doubles that are hard to print (subnormal, negative zero, the extremes, sums that need 17 digits),
 * names that need escaping, and every optional field present or absent.
 */
class SnapshotJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Doubles whose shortest exact form is not their obvious one. */
    private static final double[] HARD = {-0.0, 0.0, Double.MIN_VALUE, 1e-320, Double.MAX_VALUE, -Double.MAX_VALUE,
        0.1 + 0.2, 1.0 / 3, 2e23, 9007199254740993.0, 5e-324 * 3, 1e22, 123456789012345680.0};

    @Test
    void shouldReadBackEveryFieldOfAWholeSnapshotWithTheSameBits() {
        SplittableRandom random = new SplittableRandom(16);
        for (int n = 0; n < 300; n++) {
            ModelSnapshot expected = wholeSnapshot(random);
            SnapshotJson.Line line = SnapshotJson.parse(SnapshotJson.toLine(expected));
            assertNull(line.weights(), "a whole line has no weights in parts");
            assertNull(line.lacking(), "a line written now holds the learner's state");
            assertArrayEquals(bytes(expected), bytes(line.header()), "snapshot #" + n + ": "
                    + SnapshotJson.toLine(expected));
        }
    }

    @Test
    void shouldReadBackALineInPartsAsItsHeaderAndTheWeightsOfItsParts() {
        SplittableRandom random = new SplittableRandom(17);
        for (int n = 0; n < 200; n++) {
            ModelSnapshot whole = wholeSnapshot(random);
            int stateSize = whole.getOptimizerState().getStateNames().size();
            ModelSnapshot header = ModelSnapshot.newBuilder(whole).setNamedWeights(Map.of()).build();
            header.getOptimizerState().setNamedState(Map.of());
            header.setParts(new SnapshotParts(random.nextLong(0, 1000), random.nextInt(1, 9), random.nextInt(9, 99),
                    header.getVersion(), random.nextLong(0, 1 << 30), random.nextLong(0, 1 << 30)));
            List<ModelSnapshotPart> parts = new ArrayList<>();
            for (int p = random.nextInt(1, 4); p > 0; p--) {
                parts.add(part(random, header, stateSize, parts.size()));
            }
            boolean base = random.nextBoolean();

            SnapshotJson.Line line = SnapshotJson.parse(SnapshotJson.toLine(header, parts, base));

            assertEquals(base, line.base());
            assertNull(line.lacking());
            assertArrayEquals(bytes(header), bytes(line.header()), "header #" + n);
            // One part with the weights of all of them: names, then buckets, each in the order written.
            ModelSnapshotPart read = line.weights();
            List<String> names = new ArrayList<>();
            List<Integer> buckets = new ArrayList<>();
            List<Double> namedValues = new ArrayList<>();
            List<Double> bucketValues = new ArrayList<>();
            List<Long> namedSteps = new ArrayList<>();
            List<Long> bucketSteps = new ArrayList<>();
            for (ModelSnapshotPart part : parts) {
                names.addAll(part.getNamed().getNames());
                namedValues.addAll(part.getNamed().getWeights());
                namedValues.addAll(part.getNamed().getStates());
                namedSteps.addAll(part.getNamed().getLastSteps());
                buckets.addAll(part.getHashed().getBuckets());
                bucketValues.addAll(part.getHashed().getWeights());
                bucketValues.addAll(part.getHashed().getStates());
                bucketSteps.addAll(part.getHashed().getLastSteps());
            }
            assertEquals(names, read.getNamed().getNames());
            assertEquals(buckets, List.copyOf(read.getHashed().getBuckets()));
            List<Double> readNamed = new ArrayList<>(read.getNamed().getWeights());
            readNamed.addAll(read.getNamed().getStates());
            List<Double> readBuckets = new ArrayList<>(read.getHashed().getWeights());
            readBuckets.addAll(read.getHashed().getStates());
            assertBits(sortedPerPart(parts, true), readNamed, "named weights and states #" + n);
            assertBits(sortedPerPart(parts, false), readBuckets, "bucket weights and states #" + n);
            assertEquals(namedSteps, List.copyOf(read.getNamed().getLastSteps()));
            assertEquals(bucketSteps, List.copyOf(read.getHashed().getLastSteps()));
            assertEquals(header.getModelKey(), read.getModelKey());
            assertEquals(header.getParts().getGeneration(), read.getGeneration());
        }
    }

    @Test
    void shouldWriteTheWeightsOfALineInPartsAsOfTheirLastUpdateWithTheirSteps() throws Exception {
        // By hand: weight a = 0.5 current to version 7, bucket 12 = −0.25 current to version 9; momentum velocity.
        ModelSnapshot header = wholeSnapshot(new SplittableRandom(3));
        header.setNamedWeights(Map.of());
        header.setVersion(10);
        header.getOptimizerState().setStateNames(List.of("velocity"));
        header.getOptimizerState().setNamedState(Map.of());
        header.getOptimizerState().setDenseState(header.getDenseWeights() == null ? null
                : new ArrayList<>(java.util.Collections.nCopies(header.getDenseWeights().size(), 0.0)));
        header.getOptimizerState().setBiasState(List.of(0.0));
        header.setParts(new SnapshotParts(3L, 2, 5, 10L, 40L, 7L));
        ModelSnapshotPart part = new ModelSnapshotPart(header.getModelKey(), 3L, 4, 10L,
                new NamedWeights(List.of("a"), List.of(0.5), List.of(0.125), List.of(7L)),
                new BucketWeights(List.of(12), List.of(-0.25), List.of(-0.0625), List.of(9L)));

        JsonNode line = JSON.readTree(SnapshotJson.toLine(header, List.of(part), false));

        assertEquals(JSON.readTree("{\"generation\":3,\"base\":false,\"baseParts\":2,\"parts\":5,\"baseWeights\":40,"
                + "\"weightsSinceBase\":7}"), line.get("parts"));
        assertEquals(JSON.readTree("{\"a\":0.5,\"#12\":-0.25}"), line.get("weights"));
        assertEquals(JSON.readTree("{\"a\":7,\"#12\":9}"), line.get("steps"));
        assertEquals(JSON.readTree("{\"a\":[0.125],\"#12\":[-0.0625]}"), line.get("state").get("weights"));
        assertEquals(10, line.get("version").asLong());
    }

    /**
     * Two joins (delays 1000 and 3000 ms; served losses 0.5 and 0.7, learned 0.25 and 0.35), one default (0.1, 0.2),
     * three events scored and one duplicate event. Delays 1000 and 3000 fall in buckets [960, 1024) = 8 + 6·8 + 7 = 63
     * and [2816, 3072) = 8 + 8·8 + 3 = 75; p50 is the first of the two by nearest rank (⌈0.5·2⌉ = 1), p99 the second
     * (⌈0.99·2⌉ = 2), each reported as the largest delay of its bucket.
     */
    @Test
    void shouldShowAModelsOutcomeCountsBothLossesAndDelayQuantilesAndReadThemBack() throws Exception {
        OutcomeMetrics outcomes = new OutcomeMetrics(List.of(3L, 2L, 1L, 0L, 0L, 0L, 0L, 1L),
                List.of(0.5 + 0.7, 0.1, 0.25 + 0.35, 0.2), List.of(63, 75), List.of(1L, 1L));
        ModelSnapshot expected = wholeSnapshot(new SplittableRandom(18));
        expected.setOutcomes(outcomes);
        String text = SnapshotJson.toLine(expected);
        JsonNode shown = JSON.readTree(text).get("outcomes");
        assertEquals(3, shown.get("scored").asLong());
        assertEquals(2, shown.get("joined").asLong());
        assertEquals(1, shown.get("defaulted").asLong());
        assertEquals(0, shown.get("expired").asLong());
        assertEquals(0, shown.get("duplicateOutcome").asLong());
        assertEquals(0, shown.get("lateOutcome").asLong());
        assertEquals(0, shown.get("unmatchedOutcome").asLong());
        assertEquals(1, shown.get("duplicateEvent").asLong());
        assertEquals(0.6, shown.get("servedMeanLoss").get("joined").asDouble(), 1e-15);
        assertEquals(0.1, shown.get("servedMeanLoss").get("defaulted").asDouble(), 1e-15);
        assertEquals(0.3, shown.get("learnedMeanLoss").get("joined").asDouble(), 1e-15);
        assertEquals(0.2, shown.get("learnedMeanLoss").get("defaulted").asDouble(), 1e-15);
        assertEquals(1023, shown.get("delayP50Ms").asLong());
        assertEquals(3071, shown.get("delayP99Ms").asLong());

        SnapshotJson.Line line = SnapshotJson.parse(text);
        assertEquals(outcomes, line.header().getOutcomes());
        assertArrayEquals(bytes(expected), bytes(line.header()), "the whole header, outcomes included");

        // Scored only: no mean and no delay to show (no NaN in JSON), and still read back.
        expected.setOutcomes(new OutcomeMetrics(List.of(5L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), List.of(0.0, 0.0, 0.0, 0.0),
                List.of(), List.of()));
        JsonNode scored = JSON.readTree(SnapshotJson.toLine(expected)).get("outcomes");
        assertEquals(0, scored.get("servedMeanLoss").size());
        assertFalse(scored.has("delayP50Ms"));
        assertEquals(expected.getOutcomes(), SnapshotJson.parse(SnapshotJson.toLine(expected)).header().getOutcomes());
    }

    @Test
    void shouldReadALineOfAnOlderReleaseAndNameWhatItLacksOfTheLearnersState() throws Exception {
        Path old = Path.of(SnapshotJsonTest.class.getResource("/whole-lines/wide-snapshots.jsonl").toURI());
        List<String> lines = Files.readAllLines(old, StandardCharsets.UTF_8);
        SnapshotJson.Line line = SnapshotJson.parse(lines.get(1));
        JsonNode node = JSON.readTree(lines.get(1));

        assertNull(line.weights(), "every line of the older release is whole");
        assertEquals("metrics.recentLosses", line.lacking());
        assertEquals(60, line.header().getVersion());
        assertEquals(node.get("weights").size(), line.header().getNamedWeights().size());
        assertEquals(node.get("bias").asDouble(), line.header().getBias());
        assertEquals(node.get("metrics").get("meanLoss").asDouble(), line.header().getMetrics().getMeanLoss());
        assertEquals("momentum", line.header().getHyperParameters().getOptimizer());
        assertNull(line.header().getOutcomes(), "a line from before the outcome joiner has no outcomes");
        String name = node.get("weights").fieldNames().next();
        assertEquals(node.get("weights").get(name).asDouble(), line.header().getNamedWeights().get(name));
    }

    @Test
    void shouldRefuseWhatIsNotASnapshotLineWithOneLineSayingWhy() {
        assertEquals("not a snapshot line of inertia replay (modelKey, version and metrics.meanLoss, "
                + "metrics.windowMeanLoss expected)", refusal("{\"modelKey\": \"m\"}"));
        assertTrue(refusal("{\"modelKey\": ").startsWith("not a JSON object: "), refusal("{\"modelKey\": "));
        assertEquals("not a JSON object", refusal("[1, 2]"));
        assertEquals("version: an integer expected", refusal("{\"modelKey\": \"m\", \"version\": \"x\"}"));
        String line = SnapshotJson.toLine(wholeSnapshot(new SplittableRandom(1)));
        assertEquals("parts.base missing", refusal(line.replaceFirst("\\{", "{\"parts\": {\"generation\": 0, "
                + "\"baseParts\": 1, \"parts\": 1, \"baseWeights\": 0, \"weightsSinceBase\": 0},")));
        assertFalse(refusal(line.replace("\"weights\":{", "\"weights\":{\"x\":\"y\",")).isEmpty());
    }

    private static String refusal(String text) {
        return assertThrows(IllegalArgumentException.class, () -> SnapshotJson.parse(text)).getMessage();
    }

    /** The doubles of {@code parts}' named (or hashed) weights and then their states, in order. */
    private static List<Double> sortedPerPart(List<ModelSnapshotPart> parts, boolean named) {
        List<Double> weights = new ArrayList<>();
        List<Double> states = new ArrayList<>();
        for (ModelSnapshotPart part : parts) {
            weights.addAll(named ? part.getNamed().getWeights() : part.getHashed().getWeights());
            states.addAll(named ? part.getNamed().getStates() : part.getHashed().getStates());
        }
        weights.addAll(states);
        return weights;
    }

    private static void assertBits(List<Double> expected, List<Double> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(expected.get(i)), Double.doubleToRawLongBits(actual.get(i)),
                    what + " at " + i + ": " + expected.get(i) + " vs " + actual.get(i));
        }
    }

    private static ModelSnapshotPart part(SplittableRandom random, ModelSnapshot header, int stateSize, int index) {
        List<String> names = new ArrayList<>();
        List<Double> namedWeights = new ArrayList<>();
        List<Double> namedStates = new ArrayList<>();
        List<Long> namedSteps = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            names.add("p" + index + "-" + i + name(random));
            namedWeights.add(value(random));
            for (int k = 0; k < stateSize; k++) {
                namedStates.add(value(random));
            }
            namedSteps.add(random.nextLong(0, header.getVersion() + 1));
        }
        List<Integer> buckets = new ArrayList<>();
        List<Double> bucketWeights = new ArrayList<>();
        List<Double> bucketStates = new ArrayList<>();
        List<Long> bucketSteps = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            buckets.add(index * 1000 + i * 7 + random.nextInt(7));
            bucketWeights.add(value(random));
            for (int k = 0; k < stateSize; k++) {
                bucketStates.add(value(random));
            }
            bucketSteps.add(random.nextLong(0, header.getVersion() + 1));
        }
        return new ModelSnapshotPart(header.getModelKey(), header.getParts().getGeneration(), index,
                header.getVersion(), new NamedWeights(names, namedWeights, namedStates, namedSteps),
                new BucketWeights(buckets, bucketWeights, bucketStates, bucketSteps));
    }

    /** A snapshot with every field set at random, the optional ones present or not. */
    static ModelSnapshot wholeSnapshot(SplittableRandom random) {
        List<List<String>> optimizers = List.of(List.of(), List.of("velocity"), List.of("m", "u"));
        List<String> stateNames = optimizers.get(random.nextInt(optimizers.size()));
        int stateSize = stateNames.size();
        List<Double> dense = null;
        List<Double> denseState = null;
        if (random.nextBoolean()) {
            dense = new ArrayList<>();
            denseState = new ArrayList<>();
            for (int i = random.nextInt(6); i > 0; i--) {
                dense.add(value(random));
                for (int k = 0; k < stateSize; k++) {
                    denseState.add(value(random));
                }
            }
        }
        Map<String, Double> named = new LinkedHashMap<>();
        Map<String, List<Double>> namedState = new LinkedHashMap<>();
        for (int i = random.nextInt(12); i > 0; i--) {
            String name = random.nextInt(3) == 0 ? "#" + random.nextInt(1 << 20) : "f" + i + name(random);
            named.put(name, value(random));
            List<Double> state = new ArrayList<>();
            for (int k = 0; k < stateSize; k++) {
                state.add(value(random));
            }
            namedState.put(name, state);
        }
        List<Double> biasState = new ArrayList<>();
        for (int k = 0; k < stateSize; k++) {
            biasState.add(value(random));
        }
        List<Double> recent = new ArrayList<>();
        for (int i = random.nextInt(8); i > 0; i--) {
            recent.add(value(random));
        }
        boolean classification = random.nextBoolean();
        return ModelSnapshot.newBuilder()
                .setModelKey("model \"" + random.nextInt(100) + "\"\\é\u0001" + name(random))
                .setVersion(random.nextLong(0, Long.MAX_VALUE))
                .setDenseWeights(dense)
                .setNamedWeights(named)
                .setBias(value(random))
                .setOptimizerState(new OptimizerState(stateNames, denseState, namedState, biasState))
                .setL1Total(value(random))
                .setHyperParameters(new HyperParameters("nesterov", "huber(delta=1.5)", "invscaling", value(random),
                        value(random), value(random), value(random), value(random), value(random), value(random),
                        value(random), value(random), value(random), value(random), random.nextInt(31),
                        value(random), random.nextLong(1, Long.MAX_VALUE), 0.05, 1.0, 1, List.of()))
                .setMetrics(PrequentialMetrics.newBuilder()
                        .setCount(random.nextLong(0, Long.MAX_VALUE))
                        .setMeanLoss(value(random))
                        .setWindowSize(random.nextInt(1, 1000))
                        .setWindowMeanLoss(value(random))
                        .setRmse(classification ? null : value(random))
                        .setMae(classification ? null : value(random))
                        .setAccuracy(classification ? value(random) : null)
                        .setLogLoss(classification && random.nextBoolean() ? value(random) : null)
                        .setRecentLosses(recent)
                        .setWindowLossSum(value(random))
                        .setLossSum(value(random))
                        .setSquaredErrorSum(value(random))
                        .setAbsoluteErrorSum(value(random))
                        .setCorrect(random.nextLong(0, Long.MAX_VALUE))
                        .build())
                .setRunningLoss(value(random))
                .setLastEventTimestamp(random.nextLong())
                .setHalted(random.nextInt(5) == 0)
                .setInputPosition(random.nextBoolean() ? null
                        : new InputPosition(random.nextBoolean() ? "labeled-events" : "file:ev\"ents.csv",
                                random.nextInt(64), random.nextLong(0, Long.MAX_VALUE)))
                .build();
    }

    private static String name(SplittableRandom random) {
        String[] pieces = {"", "x", "é", "\"", "\\", "\n", "\t", "💡", "#", "{}", " "};
        StringBuilder name = new StringBuilder();
        for (int i = random.nextInt(4); i > 0; i--) {
            name.append(pieces[random.nextInt(pieces.length)]);
        }
        return name.toString();
    }

    private static double value(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> HARD[random.nextInt(HARD.length)];
            case 1 -> random.nextGaussian() * Math.pow(10, random.nextInt(-30, 30));
            default -> random.nextDouble(-1, 1);
        };
    }

    /** The Avro bytes of {@code snapshot} with its maps in name order, so that equal snapshots give equal bytes. */
    private static byte[] bytes(ModelSnapshot snapshot) {
        ModelSnapshot sorted = ModelSnapshot.newBuilder(snapshot).build();
        sorted.setNamedWeights(new TreeMap<>(snapshot.getNamedWeights()));
        sorted.getOptimizerState().setNamedState(new TreeMap<>(snapshot.getOptimizerState().getNamedState()));
        return InertiaSerdes.modelSnapshot().serialize("test", sorted);
    }
}
