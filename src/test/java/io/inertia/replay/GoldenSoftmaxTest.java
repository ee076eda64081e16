package io.inertia.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Softmax models replayed through the topology against PyTorch in float64 ({@code nn.Linear} from zeros,
 * {@code CrossEntropyLoss}, {@code torch.optim}, one sample per step; {@code scripts/reference/
 * softmax_torch_reference.py}), on scikit-learn's digits (10 classes, 64 dense features) and wine (3 classes named
 * class_0..class_2, 13 named features): at every step the loss and the K class probabilities before the update, and
 * every 100 steps and at the end every weight and bias, each to 1e-12; at the end the prequential accuracy and
 * macro-F1, over the run and over the last 100 events, as scikit-learn computes them from PyTorch's predictions. How
 * the golden files were made is in {@code golden/README.md}.
 */
class GoldenSoftmaxTest {

    private static final double TOLERANCE = 1e-12;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static Stream<Arguments> goldenRuns() {
        return Stream.of(
                run("digits.torch-momentum.jsonl", "digits-train.csv", 600, 1, "optimizer=momentum",
                        "learning-rate=0.0001", "momentum=0.9"),
                run("digits.torch-adam.jsonl", "digits-train.csv", 600, 1, "optimizer=adam", "learning-rate=0.001"),
                run("digits.torch-adagrad.jsonl", "digits-train.csv", 600, 1, "optimizer=adagrad",
                        "learning-rate=0.05"),
                run("wine.torch-momentum.jsonl", "wine.jsonl", 0, 2, "optimizer=momentum", "learning-rate=0.01",
                        "momentum=0.9"),
                run("wine.torch-adam.jsonl", "wine.jsonl", 0, 2, "optimizer=adam", "learning-rate=0.01"),
                run("wine.torch-adagrad.jsonl", "wine.jsonl", 0, 2, "optimizer=adagrad", "learning-rate=0.1"));
    }

    private static Arguments run(String golden, String input, int rows, int epochs, String... settings) {
        return Arguments.of(golden, input, rows, epochs, List.of(settings));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldenRuns")
    void shouldReproducePyTorchStepByStep(String golden, String input, int rows, int epochs, List<String> settings)
            throws Exception {
        boolean digits = input.startsWith("digits");
        Map<String, String> config = new LinkedHashMap<>();
        config.put("inertia.loss", "softmax");
        if (digits) {
            config.put("inertia.classes", "10");
        } else {
            config.put("inertia.class-names", "class_0,class_1,class_2");
        }
        config.put("inertia.snapshot-every", "100");
        for (String setting : settings) {
            String[] parts = setting.split("=", 2);
            config.put("inertia." + parts[0], parts[1]);
        }
        Path data = rows > 0 ? firstRows(golden(input), rows) : golden(input);
        Path output = dir.resolve("out.jsonl");
        Path predictions = dir.resolve("predictions.jsonl");
        Replay.run(new Replay.Request(data, new EventFile.Layout("label", null, "default", digits), epochs, output,
                InertiaConfig.of(config)), new Replay.Extras(predictions, null));

        List<JsonNode> expected = readJsonLines(golden(golden));
        JsonNode final_ = expected.remove(expected.size() - 1).get("final");
        List<JsonNode> predicted = readJsonLines(predictions);
        assertEquals(expected.size(), predicted.size(), "one prediction per step");
        Map<Long, JsonNode> snapshots = new LinkedHashMap<>();
        readJsonLines(output).forEach(line -> snapshots.put(line.get("version").asLong(), line));
        int checkpoints = 0;
        double largest = 0;
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = predicted.get(i);
            String where = golden + " step " + want.get("version").asLong();
            assertEquals(want.get("version").asLong() - 1, got.get("modelVersion").asLong(), where);
            assertEquals(want.get("label").asDouble(), got.get("label").asDouble(), where + " label");
            largest = Math.max(largest, close(want.get("loss"), got.get("loss"), where + " loss"));
            JsonNode probabilities = got.get("probabilities");
            assertEquals(want.get("probabilities").size(), probabilities.size(), where);
            for (int k = 0; k < probabilities.size(); k++) {
                largest = Math.max(largest, close(want.get("probabilities").get(k), probabilities.get(k),
                        where + " p_" + k));
            }
            if (want.has("model")) {
                JsonNode snapshot = snapshots.get(want.get("version").asLong());
                assertTrue(snapshot != null, where + ": no snapshot");
                largest = Math.max(largest, assertModel(want.get("model"), snapshot, where));
                checkpoints++;
            }
        }
        assertTrue(checkpoints >= 2, checkpoints + " checkpoints");
        JsonNode metrics = snapshots.get((long) expected.size()).get("metrics");
        for (String metric : List.of("accuracy", "macroF1", "windowAccuracy", "windowMacroF1")) {
            assertEquals(final_.get(metric).asDouble(), metrics.get(metric).asDouble(), TOLERANCE, metric);
        }
        assertEquals(final_.get("meanLoss").asDouble(), metrics.get("logLoss").asDouble(), TOLERANCE, "log loss");
        System.out.printf("%s: largest difference from PyTorch over %d steps: %.3g%n", golden, expected.size(),
                largest);
    }

