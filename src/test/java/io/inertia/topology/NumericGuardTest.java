package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.assertFinite;
import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.Prediction;
import io.inertia.config.InertiaConfig;
import io.inertia.config.InertiaConfig.OnDivergence;
import io.inertia.io.SnapshotJson;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The numeric guard of the learner: an update that would make the model non-finite is discarded, the event is
 * dead-lettered with the reason, and with {@code inertia.on-divergence=halt} the model stops. Every expected number is
 * worked out by hand in the comments.
 */
class NumericGuardTest {

    /** η = 1e200, β = 0.9, squared loss, a snapshot after every update: the second event on x = 1 overflows. */
    private static final Map<String, String> HUGE_RATE = Map.of(
            "inertia.learning-rate", "1e200",
            "inertia.momentum", "0.9",
            "inertia.snapshot-every", "1");

    @TempDir
    Path stateDirs;

    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void closeDrivers() {
        harnesses.forEach(TopologyHarness::close);
    }

    @Test
    void shouldDeadLetterTheDivergingEventLeaveTheModelUnchangedAndLearnFromLaterEvents() throws Exception {
        TopologyHarness harness = harness(HUGE_RATE, OnDivergence.DEAD_LETTER);

        // Event 1, x = 1, y = 1: z = 0, dL/dz = −1, g_x = g_b = −1; v = 1e200·(−1) = −1e200; w_x = b = 1e200.
        harness.send("m", event("m", 1.0, 1.0, "e1"), 1_000L);
        List<ModelSnapshot> first = harness.publishedSnapshots();
        assertEquals(1, first.size());
        ModelSnapshot afterFirst = first.get(0);
        assertEquals(1e200, afterFirst.getNamedWeights().get("x"));
        assertEquals(-1e200, afterFirst.getOptimizerState().getNamedState().get("x").get(0));
        assertEquals(1e200, afterFirst.getBias());
        assertEquals(0.5, afterFirst.getRunningLoss());

        // Event 2, same x and y: z = 2e200, g_x = 2e200, v_x = 0.9·(−1e200) + 1e200·2e200 = +∞ → w_x = −∞.
        byte[] diverging = InertiaSerdes.labeledEvent().serialize("labeled-events", event("m", 1.0, 1.0, "e2"));
        long offset = harness.send(utf8("m"), diverging, 2_000L);
        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        TestRecord<byte[], byte[]> letter = letters.get(0);
        assertArrayEquals(utf8("m"), letter.key());
        assertArrayEquals(diverging, letter.value());
        assertEquals("update would make weight 'x' non-finite (divergence); model left unchanged",
                header(letter, DeadLetterHeaders.REASON));
        assertEquals(Long.toString(offset), header(letter, DeadLetterHeaders.OFFSET));
        assertTrue(harness.publishedSnapshots().isEmpty(), "no snapshot for a diverging event");
        assertEquals(1, harness.predictions.readValuesToList().size(), "only event 1's prediction");
        assertEquals(afterFirst, harness.stored("m"));

        // Event 3, x = −1, y = 0, on the model of event 1: z = −1e200 + 1e200 = 0 = y, so g = 0 and only the velocity
        // carries on: v = 0.9·(−1e200) = −9e199; w_x = b = 1e200 + 9e199 = 1.9e200; version 2, r = 0.99·0.5 = 0.495.
        harness.send("m", event("m", -1.0, 0.0, "e3"), 3_000L);
        List<ModelSnapshot> third = harness.publishedSnapshots();
        assertEquals(1, third.size());
        ModelSnapshot afterThird = third.get(0);
        assertEquals(2, afterThird.getVersion());
        assertEquals(1.9e200, afterThird.getNamedWeights().get("x"), 1e186);
        assertEquals(-9e199, afterThird.getOptimizerState().getNamedState().get("x").get(0), 1e186);
        assertEquals(1.9e200, afterThird.getBias(), 1e186);
        assertEquals(0.495, afterThird.getRunningLoss(), 1e-15);
        assertEquals(3_000L, afterThird.getLastEventTimestamp());
        assertFalse(afterThird.getHalted());
        assertEquals(afterThird, harness.stored("m"));
        Prediction prediction = harness.predictions.readValue();
        assertEquals("e3", prediction.getEventId());
        assertEquals(1, prediction.getModelVersion());

        assertEquals(2, harness.observer.learned);
        assertEquals(List.of("update would make weight 'x' non-finite (divergence); model left unchanged"),
                harness.observer.rejected);
    }

