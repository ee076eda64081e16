package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.io.InputFileException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplayTest {

    private static final double TOLERANCE = 1e-9;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The runs of the table in golden/README.md (all with --snapshot-every 1). */
    static Stream<Arguments> goldenRuns() {
        return Stream.of(
                Arguments.of("regression-small.csv", "y", "squared", "0.01", "0.9", 3,
                        "regression-small.momentum.jsonl"),
                Arguments.of("regression-small.csv", "y", "squared", "0.05", "0", 1, "regression-small.sgd.jsonl"),
                Arguments.of("regression-small.csv", "y", "squared", "0.001", "0.99", 2,
                        "regression-small.heavy.jsonl"),
                Arguments.of("classification-small.csv", "label", "logistic", "0.1", "0.9", 2,
                        "classification-small.logistic.jsonl"),
                Arguments.of("hand-3step.csv", "y", "squared", "0.1", "0.9", 1, "hand-3step.jsonl"));
    }

    @ParameterizedTest(name = "{6}")
    @MethodSource("goldenRuns")
    void shouldReproduceTheGoldenSnapshotsOfTheReferenceImplementation(String input, String label, String loss,
            String learningRate, String momentum, int epochs, String golden) throws Exception {
        Path output = dir.resolve("out.jsonl");
        Replay.Summary summary = Replay.run(request(input, label, loss, learningRate, momentum, "1", epochs, output));

        List<JsonNode> expected = readJsonLines(golden(golden));
        List<JsonNode> actual = readJsonLines(output);
        assertSameSnapshots(expected, actual);
        long rows = Files.readAllLines(golden(input)).size() - 1;
        assertEquals(rows * epochs, summary.events());
        assertEquals(expected.size(), summary.snapshots());
        assertEquals(1, summary.models());
    }

    @Test
    void shouldEndWithTheFinalSnapshotWhenTheLastVersionIsNotAMultipleOfN() throws Exception {
        Path output = dir.resolve("every7.jsonl");
        Replay.Summary summary = Replay.run(
                request("regression-small.csv", "y", "squared", "0.01", "0.9", "7", 3, output));

        List<JsonNode> expected = readJsonLines(golden("regression-small.every7.jsonl"));
        List<JsonNode> actual = readJsonLines(output);
        assertSameSnapshots(expected, actual);

        // 3 epochs × 40 rows = 120 events: snapshots at 7, 14, …, 119 (17 of them), then the final state at 120.
        List<Long> versions = new ArrayList<>(LongStream.rangeClosed(1, 17).map(k -> 7 * k).boxed().toList());
        versions.add(120L);
        assertEquals(versions, actual.stream().map(line -> line.get("version").asLong()).toList());
        assertEquals(18, summary.snapshots());

        // That final line is the state after event 120, the same as the last line of the every-update run.
        List<JsonNode> everyUpdate = readJsonLines(golden("regression-small.momentum.jsonl"));
        assertSameSnapshots(List.of(everyUpdate.get(everyUpdate.size() - 1)), List.of(actual.get(17)));
    }

    @Test
    void shouldNotRepeatAFinalSnapshotAlreadyPublished() throws Exception {
        // Model a has 3 rows, b has 2; with N = 3: a publishes version 3 while replaying, which is its final state,
        // so only b gets a final line (version 2).
        Path input = write("keyed.csv", "model,x,y\na,1,1\nb,1,2\na,2,1\na,3,1\nb,2,2\n");
        Path output = dir.resolve("keyed.jsonl");
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.snapshot-every", "3"));
        Replay.Summary summary = Replay.run(new Replay.Request(input, new EventFile.Layout("y", "model", "unused"), 1,
                output, config));

        List<JsonNode> lines = readJsonLines(output);
        assertEquals(List.of("a:3", "b:2"), lines.stream()
                .map(line -> line.get("modelKey").asText() + ":" + line.get("version").asLong()).toList());
        assertEquals(new Replay.Summary(5, 2, 2, 0, 0), summary);
    }

    @Test
    void shouldStopAtAMalformedRowWithItsLineNumberAndLeaveNoOutput() throws Exception {
        Path input = write("bad.csv", "x,y\n1.0,2.0\n2.0,3.0\n3.0,oops\n4.0,5.0\n");
        Path output = dir.resolve("out").resolve("snapshots.jsonl");
        Files.createDirectories(output.getParent());

        InputFileException e = assertThrows(InputFileException.class,
                () -> Replay.run(new Replay.Request(input, new EventFile.Layout("y", null, "default"), 1, output,
                        InertiaConfig.of(Map.of("inertia.snapshot-every", "1")))));

        assertTrue(e.getMessage().startsWith(input + ":4: "), e.getMessage());
        assertFalse(Files.exists(output));
        assertFalse(Files.exists(output.resolveSibling("snapshots.jsonl.partial")));
        try (Stream<Path> left = Files.list(output.getParent())) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void shouldStopAtARowTheLearnerRejectsWithItsLineNumber() throws Exception {
        Path input = write("labels.csv", "x,label\n1.0,1\n2.0,0\n3.0,2\n");
        Path output = dir.resolve("labels.jsonl");
        InputFileException e = assertThrows(InputFileException.class,
                () -> Replay.run(new Replay.Request(input, new EventFile.Layout("label", null, "default"), 1, output,
                        InertiaConfig.of(Map.of("inertia.loss", "logistic")))));
        assertTrue(e.getMessage().startsWith(input + ":4: "), e.getMessage());
        assertTrue(e.getMessage().contains("{0, 1}"), e.getMessage());
        assertFalse(Files.exists(output));
        assertFalse(Files.exists(dir.resolve("labels.jsonl.partial")));
    }

    @Test
    void shouldWriteIdenticalFilesWhenReplayingTheSameFileTwice() throws Exception {
        Path first = dir.resolve("first.jsonl");
        Path second = dir.resolve("second.jsonl");
        Replay.run(request("classification-small.csv", "label", "logistic", "0.1", "0.9", "5", 2, first));
        Replay.run(request("classification-small.csv", "label", "logistic", "0.1", "0.9", "5", 2, second));
        assertTrue(Files.size(first) > 0);
        assertEquals(-1L, Files.mismatch(first, second));
    }

    @Test
    void shouldReplaceAnExistingOutputFile() throws Exception {
        Path output = dir.resolve("out.jsonl");
        Files.writeString(output, "stale\n");
        Replay.run(request("hand-3step.csv", "y", "squared", "0.1", "0.9", "1", 1, output));
        assertEquals(3, readJsonLines(output).size());
    }

    @Test
    void shouldRefuseFewerThanOneEpoch() {
        Path output = dir.resolve("out.jsonl");
        assertThrows(IllegalArgumentException.class,
                () -> Replay.run(request("hand-3step.csv", "y", "squared", "0.1", "0.9", "1", 0, output)));
        assertFalse(Files.exists(output));
    }

    private static Replay.Request request(String input, String label, String loss, String learningRate,
            String momentum, String snapshotEvery, int epochs, Path output) throws URISyntaxException {
        InertiaConfig config = InertiaConfig.of(Map.of(
                "inertia.loss", loss,
                "inertia.learning-rate", learningRate,
                "inertia.momentum", momentum,
                "inertia.snapshot-every", snapshotEvery));
        return new Replay.Request(golden(input), new EventFile.Layout(label, null, "default"), epochs, output, config);
    }

    private static Path golden(String name) throws URISyntaxException {
        var url = ReplayTest.class.getResource("/golden/" + name);
        if (url == null) {
            throw new IllegalStateException("no golden file " + name + " on the test class path");
        }
        return Path.of(url.toURI());
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static List<JsonNode> readJsonLines(Path file) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    /** Same count, and line by line the same model key, version, weight names, and weights/bias/loss to 1e-9. */
    private static void assertSameSnapshots(List<JsonNode> expected, List<JsonNode> actual) {
        assertEquals(expected.size(), actual.size(), "number of snapshot lines");
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = actual.get(i);
            String where = "line " + (i + 1) + " (version " + want.get("version").asLong() + ")";
            assertEquals(want.get("modelKey").asText(), got.get("modelKey").asText(), where);
            assertEquals(want.get("version").asLong(), got.get("version").asLong(), where);
            List<String> wantNames = new ArrayList<>();
            want.get("weights").fieldNames().forEachRemaining(wantNames::add);
            List<String> gotNames = new ArrayList<>();
            got.get("weights").fieldNames().forEachRemaining(gotNames::add);
            assertEquals(wantNames, gotNames, where + ": weight names");
            for (Iterator<String> names = want.get("weights").fieldNames(); names.hasNext();) {
                String name = names.next();
                assertEquals(want.get("weights").get(name).asDouble(), got.get("weights").get(name).asDouble(),
                        TOLERANCE, where + ": weight " + name);
            }
            assertEquals(want.get("bias").asDouble(), got.get("bias").asDouble(), TOLERANCE, where + ": bias");
            assertEquals(want.get("runningLoss").asDouble(), got.get("runningLoss").asDouble(), TOLERANCE,
                    where + ": runningLoss");
        }
    }
}
