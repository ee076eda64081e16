package io.inertia.replay;

import static io.inertia.replay.GoldenSoftmaxTest.golden;
import static io.inertia.replay.GoldenSoftmaxTest.readJsonLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FTRL-Proximal with the logistic loss replayed through the topology against a plain transcription of Algorithm 1 of
 * McMahan et al. (2013) ({@code scripts/reference/ftrl_reference.py}, standard library Python) on scikit-learn's
 * breast cancer data, standardized (569 events, 30 features), with α = 0.1, β = 1, λ₁ = 1, λ₂ = 1: at every step the
 * prediction, loss, running loss and bias to 1e-12, every 10 steps every weight (a weight the reference has at exactly
 * 0 must be exactly 0), every 50 steps every z and n. How the golden file was made is in {@code golden/README.md}.
 */
class GoldenFtrlTest {

    private static final double TOLERANCE = 1e-12;

    @TempDir
    Path dir;

    @Test
    void shouldReproduceAlgorithm1StepByStepWithExactZeros() throws Exception {
        Path output = dir.resolve("out.jsonl");
        Path predictions = dir.resolve("predictions.jsonl");
        Replay.run(new Replay.Request(golden("breast-cancer.csv"), new EventFile.Layout("label", null, "default"), 1,
                output, InertiaConfig.of(Map.of("inertia.loss", "logistic", "inertia.optimizer", "ftrl",
                        "inertia.ftrl.alpha", "0.1", "inertia.ftrl.beta", "1.0", "inertia.l1", "1.0", "inertia.l2",
                        "1.0", "inertia.snapshot-every", "1"))), new Replay.Extras(predictions, null));

        List<JsonNode> expected = readJsonLines(golden("breast-cancer.ftrl.jsonl"));
        List<JsonNode> snapshots = readJsonLines(output);
        List<JsonNode> predicted = readJsonLines(predictions);
        assertEquals(569, expected.size());
        assertEquals(expected.size(), snapshots.size());
        assertEquals(expected.size(), predicted.size());
        int zeros = 0;
        int compared = 0;
        double largest = 0;
        for (int i = 0; i < expected.size(); i++) {
            JsonNode want = expected.get(i);
            JsonNode got = snapshots.get(i);
            String where = "step " + want.get("version").asLong();
            assertEquals(want.get("version").asLong(), got.get("version").asLong(), where);
            largest = Math.max(largest, close(want.get("prediction"), predicted.get(i).get("prediction"),
                    where + " prediction"));
            largest = Math.max(largest, close(want.get("loss"), predicted.get(i).get("loss"), where + " loss"));
            largest = Math.max(largest, close(want.get("runningLoss"), got.get("runningLoss"), where + " runningLoss"));
            largest = Math.max(largest, close(want.get("bias"), got.get("bias"), where + " bias"));
            if (want.has("weights")) {
                for (Map.Entry<String, JsonNode> weight : want.get("weights").properties()) {
                    JsonNode value = got.get("weights").get(weight.getKey());
                    if (weight.getValue().asDouble() == 0.0) {
                        assertEquals(0.0, value.asDouble(), 0.0, where + " " + weight.getKey() + " is exactly 0");
                        zeros++;
                    } else {
                        largest = Math.max(largest, close(weight.getValue(), value, where + " " + weight.getKey()));
                    }
                    compared++;
                }
            }
            if (want.has("state")) {
                for (Map.Entry<String, JsonNode> state : want.get("state").properties()) {
                    JsonNode values = state.getKey().equals("bias") ? got.get("state").get("bias")
                            : got.get("state").get("weights").get(state.getKey());
                    assertEquals(2, values.size(), where + " z and n of " + state.getKey());
                    for (int k = 0; k < 2; k++) {
                        largest = Math.max(largest, close(state.getValue().get(k), values.get(k),
                                where + " state " + k + " of " + state.getKey()));
                    }
                }
            }
        }
        assertEquals(List.of("z", "n"), List.of(snapshots.get(0).get("state").get("names").get(0).asText(),
                snapshots.get(0).get("state").get("names").get(1).asText()));
        assertTrue(compared > 1_000, compared + " weights compared");
        assertTrue(zeros > 0, "L1 makes some weights exactly 0");
        long finalZeros = snapshots.get(snapshots.size() - 1).get("weights").properties().stream()
                .filter(weight -> weight.getValue().asDouble() == 0.0).count();
        assertTrue(finalZeros >= 1, "the final model has exact zeros");
        System.out.printf("FTRL: largest difference from Algorithm 1 over %d steps: %.3g; %d exact zeros among %d "
                + "weights compared, %d in the final model%n", expected.size(), largest, zeros, compared, finalZeros);
    }

    private static double close(JsonNode want, JsonNode got, String what) {
        assertTrue(got != null && got.isNumber(), what + ": missing");
        assertEquals(want.asDouble(), got.asDouble(), TOLERANCE, what);
        return Math.abs(want.asDouble() - got.asDouble());
    }
}