    @Test
    void shouldHaltTheModelAndDeadLetterItsLaterEventsWhileOtherModelsGoOn() throws Exception {
        TopologyHarness harness = harness(HUGE_RATE, OnDivergence.HALT);
        harness.send("m", event("m", 1.0, 1.0, "e1"), 1_000L);
        ModelSnapshot afterFirst = harness.publishedSnapshots().get(0);

        harness.send("m", event("m", 1.0, 1.0, "e2"), 2_000L);
        assertEquals("update would make weight 'x' non-finite (divergence); model left unchanged and halted",
                header(harness.deadLetters().get(0), DeadLetterHeaders.REASON));
        assertTrue(harness.headerStore().get("m").getHalted());
        ModelSnapshot stored = harness.stored("m");
        assertTrue(stored.getHalted(), "the full snapshot says the model is halted");
        assertEquals(afterFirst, ModelSnapshot.newBuilder(stored).setHalted(false).build(),
                "the parameters of event 1");
        assertTrue(SnapshotJson.toLine(harness.headerStore().get("m")).contains("\"halted\":true"));
        assertFalse(SnapshotJson.toLine(afterFirst).contains("halted"));

        // The event that learned in dead-letter mode is now refused, as is every later one of model m.
        for (int i = 0; i < 3; i++) {
            byte[] later = InertiaSerdes.labeledEvent().serialize("labeled-events", event("m", -1.0, 0.0, "late"));
            harness.send(utf8("m"), later, 3_000L + i);
            List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
            assertEquals(1, letters.size());
            assertArrayEquals(later, letters.get(0).value());
            assertEquals("model 'm' is halted after a divergence",
                    header(letters.get(0), DeadLetterHeaders.REASON));
        }
        assertTrue(harness.publishedSnapshots().isEmpty());
        assertEquals(afterFirst, ModelSnapshot.newBuilder(harness.stored("m")).setHalted(false).build());
        assertTrue(harness.headerStore().get("m").getHalted());

        // Model n, same settings, learns its first event as model m did: w_x = b = 1e200.
        harness.send("n", event("n", 1.0, 1.0, "n1"), 4_000L);
        List<ModelSnapshot> other = harness.publishedSnapshots();
        assertEquals(1, other.size());
        assertEquals("n", other.get(0).getModelKey());
        assertEquals(1e200, other.get(0).getNamedWeights().get("x"));
        assertFalse(harness.headerStore().get("n").getHalted());
        assertTrue(harness.deadLetters().isEmpty());
        assertEquals(4, harness.observer.rejected.size(), "the diverging event and the three after it");
    }

    @Test
    void shouldHaltAModelWhoseFirstEventDivergesWithoutLearningAnything() throws Exception {
        TopologyHarness harness = harness(HUGE_RATE, OnDivergence.HALT);
        // x = 1e200, y = 1: z = 0, g_x = −1e200, v_x = 1e200·(−1e200) = −∞.
        harness.send("m", event("m", 1e200, 1.0, "e1"), 1_000L);
        assertEquals("update would make weight 'x' non-finite (divergence); model left unchanged and halted",
                header(harness.deadLetters().get(0), DeadLetterHeaders.REASON));
        ModelSnapshot halted = harness.headerStore().get("m");
        assertTrue(halted.getHalted());
        assertEquals(0, halted.getVersion());
        assertEquals(0.0, halted.getBias());
        assertTrue(halted.getNamedWeights().isEmpty());

        harness.send("m", event("m", 1.0, 1.0, "e2"), 2_000L);
        assertEquals("model 'm' is halted after a divergence",
                header(harness.deadLetters().get(0), DeadLetterHeaders.REASON));
        assertEquals(0, harness.observer.learned);
    }

    @Test
    void shouldStoreNothingWhenTheFirstEventOfAModelDivergesInDeadLetterMode() throws Exception {
        TopologyHarness harness = harness(HUGE_RATE, OnDivergence.DEAD_LETTER);
        harness.send("m", event("m", 1e200, 1.0, "e1"), 1_000L);
        assertEquals(1, harness.deadLetters().size());
        assertNull(harness.headerStore().get("m"));
        assertNull(harness.stored("m"));
        // Then an event that does not overflow learns from zero: w_x = b = 1e200 as in the first test.
        harness.send("m", event("m", 1.0, 1.0, "e2"), 2_000L);
        assertEquals(1e200, harness.stored("m").getNamedWeights().get("x"));
        assertEquals(1, harness.stored("m").getVersion());
    }

