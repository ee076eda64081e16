package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InertiaCommandTest {

    @TempDir
    Path dir;

    private Path input;
    private Path output;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void writeInput() throws Exception {
        // The worked example of golden/README.md: x = 2, y = 1, three times.
        input = dir.resolve("hand.csv");
        Files.writeString(input, "x,y\n2.0,1.0\n2.0,1.0\n2.0,1.0\n", StandardCharsets.UTF_8);
        output = dir.resolve("snapshots.jsonl");
    }

    @Test
    void shouldReplayAFileEndToEnd() throws Exception {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--learning-rate", "0.1", "--momentum", "0.9", "--snapshot-every", "1");

        assertEquals(0, status, err.toString());
        assertEquals("", err.toString());
        assertTrue(Files.exists(output));
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        // After step 3 of the worked example: w = 0.692, b = 0.346, runningLoss = 0.4914875.
        JsonNode last = new ObjectMapper().readTree(lines.get(2));
        assertEquals("default", last.get("modelKey").asText());
        assertEquals(3, last.get("version").asLong());
        assertEquals(0.692, last.get("weights").get("x").asDouble(), 1e-12);
        assertEquals(0.346, last.get("bias").asDouble(), 1e-12);
        assertEquals(0.4914875, last.get("runningLoss").asDouble(), 1e-12);
        // Then the replay's own time and rate, which depend on the machine: only their form is checked.
        String summary = out.toString().strip();
        String expected = "replayed 3 events into 1 model(s); wrote 3 snapshots to " + output + "; ";
        assertTrue(summary.startsWith(expected), summary);
        assertTrue(summary.substring(expected.length()).matches("\\d+\\.\\d\\d s, \\d+ events/s"), summary);
    }

    @Test
    void shouldUseTheModelKeyOptionAndWriteOnlyTheFinalSnapshot() throws Exception {
        // Default snapshot-every is 1000: no snapshot while replaying 3 events, so only the final state is written.
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--model-key", "hand", "--property", "inertia.learning-rate=0.1", "--momentum", "0.9");
        assertEquals(0, status, err.toString());
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(1, lines.size());
        JsonNode only = new ObjectMapper().readTree(lines.get(0));
        assertEquals("hand", only.get("modelKey").asText());
        assertEquals(3, only.get("version").asLong());
        assertEquals(0.692, only.get("weights").get("x").asDouble(), 1e-12);
    }

    @Test
    void shouldRefuseAMomentumOfOneAndAHalfWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--momentum", "1.5");
        assertEquals(2, status);
        assertEquals(List.of("inertia replay: inertia.momentum: must be in [0, 1), got 1.5"), errLines());
        assertFalse(Files.exists(output));
    }

    @Test
    void shouldRefuseAMissingLabelOptionWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--output", output.toString());
        assertEquals(2, status);
        List<String> lines = errLines();
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("inertia replay: "), lines.get(0));
        assertTrue(lines.get(0).contains("--label"), lines.get(0));
        assertFalse(Files.exists(output));
    }

    @Test
    void shouldWriteThePredictionMadeBeforeEachUpdate() throws Exception {
        Path predictions = dir.resolve("predictions.jsonl");
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--learning-rate", "0.1", "--momentum", "0.9", "--predictions", predictions.toString());
        assertEquals(0, status, err.toString());

        // The worked example of golden/README.md: scores 0, 0.2·2 + 0.1 = 0.5 and 0.48·2 + 0.24 = 1.2 before steps
        // 1, 2 and 3; squared losses ½(z − 1)²: 0.5, 0.125, 0.02.
        List<String> lines = Files.readAllLines(predictions, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        double[] scores = {0.0, 0.5, 1.2};
        double[] losses = {0.5, 0.125, 0.02};
        for (int i = 0; i < 3; i++) {
            JsonNode line = new ObjectMapper().readTree(lines.get(i));
            assertEquals("default", line.get("modelKey").asText());
            assertEquals(i, line.get("modelVersion").asLong());
            assertEquals(scores[i], line.get("score").asDouble(), 1e-12);
            assertEquals(scores[i], line.get("prediction").asDouble(), 1e-12);
            assertEquals(1.0, line.get("label").asDouble());
            assertEquals(losses[i], line.get("loss").asDouble(), 1e-12);
            assertEquals(i, line.get("timestamp").asLong());
        }
    }

    @Test
    void shouldWriteTheSameAvroFilesWhenReplayingTheSameInputTwice() throws Exception {
        Path examples = Path.of("examples/linear.csv");
        List<byte[]> files = new ArrayList<>();
        for (String run : List.of("first", "second")) {
            Path snapshots = dir.resolve(run + "-snapshots.avro");
            Path predictions = dir.resolve(run + "-predictions.avro");
            assertEquals(0, run("replay", "--input", examples.toString(), "--label", "y", "--output",
                    snapshots.toString(), "--predictions", predictions.toString(), "--snapshot-every", "500"),
                    err.toString());
            files.add(Files.readAllBytes(snapshots));
            files.add(Files.readAllBytes(predictions));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(files.get(0), files.get(2), "snapshots");
        org.junit.jupiter.api.Assertions.assertArrayEquals(files.get(1), files.get(3), "predictions");
        // And they hold what the JSON lines hold: 10 snapshots of 5,000 events, and 5,000 predictions.
        List<io.inertia.avro.ModelSnapshot> snapshots = records(dir.resolve("first-snapshots.avro"),
                io.inertia.avro.ModelSnapshot.class);
        assertEquals(10, snapshots.size());
        assertEquals(5000, snapshots.get(9).getVersion());
        assertEquals(5000, records(dir.resolve("first-predictions.avro"), io.inertia.avro.Prediction.class).size());
        // compare reads Avro outputs too: two identical runs, no change.
        out.getBuffer().setLength(0);
        assertEquals(0, run("compare", dir.resolve("first-snapshots.avro").toString(),
                dir.resolve("second-snapshots.avro").toString(), "--fail-if-worse", "0"), err.toString());
        assertTrue(out.toString().contains("+0.00%"), out.toString());
    }

    @Test
    void shouldStartAReplayFromTheSnapshotsOfAnEarlierOneAndEndWhereTheUninterruptedOneEnds() throws Exception {
        List<String> rows = Files.readAllLines(Path.of("examples/linear.csv"), StandardCharsets.UTF_8);
        // The same file name in two folders: the first holds the header and the first 2,000 events.
        Path firstPart = Files.createDirectories(dir.resolve("first")).resolve("linear.csv");
        Files.write(firstPart, rows.subList(0, 2001), StandardCharsets.UTF_8);
        Path whole = Files.createDirectories(dir.resolve("whole")).resolve("linear.csv");
        Files.write(whole, rows, StandardCharsets.UTF_8);
        Path saved = dir.resolve("saved.avro");
        Path warm = dir.resolve("warm.avro");
        Path uninterrupted = dir.resolve("uninterrupted.avro");
        assertEquals(0, run("replay", "--input", firstPart.toString(), "--label", "y", "--output", saved.toString(),
                "--snapshot-every", "500"), err.toString());
        assertEquals(0, run("replay", "--input", whole.toString(), "--label", "y", "--output",
                uninterrupted.toString(), "--snapshot-every", "500"), err.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("replay", "--input", whole.toString(), "--label", "y", "--output", warm.toString(),
                "--snapshot-every", "500", "--initial-snapshots", saved.toString()), err.toString());
        assertTrue(out.toString().contains("replayed 5000 events (2000 already in the initial snapshots, skipped) "
                + "into 1 model(s); wrote 6 snapshots"), out.toString());
        List<io.inertia.avro.ModelSnapshot> expected = records(uninterrupted, io.inertia.avro.ModelSnapshot.class);
        // Snapshots 2,500 … 5,000 of the uninterrupted replay, the same records.
        assertEquals(expected.subList(4, 10), records(warm, io.inertia.avro.ModelSnapshot.class));

        // The JSON Lines output of the same first replay holds the same state: the same records, byte for byte.
        Path lines = dir.resolve("saved.jsonl");
        assertEquals(0, run("replay", "--input", firstPart.toString(), "--label", "y", "--output", lines.toString(),
                "--snapshot-every", "500"), err.toString());
        Path warmFromLines = dir.resolve("warm-from-lines.avro");
        assertEquals(0, run("replay", "--input", whole.toString(), "--label", "y", "--output",
                warmFromLines.toString(), "--snapshot-every", "500", "--initial-snapshots", lines.toString()),
                err.toString());
        assertEquals(-1L, Files.mismatch(warm, warmFromLines), "warm start from JSON Lines vs from Avro");

        // Lines of the release before held every weight brought up to date, not the learner's state: refused.
        Path older = Path.of(InertiaCommandTest.class.getResource("/whole-lines/wide-snapshots.jsonl").toURI());
        err.getBuffer().setLength(0);
        assertEquals(1, run("replay", "--input", whole.toString(), "--label", "y", "--output", warm.toString(),
                "--initial-snapshots", older.toString()));
        assertEquals(List.of("inertia replay: " + older + ":1: lacks metrics.recentLosses, part of the learner's "
                + "state: a line of an older release, every weight brought up to date; start from an .avro output or "
                + "the snapshot topic instead"), errLines());
        assertEquals(2, run("replay", "--input", whole.toString(), "--label", "y", "--output", warm.toString(),
                "--initial-snapshots", saved.toString(), "--initial-snapshots-topic", "model-snapshots"));
    }

    @Test
    void shouldReplayAnAvroContainerFileOfEvents() throws Exception {
        Path events = dir.resolve("hand.avro");
        try (org.apache.avro.file.DataFileWriter<io.inertia.avro.LabeledEvent> writer =
                new org.apache.avro.file.DataFileWriter<>(
                        new org.apache.avro.specific.SpecificDatumWriter<>(io.inertia.avro.LabeledEvent.class))) {
            writer.create(io.inertia.avro.LabeledEvent.getClassSchema(), events.toFile());
            for (int i = 0; i < 3; i++) {
                writer.append(io.inertia.avro.LabeledEvent.newBuilder().setModelKey("hand")
                        .setNamedFeatures(java.util.Map.of("x", 2.0)).setLabel(1.0).build());
            }
        }
        int status = run("replay", "--input", events.toString(), "--output", output.toString(), "--learning-rate",
                "0.1", "--momentum", "0.9", "--snapshot-every", "1");
        assertEquals(0, status, err.toString());
        // After step 3 of the worked example: w = 0.692, b = 0.346, under the events' own model key.
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        JsonNode last = new ObjectMapper().readTree(lines.get(2));
        assertEquals("hand", last.get("modelKey").asText());
        assertEquals(0.692, last.get("weights").get("x").asDouble(), 1e-12);
        assertEquals(0.346, last.get("bias").asDouble(), 1e-12);

        assertEquals(2, run("replay", "--input", events.toString(), "--output", output.toString(), "--label", "y"));
        Path notAvro = dir.resolve("broken.avro");
        Files.writeString(notAvro, "x,y\n1,2\n", StandardCharsets.UTF_8);
        err.getBuffer().setLength(0);
        // A bad file, not a bad option: exit 1, as for a malformed CSV row.
        assertEquals(1, run("replay", "--input", notAvro.toString(), "--output", output.toString()));
        assertEquals(1, errLines().size(), err.toString());
        assertTrue(errLines().get(0).startsWith("inertia replay: " + notAvro + ": not an Avro container file"),
                errLines().get(0));
    }

    @Test
    void shouldGenerateTheSameClickEventsForTheSameSeedWithTheirClicksCounted() throws Exception {
        Path first = dir.resolve("clicks-1.jsonl");
        Path second = dir.resolve("clicks-2.jsonl");
        Path truth = dir.resolve("clicks-truth.json");
        assertEquals(0, run("generate", "--clicks", "--events", "2000", "--seed", "5", "--output", first.toString(),
                "--truth", truth.toString()), err.toString());
        assertEquals(0, run("generate", "--clicks", "--events", "2000", "--seed", "5", "--output", second.toString(),
                "--truth", dir.resolve("again.json").toString()), err.toString());
        assertEquals(Files.readString(first), Files.readString(second), "a seed gives the same bytes");
        ObjectMapper json = new ObjectMapper();
        int clicks = 0;
        List<String> lines = Files.readAllLines(first);
        assertEquals(2000, lines.size());
        for (String line : lines) {
            JsonNode event = json.readTree(line);
            assertEquals("clicks", event.get("key").asText());
            List<String> fields = new java.util.ArrayList<>();
            event.get("features").properties().forEach(feature -> {
                assertEquals(1.0, feature.getValue().asDouble());
                fields.add(feature.getKey().substring(0, feature.getKey().indexOf('=')));
            });
            assertEquals(List.of("site", "ad", "device", "hour", "segment"), fields);
            clicks += event.get("label").asInt();
        }
        assertEquals(clicks, json.readTree(truth.toFile()).get("clicks").asInt());
        assertTrue(clicks > 300 && clicks < 800, clicks + " clicks in 2,000 events: about one in four");
        // A replay learns from it as it is.
        assertEquals(0, run("replay", "--input", first.toString(), "--loss", "logistic", "--optimizer", "ftrl",
                "--hash-bits", "12", "--output", dir.resolve("clicks-ftrl.jsonl").toString()), err.toString());
    }

    @Test
    void shouldRankSoftmaxRunsByLogLossAndCompareEveryClassesWeights() throws Exception {
        // Two events x = 2 of class 1, K = 2, momentum β = 0.9. Event 1 from zero: p = [½, ½], L = log 2,
        // g = [½, −½]: v_w = η·g·2, w = −v_w = [−η, η], b = [−η/2, η/2]. Event 2: z = [−2.5η, 2.5η],
        // L = log(1 + e^(−5η)); g = [σ(−5η), −σ(−5η)]; v_w1 = 0.9·(−η) − η·σ(−5η)·2, w_1 = η − v_w1.
        Path classes = dir.resolve("classes.csv");
        Files.writeString(classes, "x,y\n2.0,1\n2.0,1\n", StandardCharsets.UTF_8);
        Path fast = dir.resolve("fast.jsonl");
        Path slow = dir.resolve("slow.jsonl");
        for (Object[] run : new Object[][] {{fast, "0.1"}, {slow, "0.05"}}) {
            assertEquals(0, run("replay", "--input", classes.toString(), "--label", "y", "--loss", "softmax",
                    "--classes", "2", "--learning-rate", (String) run[1], "--output", run[0].toString()),
                    err.toString());
        }
        Path json = dir.resolve("classes.json");
        out.getBuffer().setLength(0);
        // The slower run first: the base, ranked 2 by its higher log loss.
        assertEquals(0, run("compare", slow.toString(), fast.toString(), "--json", json.toString()), err.toString());
        JsonNode models = new ObjectMapper().readTree(json.toFile()).get("models");
        assertEquals(2, models.get(0).get("rank").asInt());
        assertEquals(1, models.get(1).get("rank").asInt());
        java.util.function.DoubleUnaryOperator meanLoss = eta -> (Math.log(2) + Math.log(1 + Math.exp(-5 * eta))) / 2;
        assertEquals(meanLoss.applyAsDouble(0.1), models.get(1).get("meanLoss").asDouble(), 1e-12);
        assertEquals(meanLoss.applyAsDouble(0.1), models.get(1).get("metrics").get("logLoss").asDouble(), 1e-12);
        assertEquals(0.5, models.get(1).get("metrics").get("accuracy").asDouble(), 1e-12,
                "event 1: a tie, class 0; event 2: class 1");
        java.util.function.DoubleUnaryOperator weight = eta -> {
            double velocity = 0.9 * -eta - eta / (1 + Math.exp(5 * eta)) * 2;
            return eta - velocity;
        };
        assertEquals(weight.applyAsDouble(0.1) - weight.applyAsDouble(0.05),
                models.get(1).get("largestWeightDifference").asDouble(), 1e-12, "the largest gap: class 1's x");
        assertTrue(out.toString().contains("macroF1="), out.toString());
    }

    @Test
    void shouldCompareTwoReplaysAndGateOnTheMeanPrequentialLoss() throws Exception {
        Path base = dir.resolve("base.jsonl");
        Path slower = dir.resolve("slower.jsonl");
        assertEquals(0, run("replay", "--input", input.toString(), "--label", "y", "--output", base.toString(),
                "--learning-rate", "0.1", "--momentum", "0.9"));
        assertEquals(0, run("replay", "--input", input.toString(), "--label", "y", "--output", slower.toString(),
                "--learning-rate", "0.05", "--momentum", "0.9"));
        // By hand: η = 0.1 has losses 0.5, 0.125, 0.02 (mean 0.215) and ends at w = 0.692, b = 0.346; η = 0.05 has
        // losses 0.5, ½·0.75² = 0.28125, ½·0.3375² = 0.056953125 (mean 0.2794010416…) and ends at w = 0.44725,
        // b = 0.223625. So the candidate is 29.95% worse, and its largest weight difference is |0.44725 − 0.692|.
        Path json = dir.resolve("comparison.json");
        out.getBuffer().setLength(0);
        int status = run("compare", base.toString(), slower.toString(), "--json", json.toString(),
                "--fail-if-worse", "25");

        assertEquals(1, status);
        List<String> failures = errLines();
        assertEquals(1, failures.size(), err.toString());
        assertTrue(failures.get(0).startsWith("inertia compare: model 'default': slower.jsonl mean prequential loss "
                + "0.279401 is 29.95% worse than base.jsonl's 0.215000 (limit 25%)"), failures.get(0));
        JsonNode comparison = new ObjectMapper().readTree(json.toFile());
        JsonNode candidate = comparison.get("models").get(1);
        assertEquals("slower.jsonl", candidate.get("run").asText());
        assertEquals(0.2794010416666667, candidate.get("meanLoss").asDouble(), 1e-12);
        assertEquals(100 * (0.2794010416666667 - 0.215) / 0.215, candidate.get("meanLossChangePercent").asDouble(),
                1e-9);
        assertEquals(0.692 - 0.44725, candidate.get("largestWeightDifference").asDouble(), 1e-12);
        assertEquals(1, comparison.get("models").get(0).get("rank").asInt(), "the base has the lower mean loss");
        assertEquals(2, candidate.get("rank").asInt());
        List<String> table = Arrays.asList(out.toString().split("\\R"));
        assertEquals(3, table.size(), out.toString());
        assertTrue(table.get(2).contains("+29.95%"), table.get(2));
        assertTrue(table.get(0).contains(" rank "), table.get(0));
        assertTrue(table.get(1).matches("default\\s+base\\.jsonl\\s+1\\s+3\\s.*"), table.get(1));

        err.getBuffer().setLength(0);
        assertEquals(0, run("compare", base.toString(), slower.toString(), "--fail-if-worse", "35"), err.toString());
        assertEquals(2, run("compare", base.toString()));
        assertEquals(2, run("compare", base.toString(), slower.toString(), "--fail-if-worse", "-1"));
        Path garbage = dir.resolve("garbage.jsonl");
        Files.writeString(garbage, "{\"modelKey\": \"default\"}\n", StandardCharsets.UTF_8);
        err.getBuffer().setLength(0);
        assertEquals(1, run("compare", base.toString(), garbage.toString()));
        assertTrue(errLines().get(0).startsWith("inertia compare: " + garbage + ":1: not a snapshot line"),
                errLines().get(0));
    }

    @Test
    void shouldSayWhichDirectoryIsMissingWhenTheOutputCannotBeWritten() {
        Path nowhere = dir.resolve("no-such-dir").resolve("out.jsonl");
        assertEquals(1, run("replay", "--input", input.toString(), "--label", "y", "--output", nowhere.toString()));
        assertEquals(List.of("inertia replay: cannot write " + nowhere + ": no such directory: "
                + dir.resolve("no-such-dir")), errLines());
    }

    @Test
    void shouldReplayOneInputOncePerConfigurationAndCompareTheRuns() throws Exception {
        Path fast = dir.resolve("fast.properties");
        Path slow = dir.resolve("slow.properties");
        Files.writeString(fast, "inertia.learning-rate=0.1\ninertia.momentum=0.9\n", StandardCharsets.UTF_8);
        Files.writeString(slow, "inertia.learning-rate=0.05\ninertia.momentum=0.9\n", StandardCharsets.UTF_8);
        Path json = dir.resolve("comparison.json");

        int status = run("compare", "--input", input.toString(), "--label", "y", "--config", fast.toString(),
                "--config", slow.toString(), "--json", json.toString(), "--fail-if-worse", "25");

        // The same hand-computed runs as above (mean losses 0.215 and 0.2794010416…): 29.95% worse.
        assertEquals(1, status, err.toString());
        assertTrue(errLines().get(0).startsWith("inertia compare: model 'default': slow.jsonl mean prequential "
                + "loss 0.279401 is 29.95% worse than fast.jsonl's 0.215000"), errLines().get(0));
        JsonNode comparison = new ObjectMapper().readTree(json.toFile());
        assertEquals("fast.jsonl", comparison.get("base").asText());
        assertEquals(0.215, comparison.get("models").get(0).get("meanLoss").asDouble(), 1e-12);
        assertEquals(2, run("compare", "--input", input.toString(), "--label", "y", "--config", fast.toString()));
        assertEquals(2, run("compare", dir.resolve("a.jsonl").toString(), "--config", fast.toString()));
    }

    @Test
    void shouldDrawTheLearningCurvesOfAReplayAndOfAComparison() throws Exception {
        Path examples = Path.of("examples/linear.csv");
        Path base = dir.resolve("base.jsonl");
        Path slow = dir.resolve("slow.jsonl");
        Path replayPlot = dir.resolve("replay.png");
        Path comparePlot = dir.resolve("compare.png");
        assertEquals(0, run("replay", "--input", examples.toString(), "--label", "y", "--output", base.toString(),
                "--snapshot-every", "100", "--plot", replayPlot.toString()), err.toString());
        assertEquals(0, run("replay", "--input", examples.toString(), "--label", "y", "--output", slow.toString(),
                "--snapshot-every", "100", "--learning-rate", "0.002"), err.toString());
        assertEquals(0, run("compare", base.toString(), slow.toString(), "--plot", comparePlot.toString()),
                err.toString());

        for (Path png : List.of(replayPlot, comparePlot)) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
            assertEquals(1000, image.getWidth(), png.toString());
            assertEquals(600, image.getHeight(), png.toString());
            // Not blank: axes, labels, a legend and the curves give many colours, a blank image has one.
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int x = 0; x < image.getWidth(); x += 3) {
                for (int y = 0; y < image.getHeight(); y += 3) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 20, png + " has only " + colours.size() + " colours");
        }
        // The curves themselves, in JFreeChart's first two series colours: red for the base, blue for the candidate.
        assertTrue(pixelsLike(replayPlot, 0xFF5555) > 200, "the replay's curve is drawn");
        assertTrue(pixelsLike(comparePlot, 0xFF5555) > 200, "the base's curve is drawn");
        assertTrue(pixelsLike(comparePlot, 0x5555FF) > 200, "the candidate's curve is drawn");
    }

    /** Every record of type {@code type} in the Avro container file {@code file} (of a union, those of the type). */
    private static <T> List<T> records(Path file, Class<T> type) throws Exception {
        List<T> records = new ArrayList<>();
        try (org.apache.avro.file.DataFileReader<Object> reader = new org.apache.avro.file.DataFileReader<>(
                file.toFile(), new org.apache.avro.specific.SpecificDatumReader<>())) {
            reader.forEach(record -> {
                if (type.isInstance(record)) {
                    records.add(type.cast(record));
                }
            });
        }
        return records;
    }

    /** Pixels of {@code png} within 40 of {@code rgb} in every channel. */
    private static int pixelsLike(Path png, int rgb) throws Exception {
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        int count = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int pixel = image.getRGB(x, y);
                boolean near = true;
                for (int shift = 0; shift <= 16; shift += 8) {
                    near &= Math.abs((pixel >> shift & 0xFF) - (rgb >> shift & 0xFF)) <= 40;
                }
                count += near ? 1 : 0;
            }
        }
        return count;
    }

    @Test
    void shouldTakeTheLabelFieldOfAJsonLinesFileWhenNoLabelIsGiven() throws Exception {
        Path lines = dir.resolve("hand.jsonl");
        Files.writeString(lines, "{\"x\": 2.0, \"label\": 1.0}\n".repeat(3), StandardCharsets.UTF_8);
        int status = run("replay", "--input", lines.toString(), "--output", output.toString(), "--snapshot-every",
                "1", "--learning-rate", "0.1", "--momentum", "0.9");
        assertEquals(0, status, String.join("\n", errLines()));
        // Step 1 of the worked example in golden/README.md, the label read from the field "label": w = 0.2, b = 0.1.
        JsonNode first = new ObjectMapper().readTree(Files.readAllLines(output).get(0));
        assertEquals(0.2, first.get("weights").get("x").asDouble(), 1e-12);
        assertEquals(0.1, first.get("bias").asDouble(), 1e-12);
    }

    @Test
    void shouldRefuseOptionsThatDoNotGoWithTheSourceWithExitCodeTwo() {
        List<List<String>> refused = List.of(
                List.of("--input", input.toString(), "--label", "y", "--from-offset", "5"),
                List.of("--input", input.toString(), "--label", "y", "--bootstrap-servers", "localhost:9092"),
                List.of("--topic", "labeled-events", "--epochs", "2"),
                List.of("--topic", "labeled-events", "--label", "y"),
                List.of("--topic", "labeled-events", "--input", input.toString()),
                List.of("--topic", "labeled-events", "--from-offset", "1", "--from-time", "2026-01-01T00:00:00Z"),
                List.of("--topic", "labeled-events", "--to-time", "yesterday"),
                List.of("--label", "y"));
        for (List<String> options : refused) {
            err.getBuffer().setLength(0);
            List<String> arguments = new ArrayList<>(List.of("replay", "--output", output.toString()));
            arguments.addAll(options);
            int status = run(arguments.toArray(String[]::new));
            assertEquals(2, status, "exit status of " + options);
            List<String> lines = errLines();
            assertEquals(1, lines.size(), options + ": " + String.join("\n", lines));
            assertTrue(lines.get(0).startsWith("inertia replay: "), lines.get(0));
            assertFalse(Files.exists(output));
        }
    }

    @Test
    void shouldRefuseZeroEpochsWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--epochs", "0");
        assertEquals(2, status);
        List<String> lines = errLines();
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("--epochs must be >= 1, got 0"), lines.get(0));
        assertFalse(Files.exists(output));
    }

    @Test
    void shouldReportEveryConfigurationProblemOnItsOwnLine() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--momentum", "1.5", "--learning-rate", "0");
        assertEquals(2, status);
        assertEquals(List.of(
                "inertia replay: inertia.learning-rate: must be > 0, got 0",
                "inertia replay: inertia.momentum: must be in [0, 1), got 1.5"), errLines());
    }

    @Test
    void shouldFailWithExitCodeOneNamingTheLineOfAMalformedRow() throws Exception {
        Files.writeString(input, "x,y\n2.0,1.0\n2.0,one\n", StandardCharsets.UTF_8);
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString());
        assertEquals(1, status);
        List<String> lines = errLines();
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("inertia replay: " + input + ":3: "), lines.get(0));
        assertFalse(Files.exists(output));
    }

    @Test
    void shouldRefuseAnUnknownOptionWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--speed", "fast");
        assertEquals(2, status);
        assertEquals(1, errLines().size(), err.toString());
    }

    @Test
    void shouldRequireACommand() {
        assertEquals(2, run());
        assertEquals(1, errLines().size(), err.toString());
        assertTrue(errLines().get(0).contains("a command is required"), err.toString());
    }

    @Test
    void shouldLearnHashedFeaturesWithTheHashBitsOption() throws Exception {
        // The worked example under the feature name "banana", which MurmurHash3 puts in bucket #15 of 16 with sign −1
        // (src/test/resources/feature-hashing/murmur3_reference.py).
        Path banana = dir.resolve("banana.csv");
        Files.writeString(banana, "banana,y\n2.0,1.0\n2.0,1.0\n2.0,1.0\n", StandardCharsets.UTF_8);
        int status = run("replay", "--input", banana.toString(), "--label", "y", "--output", output.toString(),
                "--learning-rate", "0.1", "--momentum", "0.9", "--hash-bits", "4");

        assertEquals(0, status, err.toString());
        JsonNode last = new ObjectMapper().readTree(Files.readAllLines(output, StandardCharsets.UTF_8).get(0));
        // The model sees x' = −2 where the worked example has x = 2, so with u = −w' every step is the worked
        // example's, which ends at w = 0.692, b = 0.346: here w' = −0.692 and b = 0.346.
        assertEquals(List.of("#15"), fieldNames(last.get("weights")));
        assertEquals(-0.692, last.get("weights").get("#15").asDouble(), 1e-12);
        assertEquals(0.346, last.get("bias").asDouble(), 1e-12);
    }

    @Test
    void shouldRefuseThirtyOneHashBitsWithExitCodeTwo() {
        int status = run("replay", "--input", input.toString(), "--label", "y", "--output", output.toString(),
                "--hash-bits", "31");

        assertEquals(2, status);
        assertEquals(List.of("inertia replay: inertia.hash-bits: must be between 0 and 30, got 31"),
                err.toString().lines().filter(line -> !line.isBlank()).toList());
        assertFalse(Files.exists(output));
    }

    private int run(String... args) {
        try (PrintWriter outWriter = new PrintWriter(out, true); PrintWriter errWriter = new PrintWriter(err, true)) {
            return InertiaCommand.execute(outWriter, errWriter, args);
        }
    }

    private List<String> errLines() {
        List<String> lines = new ArrayList<>(Arrays.asList(err.toString().split("\\R")));
        lines.removeIf(String::isBlank);
        return lines;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