    /**
     * Five epochs of momentum (η = 1e-4, β = 0.9) on the 70 % training split of digits, then the test split scored
     * by the final model's K rows (argmax of w_k·x + b_k computed here, the lowest class on a tie): at least
     * scikit-learn's {@code LogisticRegression} test accuracy on the same split, minus 0.03.
     */
    @org.junit.jupiter.api.Test
    void shouldClassifyHeldOutDigitsAboutAsWellAsScikitLearnsLogisticRegression() throws Exception {
        Path output = dir.resolve("digits.jsonl");
        Replay.run(new Replay.Request(golden("digits-train.csv"), new EventFile.Layout("label", null, "default", true),
                5, output, InertiaConfig.of(Map.of("inertia.loss", "softmax", "inertia.classes", "10",
                        "inertia.learning-rate", "0.0001", "inertia.momentum", "0.9"))));
        List<JsonNode> snapshots = readJsonLines(output);
        JsonNode rows = snapshots.get(snapshots.size() - 1).get("classes");
        assertEquals(5 * 1258, snapshots.get(snapshots.size() - 1).get("version").asLong());
        List<String> test = Files.readAllLines(golden("digits-test.csv"));
        int correct = 0;
        for (String line : test.subList(1, test.size())) {
            String[] cells = line.split(",");
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < rows.size(); k++) {
                double score = rows.get(k).get("bias").asDouble();
                for (int j = 1; j < cells.length; j++) {
                    score += rows.get(k).get("denseWeights").get(j - 1).asDouble() * Double.parseDouble(cells[j]);
                }
                if (score > bestScore) {
                    best = k;
                    bestScore = score;
                }
            }
            correct += best == Integer.parseInt(cells[0]) ? 1 : 0;
        }
        double accuracy = (double) correct / (test.size() - 1);
        double reference = JSON.readTree(golden("digits-logistic-regression.json").toFile()).get("accuracy").asDouble();
        System.out.printf("digits test accuracy after 5 epochs of momentum: %.4f; scikit-learn LogisticRegression: "
                + "%.4f%n", accuracy, reference);
        assertEquals(539, test.size() - 1);
        assertTrue(accuracy >= reference - 0.03, accuracy + " < " + reference + " - 0.03");
    }

    /** Every weight and bias of the snapshot's K rows against the reference's per-feature lists; the largest gap. */
    private static double assertModel(JsonNode want, JsonNode snapshot, String where) {
        JsonNode classes = snapshot.get("classes");
        JsonNode bias = want.get("bias");
        assertEquals(bias.size(), classes.size(), where + " classes");
        double largest = 0;
        for (int k = 0; k < classes.size(); k++) {
            JsonNode row = classes.get(k);
            largest = Math.max(largest, close(bias.get(k), row.get("bias"), where + " bias " + k));
            if (want.has("denseWeights")) {
                JsonNode dense = want.get("denseWeights");
                assertEquals(dense.size(), row.get("denseWeights").size(), where);
                for (int j = 0; j < dense.size(); j++) {
                    largest = Math.max(largest, close(dense.get(j).get(k), row.get("denseWeights").get(j),
                            where + " weight " + j + " of class " + k));
                }
            } else {
                var weights = want.get("weights").properties();
                assertEquals(weights.size(), row.get("weights").size(), where);
                for (Map.Entry<String, JsonNode> weight : weights) {
                    largest = Math.max(largest, close(weight.getValue().get(k), row.get("weights").get(weight.getKey()),
                            where + " weight " + weight.getKey() + " of class " + k));
                }
            }
        }
        return largest;
    }

    private static double close(JsonNode want, JsonNode got, String what) {
        assertTrue(got != null && got.isNumber(), what + ": missing");
        double difference = Math.abs(want.asDouble() - got.asDouble());
        assertEquals(want.asDouble(), got.asDouble(), TOLERANCE, what);
        return difference;
    }

    /** A copy of the CSV {@code file} with its header and first {@code rows} rows. */
    private Path firstRows(Path file, int rows) throws IOException {
        Path copy = dir.resolve("first-" + rows + "-" + file.getFileName());
        Files.write(copy, Files.readAllLines(file).subList(0, rows + 1));
        return copy;
    }

    static Path golden(String name) throws URISyntaxException {
        return Path.of(GoldenSoftmaxTest.class.getResource("/golden/" + name).toURI());
    }

    static List<JsonNode> readJsonLines(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }
}