    @Test
    void shouldDeadLetterAnEventWhoseLossOverflowsAtAnOrdinaryLearningRate() throws Exception {
        // η = 0.1, β = 0.9. Event 1, x = 1, y = 1: w_x = b = 0.1. Event 2, x = 1e200: z = 0.1·1e200 + 0.1 = 1e199,
        // g_x = (1e199 − 1)·1e200 = +∞ → w_x = −∞. Event 3, x = 2, y = 1, on the model of event 1:
        // z = 0.3, dL/dz = −0.7, g_x = −1.4, g_b = −0.7; v_x = −0.09 − 0.14 = −0.23, w_x = 0.33;
        // v_b = −0.09 − 0.07 = −0.16, b = 0.26.
        TopologyHarness harness = harness(Map.of("inertia.learning-rate", "0.1", "inertia.momentum", "0.9",
                "inertia.snapshot-every", "1"), OnDivergence.DEAD_LETTER);
        harness.send("m", event("m", 1.0, 1.0, "e1"), 1_000L);
        harness.send("m", event("m", 1e200, 1.0, "e2"), 2_000L);
        harness.send("m", event("m", 2.0, 1.0, "e3"), 3_000L);
        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        assertEquals("update would make weight 'x' non-finite (divergence); model left unchanged",
                header(letters.get(0), DeadLetterHeaders.REASON));
        ModelSnapshot stored = harness.stored("m");
        assertEquals(2, stored.getVersion());
        assertEquals(0.33, stored.getNamedWeights().get("x"), 1e-12);
        assertEquals(-0.23, stored.getOptimizerState().getNamedState().get("x").get(0), 1e-12);
        assertEquals(0.26, stored.getBias(), 1e-12);
        assertEquals(-0.16, stored.getOptimizerState().getBiasState().get(0), 1e-12);
    }

    @Test
    void shouldDeadLetterAnUpdateWhoseSnapshotWouldHoldAWeightThatOverflowsWhileNoEventCarriesIt() throws Exception {
        // SGD with L2: a weight no event carries still decays as w ← w·(1 − ηλ₂) per update, here by −1e100 (η = 1e100,
        // λ₂ = 1), and overflows while only the bias and z (always 0) are touched. Gradient components are clipped to
        // [−1, 1], so the bias stays finite.
        Map<String, String> settings = new LinkedHashMap<>(Map.of("inertia.optimizer", "sgd",
                "inertia.learning-rate", "1e100", "inertia.l2", "1", "inertia.clip-value", "1",
                "inertia.snapshot-every", "1"));
        TopologyHarness harness = harness(settings, OnDivergence.DEAD_LETTER);
        // Update 1, a = 1, y = 1: z = 0, clip(−1) = −1; w_a = b = 1e100.
        harness.send("m", named("m", "a", 1.0, 1.0), 1_000L);
        // Update 2, z = 0, y = 1: z-score = b = 1e100, clip → 1, b = 0; w_a caught up: 1e100·(1 − 1e100) = −1e200.
        harness.send("m", named("m", "z", 0.0, 1.0), 2_000L);
        // Update 3, y = 0: score 0, nothing moves but w_a → 1e300.
        harness.send("m", named("m", "z", 0.0, 0.0), 3_000L);
        List<ModelSnapshot> published = harness.publishedSnapshots();
        assertEquals(3, published.size());
        assertEquals(-1e200, published.get(1).getNamedWeights().get("a"), 1e186);
        assertEquals(1e300, published.get(2).getNamedWeights().get("a"), 1e286);
        ModelSnapshot third = published.get(2);

        // Update 4 would bring w_a to −1e400 = −∞ in its snapshot: undone, dead-lettered; so is every retry.
        for (int i = 0; i < 2; i++) {
            harness.send("m", named("m", "z", 0.0, 0.0), 4_000L + i);
            List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
            assertEquals(1, letters.size());
            assertEquals("update would make weight 'a' non-finite once brought up to date (divergence); "
                    + "model left unchanged", header(letters.get(0), DeadLetterHeaders.REASON));
            assertTrue(harness.publishedSnapshots().isEmpty());
            assertEquals(third, harness.stored("m"));
            assertEquals(3, harness.headerStore().get("m").getVersion());
        }
        published.forEach(TopologyHarness::assertFinite);
    }

