package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A replay started from saved models ({@link InitialModels}) goes on exactly as the replay that never stopped: the
 * same snapshot records after the point it started from, every weight equal, for a model published whole and for one
 * published in parts. Events are seeded; each carries a few of many named features, so that most weights are behind
 * their model's version (caught up lazily) at any snapshot, which is what a warm start must restore exactly.
 */
class WarmStartTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 300;
    /** Where the first replay stops: a multiple of the snapshot interval, so it ends on a regular snapshot. */
    private static final int HALF = 120;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "from its {0} output")
    @ValueSource(strings = {"avro", "jsonl"})
    void shouldContinueFromItsOwnOutputAsTheUninterruptedReplayForAModelPublishedWhole(String form) throws Exception {
        assertWarmStartContinuesExactly(config(Map.of()), 40, false, form);
    }

    @ParameterizedTest(name = "from its {0} output")
    @ValueSource(strings = {"avro", "jsonl"})
    void shouldContinueFromItsOwnOutputAsTheUninterruptedReplayForAModelPublishedInParts(String form)
            throws Exception {
        // Hashed into 2^14 buckets from 3,000 names: about 2,700 weights, more than a whole snapshot holds (1,024).
        assertWarmStartContinuesExactly(config(Map.of("inertia.hash-bits", "14")), 3000, true, form);
    }

    @Test
    void shouldContinueExactlyForASoftmaxModelPublishedInParts() throws Exception {
        // Five classes by where the score falls; 3,000 names: each of about 2,700 buckets holds 5 weights. A K-class
        // line in parts is not read back: the Avro output.
        assertWarmStartContinuesExactly(config(Map.of("inertia.hash-bits", "14", "inertia.loss", "softmax",
                "inertia.classes", "5")), 3000, true, "avro", WarmStartTest::fiveClasses);
    }

    @ParameterizedTest(name = "from its {0} output")
    @ValueSource(strings = {"avro", "jsonl"})
    void shouldContinueExactlyForASoftmaxModelPublishedWhole(String form) throws Exception {
        assertWarmStartContinuesExactly(config(Map.of("inertia.loss", "softmax", "inertia.classes", "5")), 40, false,
                form, WarmStartTest::fiveClasses);
    }

    @ParameterizedTest(name = "from its {0} output")
    @ValueSource(strings = {"avro", "jsonl"})
    void shouldContinueExactlyForAnFtrlModelPublishedInParts(String form) throws Exception {
        assertWarmStartContinuesExactly(config(Map.of("inertia.hash-bits", "14", "inertia.loss", "logistic",
                "inertia.optimizer", "ftrl", "inertia.l1", "0.5")), 3000, true, form, score -> score > 0 ? 1.0 : 0.0);
    }

    private static double fiveClasses(double score) {
        return Math.max(0, Math.min(4, Math.floor(score / 2) + 2));
    }

    private void assertWarmStartContinuesExactly(InertiaConfig config, int names, boolean inParts, String form)
            throws Exception {
        assertWarmStartContinuesExactly(config, names, inParts, form, score -> Math.round(score * 1000) / 1000.0);
    }

    private void assertWarmStartContinuesExactly(InertiaConfig config, int names, boolean inParts, String form,
            java.util.function.DoubleUnaryOperator label) throws Exception {
        List<String> lines = events(names, label);
        // The same name in two folders: a file's events are at positions of "file:events.jsonl" in both.
        Path firstPart = write(dir.resolve("first/events.jsonl"), lines.subList(0, HALF));
        Path whole = write(dir.resolve("whole/events.jsonl"), lines);

        Path uninterrupted = dir.resolve("uninterrupted.avro");
        replay(whole, uninterrupted, config, InitialModels.none());
        Path saved = dir.resolve("saved." + form);
        replay(firstPart, saved, config, InitialModels.none());
        InitialModels initial = InitialModels.fromFile(saved);
        assertEquals(1, initial.size());
        var start = initial.snapshots().iterator().next();
        assertEquals(HALF, start.header().getVersion());
        assertEquals("file:events.jsonl", start.header().getInputPosition().getTopic());
        assertEquals(HALF - 1, start.header().getInputPosition().getOffset());
        assertEquals(inParts, !start.parts().isEmpty(), "published in parts");

        Path warm = dir.resolve("warm.avro");
        Replay.Summary summary = replay(whole, warm, config, initial);
        assertEquals(EVENTS, summary.events(), "events read");
        assertEquals(HALF, summary.skipped(), "events already in the initial snapshot");

        List<Object> expected = records(uninterrupted);
        List<Object> afterStart = new ArrayList<>(expected.subList(indexOfHeader(expected, HALF) + 1,
                expected.size()));
        ModelSnapshot next = (ModelSnapshot) afterStart.stream().filter(ModelSnapshot.class::isInstance).findFirst()
                .orElseThrow();
        if (inParts && next.getParts().getGeneration() == start.header().getParts().getGeneration()) {
            // The next snapshot continues the initial one's generation: the file first holds its earlier parts.
            afterStart.addAll(0, start.parts());
        }
        List<Object> actual = records(warm);
        assertEquals(afterStart.size(), actual.size(), "records after version " + HALF);
        assertEquals(afterStart, actual);
        assertEquals(EVENTS, ((ModelSnapshot) actual.get(actual.size() - 1)).getVersion());
    }

    @Test
    void shouldNotSkipEventsOfAnotherInputThanTheSnapshotsOwn() throws Exception {
        InertiaConfig config = config(Map.of());
        List<String> lines = events(40);
        Path saved = dir.resolve("saved.avro");
        replay(write(dir.resolve("events.jsonl"), lines.subList(0, HALF)), saved, config, InitialModels.none());

        // Another file: its events are not the ones the snapshot reflects, so all of them are learned on top.
        Path output = dir.resolve("more.jsonl");
        Replay.Summary summary = replay(write(dir.resolve("other.jsonl"), lines), output, config,
                InitialModels.fromFile(saved));
        assertEquals(EVENTS, summary.events());
        assertEquals(0, summary.skipped());
        List<String> written = Files.readAllLines(output);
        assertTrue(written.get(written.size() - 1).contains("\"version\":" + (HALF + EVENTS) + ","),
                written.get(written.size() - 1));
    }

    @ParameterizedTest(name = "as {0}")
    @ValueSource(strings = {"avro", "jsonl"})
    void shouldWriteAWarmStartedModelInPartsThatHoldsItsWholeStateWithoutTheInitialFile(String form)
            throws Exception {
        InertiaConfig config = config(Map.of("inertia.hash-bits", "14"));
        List<String> lines = events(3000);
        Path whole = write(dir.resolve("whole/events.jsonl"), lines);
        Path uninterrupted = dir.resolve("uninterrupted.jsonl");
        replay(whole, uninterrupted, config, InitialModels.none());
        Path saved = dir.resolve("saved.avro");
        replay(write(dir.resolve("first/events.jsonl"), lines.subList(0, HALF + 10)), saved, config,
                InitialModels.none());

        // Version 160 continues the generation of the saved snapshot at 130 (its parts are in saved.avro only).
        Path warm = dir.resolve("warm." + form);
        InitialModels initial = InitialModels.fromFile(saved);
        replay(whole, warm, config, initial);

        long generation = initial.snapshots().iterator().next().header().getParts().getGeneration();
        if (form.equals("jsonl")) {
            JsonNode first = JSON.readTree(Files.readAllLines(warm).get(0));
            assertEquals(160, first.get("version").asLong());
            assertEquals(generation, first.get("parts").get("generation").asLong());
            assertTrue(first.get("parts").get("base").asBoolean(), "the first line of the model holds every weight");
            assertTrue(first.get("parts").get("parts").asInt() > first.get("parts").get("baseParts").asInt(),
                    "in the middle of its generation: " + first.get("parts"));
        } else {
            ModelSnapshotPart first = (ModelSnapshotPart) records(warm).get(0);
            assertEquals(generation, first.getGeneration());
            assertEquals(0, first.getIndex(), "the generation's parts from its first");
        }
        // Read on its own, the file ends with the uninterrupted replay's final model: no weight differs.
        Comparison comparison = Comparison.of(List.of(uninterrupted, warm));
        assertEquals(0.0, comparison.rows().get(1).largestWeightDifference());
        assertEquals(EVENTS, comparison.rows().get(1).entry().version());
        assertEquals(comparison.rows().get(0).entry().meanLoss(), comparison.rows().get(1).entry().meanLoss());
    }

    @Test
    void shouldWriteAModelInPartsAsItsPublishedRecordsCostingTheWeightsUpdatedSinceTheLastSnapshot()
            throws Exception {
        Path output = dir.resolve("parts.avro");
        replay(write(dir.resolve("events.jsonl"), events(3000)), output, config(Map.of("inertia.hash-bits", "14")),
                InitialModels.none());
        List<Object> records = records(output);
        List<ModelSnapshot> headers = new ArrayList<>();
        long weightsInParts = 0;
        int appended = 0;
        ModelSnapshot previous = null;
        for (Object record : records) {
            if (record instanceof ModelSnapshotPart part) {
                weightsInParts += part.getHashed().getBuckets().size();
                continue;
            }
            ModelSnapshot header = (ModelSnapshot) record;
            headers.add(header);
            assertNull(header.getStoredParts(), "the store's layout is never published");
            if (header.getParts() == null) {
                // Whole while the model fits in one record: 1,024 weights at most.
                assertTrue(header.getNamedWeights().size() <= 1024, header.getNamedWeights().size() + " weights");
            } else {
                assertTrue(header.getNamedWeights().isEmpty(), "no named weights in a header of parts");
                if (previous != null && previous.getParts() != null
                        && previous.getParts().getGeneration() == header.getParts().getGeneration()) {
                    // Appended to its generation: only the weights the events since the last snapshot updated,
                    // 12 per event at most.
                    long bound = 12 * (header.getVersion() - previous.getVersion());
                    assertTrue(weightsInParts <= bound, weightsInParts + " weights in the parts of version "
                            + header.getVersion() + ", more than " + bound);
                    appended++;
                }
            }
            weightsInParts = 0;
            previous = header;
        }
        // Snapshots at 40, 80, …, 280 and the final one at 300; the later ones in parts, some appended.
        assertEquals(List.of(40L, 80L, 120L, 160L, 200L, 240L, 280L, 300L),
                headers.stream().map(ModelSnapshot::getVersion).toList());
        assertNotNull(headers.get(headers.size() - 1).getParts(), "the model ends in parts");
        assertTrue(appended >= 2, appended + " snapshots appended to a generation");
    }

    @Test
    void shouldWriteAModelInPartsAsJsonLinesOfTheWeightsUpdatedSinceTheModelsLineBefore() throws Exception {
        Path output = dir.resolve("parts.jsonl");
        replay(write(dir.resolve("events.jsonl"), events(3000)), output, config(Map.of("inertia.hash-bits", "14")),
                InitialModels.none());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(output)) {
            lines.add(JSON.readTree(line));
        }
        assertEquals(List.of(40L, 80L, 120L, 160L, 200L, 240L, 280L, 300L),
                lines.stream().map(line -> line.get("version").asLong()).toList());
        int appended = 0;
        long generation = -1;
        JsonNode previous = null;
        for (JsonNode line : lines) {
            JsonNode parts = line.get("parts");
            int weights = line.get("weights").size();
            if (parts == null) {
                // Whole while the model fits in one record: 1,024 weights at most, none as of an older version.
                assertTrue(weights <= 1024, weights + " weights");
                assertTrue(line.get("steps") == null, "a whole line's weights are current");
            } else {
                assertEquals(weights, line.get("steps").size(), "a step per weight");
                assertEquals(weights, line.get("state").get("weights").size(), "a state per weight");
                // A base exactly when a generation starts, and then every weight the model has.
                assertEquals(parts.get("generation").asLong() != generation, parts.get("base").asBoolean(),
                        "base at version " + line.get("version"));
                if (!parts.get("base").asBoolean()) {
                    // Only the weights the events since the model's line before updated, 12 per event at most.
                    long bound = 12 * (line.get("version").asLong() - previous.get("version").asLong());
                    assertTrue(weights <= bound, weights + " weights at version " + line.get("version")
                            + ", more than " + bound);
                    appended++;
                }
                line.get("steps").forEach(step -> assertTrue(step.asLong() <= line.get("version").asLong()));
                generation = parts.get("generation").asLong();
            }
            previous = line;
        }
        assertTrue(appended >= 2, appended + " lines appended to a generation");
    }

    @Test
    void shouldRebuildEverySnapshotFromTheJsonLinesAsFromTheAvroRecordsBitForBit() throws Exception {
        InertiaConfig config = config(Map.of("inertia.hash-bits", "14"));
        Path events = write(dir.resolve("events.jsonl"), events(3000));
        Path avro = dir.resolve("out.avro");
        Path lines = dir.resolve("out.jsonl");
        replay(events, avro, config, InitialModels.none());
        replay(events, lines, config, InitialModels.none());

        List<byte[]> fromAvro = wholeSnapshots(avro);
        List<byte[]> fromLines = wholeSnapshots(lines);
        assertEquals(8, fromAvro.size());
        assertEquals(fromAvro.size(), fromLines.size());
        for (int i = 0; i < fromAvro.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(fromAvro.get(i), fromLines.get(i), "snapshot " + i);
        }
    }

    /** Every snapshot of a replay's output put back together whole, as Avro bytes with its maps in name order. */
    private static List<byte[]> wholeSnapshots(Path file) {
        io.inertia.topology.SnapshotAssembler assembler = new io.inertia.topology.SnapshotAssembler();
        List<byte[]> wholes = new ArrayList<>();
        SnapshotFile.read(file, true, record -> {
            if (record instanceof ModelSnapshotPart part) {
                assembler.takePart(part);
                return;
            }
            ModelSnapshot whole = assembler.acceptHeader((ModelSnapshot) record);
            ModelSnapshot sorted = ModelSnapshot.newBuilder(whole).build();
            sorted.setNamedWeights(new java.util.TreeMap<>(whole.getNamedWeights()));
            sorted.getOptimizerState().setNamedState(new java.util.TreeMap<>(whole.getOptimizerState()
                    .getNamedState()));
            wholes.add(io.inertia.serde.InertiaSerdes.modelSnapshot().serialize("test", sorted));
        });
        return wholes;
    }

    private static Replay.Summary replay(Path input, Path output, InertiaConfig config, InitialModels initial) {
        return Replay.run(new Replay.Request(input, new EventFile.Layout("label", null, null), 1, output, config),
                Replay.Extras.none(), initial);
    }

    /** Momentum with L2 (so a weight left alone still moves), a snapshot every 40 updates. */
    private static InertiaConfig config(Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(Map.of("inertia.snapshot-every", "40",
                "inertia.learning-rate", "0.05", "inertia.l2", "0.01"));
        settings.putAll(more);
        return InertiaConfig.of(settings);
    }

    /** {@value #EVENTS} JSON lines of model m, each with 12 of {@code names} features, seeded. */
    private static List<String> events(int names) {
        return events(names, score -> Math.round(score * 1000) / 1000.0);
    }

    /** As {@link #events(int)}, each labeled by {@code label} of its score. */
    private static List<String> events(int names, java.util.function.DoubleUnaryOperator label) {
        Random random = new Random(97);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            StringBuilder features = new StringBuilder();
            double score = 0;
            for (int j = 0; j < 12; j++) {
                int name = random.nextInt(names);
                double x = Math.round(random.nextGaussian() * 1000) / 1000.0;
                score += (name % 7 - 3) * x;
                features.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "\"f%d\": %s", name, x));
            }
            lines.add(String.format(Locale.ROOT, "{\"key\": \"m\", \"features\": {%s}, \"label\": %s}",
                    features, label.applyAsDouble(score)));
        }
        return lines;
    }

    private static Path write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** Every record of a replay's Avro output, decoded: headers and parts, in order. */
    private static List<Object> records(Path file) {
        List<Object> records = new ArrayList<>();
        SnapshotFile.read(file, false, records::add);
        return records;
    }

    private static int indexOfHeader(List<Object> records, long version) {
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i) instanceof ModelSnapshot header && header.getVersion() == version) {
                return i;
            }
        }
        throw new AssertionError("no snapshot at version " + version);
    }
}
