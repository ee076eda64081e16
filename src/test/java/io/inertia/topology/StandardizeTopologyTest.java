package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inertia.avro.FeatureScaler;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A spec's {@code standardize} in the learner: each model scales an event's value with the statistics of the values
 * it learned before it, adds the value only when it learns the event, and keeps the statistics in its state and
 * snapshots.
 *
 * <p>Model m, plain SGD, η = 0.1, squared loss (dL/dz = z − y), no hashing; the spec standardizes x. Worked by hand:
 * <pre>
 *   event 1: x = 2, y = 1. Nothing learned yet: z₁ = 2 − 0 = 2 (no spread: only centred).
 *            score 0; g = −1 → w = 0.2, b = 0.1.                         n = 1, μ = 2, M₂ = 0
 *   (x = 1000 of weight −1: refused by the learner once read, dead-lettered; no statistics move)
 *   event 2: x = 4, y = 0. σ = 0: z₂ = 4 − 2 = 2.
 *            score 0.2·2 + 0.1 = 0.5; g = 0.5 → w = 0.2 − 0.1·0.5·2 = 0.1, b = 0.05.
 *                                                  n = 2, μ = 3, M₂ = 0 + (4 − 2)(4 − 3) = 2 (σ² = 1)
 *   event 3: x = 9, y = 1. z₃ = (9 − 3)/1 = 6.
 *            score 0.1·6 + 0.05 = 0.65; g = −0.35 → w = 0.1 + 0.1·0.35·6 = 0.31, b = 0.085.
 *                                                  n = 3, μ = 5, M₂ = 2 + 6·(9 − 5) = 26
 * </pre>
 * (Check: 2, 4, 9 have mean 5 and squared deviations 9 + 1 + 16 = 26.)
 */
class StandardizeTopologyTest {

    private static final double EXACT = 1e-12;

    @TempDir
    Path work;

    private TopologyHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private InertiaConfig config(Map<String, String> more) throws Exception {
        Path spec = Files.writeString(work.resolve("spec.yaml"), """
                label: y
                weight: w
                numeric: [{field: x, transform: standardize}, {field: c}]
                """);
        Map<String, String> settings = new java.util.HashMap<>(Map.of("inertia.input.format", "json",
                "inertia.feature-spec", spec.toString(), "inertia.optimizer", "sgd", "inertia.learning-rate", "0.1",
                "inertia.loss", "squared", "inertia.snapshot-every", "1"));
        settings.putAll(more);
        return InertiaConfig.of(settings);
    }

    @Test
    void shouldScaleEachEventWithTheStatisticsOfTheEventsItsModelLearnedBeforeIt() throws Exception {
        harness = TopologyHarness.of(config(Map.of()), work);
        harness.send(utf8("m"), utf8("{\"x\": 2, \"y\": 1}"), 1);
        // Read through the spec, x included, then refused by the learner (a negative weight): no statistics move.
        harness.send(utf8("m"), utf8("{\"x\": 1000, \"y\": 1, \"w\": -1}"), 2);
        harness.send(utf8("m"), utf8("{\"x\": 4, \"y\": 0}"), 3);
        harness.send(utf8("m"), utf8("{\"x\": 9, \"y\": 1}"), 4);

        assertEquals(1, harness.deadLetters().size(), "the record of negative weight");
        List<Double> predictions = harness.predictions.readValuesToList().stream().map(Prediction::getPrediction)
                .toList();
        assertEquals(3, predictions.size());
        assertEquals(0.0, predictions.get(0), EXACT);
        assertEquals(0.5, predictions.get(1), EXACT);
        assertEquals(0.65, predictions.get(2), EXACT);

        List<ModelSnapshot> snapshots = harness.publishedSnapshots();
        assertEquals(3, snapshots.size());
        assertScaler(snapshots.get(0), 1, 2, 0);
        assertScaler(snapshots.get(1), 2, 3, 2);
        ModelSnapshot last = snapshots.get(2);
        assertScaler(last, 3, 5, 26);
        assertEquals(0.31, last.getNamedWeights().get("x"), EXACT);
        assertEquals(0.085, last.getBias(), EXACT);
        // The stored model carries them too: what a restarted task resumes from.
        assertEquals(last.getScalers(), harness.stored("m").getScalers());
    }

    @Test
    void shouldKeepEachModelsStatisticsApartAndNoneForAModelThatStandardizesNothing() throws Exception {
        harness = TopologyHarness.of(config(Map.of()), work);
        harness.send(utf8("a"), utf8("{\"x\": 2, \"y\": 1}"), 1);
        harness.send(utf8("b"), utf8("{\"x\": 100, \"y\": 1}"), 2);
        harness.send(utf8("a"), utf8("{\"x\": 4, \"y\": 0}"), 3);
        // Model c never sees x: it has no statistics at all, and its snapshot none.
        harness.send(utf8("c"), utf8("{\"c\": 1, \"y\": 1}"), 4);

        List<ModelSnapshot> snapshots = harness.publishedSnapshots();
        assertScaler(snapshots.get(2), 2, 3, 2);
        assertEquals("a", snapshots.get(2).getModelKey());
        assertScaler(snapshots.get(1), 1, 100, 0);
        assertNull(snapshots.get(3).getScalers());
        // a's second value was centred on a's own mean (2), not on b's 100: z = 4 − 2 = 2, score 0.2·2 + 0.1.
        assertEquals(0.5, harness.predictions.readValuesToList().get(2).getPrediction(), EXACT);
    }

    @Test
    void shouldResumeTheStatisticsOfAModelEvictedFromMemory() throws Exception {
        // A budget too small for two models: each event of the other model evicts this one, which is then read back
        // from its store, statistics included.
        harness = TopologyHarness.of(config(Map.of("inertia.model-cache-max-bytes", "1")), work);
        harness.send(utf8("m"), utf8("{\"x\": 2, \"y\": 1}"), 1);
        harness.send(utf8("other"), utf8("{\"x\": 7, \"y\": 1}"), 2);
        harness.send(utf8("m"), utf8("{\"x\": 4, \"y\": 0}"), 3);
        harness.send(utf8("other"), utf8("{\"x\": 7, \"y\": 1}"), 4);
        harness.send(utf8("m"), utf8("{\"x\": 9, \"y\": 1}"), 5);

        List<Prediction> predictions = harness.predictions.readValuesToList();
        assertEquals(0.5, predictions.get(2).getPrediction(), EXACT);
        assertEquals(0.65, predictions.get(4).getPrediction(), EXACT);
        ModelSnapshot last = harness.publishedSnapshots().get(4);
        assertScaler(last, 3, 5, 26);
    }

    private static void assertScaler(ModelSnapshot snapshot, long count, double mean, double m2) {
        List<FeatureScaler> scalers = snapshot.getScalers();
        assertEquals(1, scalers.size(), "one standardized feature");
        FeatureScaler scaler = scalers.get(0);
        assertEquals("x", scaler.getFeature());
        assertEquals(count, scaler.getCount());
        assertEquals(mean, scaler.getMean(), EXACT);
        assertEquals(m2, scaler.getM2(), EXACT);
    }
}