    @Test
    void shouldDeadLetterTheUpdateWhoseNewBaseOfPartsWouldHoldAWeightOverflowedSinceItsLastEvent() throws Exception {
        // A model of 1,100 weights publishes in parts. The snapshots after the first publish only what changed (here
        // z); the weights no event carries are checked again at the next base, which the learner checks before the
        // update's lock for the weights the update leaves alone. SGD with L2 and clipped gradients, η = 1e100,
        // λ₂ = 3e-100: an untouched weight is multiplied by 1 − ηλ₂ = −2 per update.
        TopologyHarness harness = harness(Map.of("inertia.optimizer", "sgd", "inertia.learning-rate", "1e100",
                "inertia.l2", "3e-100", "inertia.clip-value", "1", "inertia.snapshot-every", "1",
                "inertia.max-record-bytes", "65536"), OnDivergence.DEAD_LETTER);
        Map<String, Double> all = new LinkedHashMap<>();
        for (int p = 0; p < 1_100; p++) {
            all.put("p" + p, 1.0);
        }
        // Update 1, label 1: z = 0, g = −1 for every p and the bias, so each w_p = b = 1e100. A base of 1,100 weights.
        harness.send("m", LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(all).setLabel(1.0).build(), 0L);
        // Updates 2, 3, …: only z (x = 0), label 0. Update 2: z-score = b = 1e100, clipped g = 1, b = 0; then g = 0.
        // Each publishes one weight (z), so the weights written since the base reach 2 × 1,100 at update 2,201, and
        // update 2,202 starts a new base. w_p = 1e100·(−2)^(v − 1) overflows from v = 693 on, but no snapshot before
        // that base publishes it.
        for (int v = 2; v <= 2_201; v++) {
            harness.send("m", named("m", "z", 0.0, 0.0), v);
        }
        assertTrue(harness.deadLetters().isEmpty());
        assertEquals(2_201, harness.headerStore().get("m").getVersion());
        harness.send("m", named("m", "z", 0.0, 0.0), 2_202L);
        List<TestRecord<byte[], byte[]>> letters = harness.deadLetters();
        assertEquals(1, letters.size());
        assertEquals("update would make weight 'p0' non-finite once brought up to date (divergence); model left "
                + "unchanged", header(letters.get(0), DeadLetterHeaders.REASON));
        assertEquals(2_201, harness.headerStore().get("m").getVersion());
    }

    @Test
    void shouldNeverPublishANonFiniteSnapshotWhateverTheLearningRate() throws Exception {
        // Learning rates from harmless to absurd on one stream: whatever diverges is refused, and every snapshot that
        // is published holds only finite numbers.
        for (String rate : List.of("0.01", "1", "1e10", "1e100", "1e200", "1e300")) {
            for (String optimizer : List.of("momentum", "adam", "sgd")) {
                TopologyHarness harness = harness(Map.of("inertia.learning-rate", rate,
                        "inertia.optimizer", optimizer, "inertia.l2", "0.5", "inertia.snapshot-every", "1"),
                        OnDivergence.DEAD_LETTER);
                long learned = 0;
                for (int i = 0; i < 40; i++) {
                    Map<String, Double> features = new LinkedHashMap<>();
                    features.put("f" + (i % 5), Math.pow(10, i % 7) * (i % 2 == 0 ? 1 : -1));
                    features.put("g", 1.0 + i);
                    LabeledEvent event = LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(features)
                            .setDenseFeatures(List.of(Math.sin(i) * 1e3, (double) i)).setLabel(Math.cos(i) * 50)
                            .build();
                    harness.send("m", event, i);
                }
                for (ModelSnapshot snapshot : harness.publishedSnapshots()) {
                    assertFinite(snapshot);
                    learned++;
                }
                assertEquals(40, learned + harness.deadLetters().size(), rate + " " + optimizer);
                ModelSnapshot stored = harness.stored("m");
                if (stored != null) {
                    assertFinite(stored);
                }
            }
        }
    }

    private TopologyHarness harness(Map<String, String> settings, OnDivergence onDivergence) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("inertia.on-divergence", onDivergence.configName());
        TopologyHarness harness = TopologyHarness.of(InertiaConfig.of(all), stateDirs);
        harnesses.add(harness);
        return harness;
    }

    private static LabeledEvent event(String key, double x, double label, String id) {
        return LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(Map.of("x", x)).setLabel(label)
                .setEventId(id).build();
    }

    private static LabeledEvent named(String key, String feature, double value, double label) {
        return LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(Map.of(feature, value)).setLabel(label)
                .build();
    }
}
