package io.inertia.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.config.InertiaConfig;
import io.inertia.replay.LocalLearner;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.SnapshotLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The soak's comparison on records the learner really publishes (a {@link LocalLearner} over a few events), of which
 * the "live" side gets a copy with one fault put in by hand: each test names the fault and checks that the comparison
 * reports it, with the model, the version and what differs.
 */
class OutputComparisonTest {

    private static final int EVERY = 2;
    private static final String SMALL = "small";
    private static final String LARGE = "large";

    /** One output record: key, value (null for a tombstone), headers (dead letters only). */
    private record Out(byte[] key, byte[] value, Headers headers) {
    }

    /** What a learner published, per topic, in order. */
    private record Published(List<Out> snapshots, List<Out> predictions, List<Out> deadLetters) {
        Published copy() {
            return new Published(new ArrayList<>(snapshots), new ArrayList<>(predictions),
                    new ArrayList<>(deadLetters));
        }
    }

    @Test
    void shouldFindNothingWhenTheLiveRecordsAreTheReferencesInAnyInterleaving() {
        Published reference = learn(0.01);
        OutputComparison comparison = new OutputComparison(EVERY);
        // The live side first, then the reference: the comparison does not care who is ahead.
        feed(comparison, OutputComparison.Side.LIVE, reference);
        feed(comparison, OutputComparison.Side.REFERENCE, reference);
        assertEquals(List.of(), comparison.settle());
        // 10 events of the small model with a snapshot every 2 updates: 5 snapshots; the large one's 28 good: 14.
        assertEquals(5 + 14, comparison.snapshotsChecked());
        assertEquals(reference.snapshots().size(), comparison.snapshotRecordsChecked());
        assertEquals(38, comparison.predictionsChecked());
        assertEquals(2, comparison.deadLettersChecked());
    }

    @Test
    void shouldNameTheMissingVersionWhenASnapshotIsLost() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        live.snapshots().remove(headerIndex(live, SMALL, 2));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(1, found.size(), found.toString());
        assertEquals(SMALL, found.get(0).subject());
        assertTrue(found.get(0).what().startsWith("snapshot version 4 is missing: version 6 at partition 0 offset "),
                found.toString());
        assertTrue(found.get(0).what().endsWith(" follows version 2"), found.toString());
    }

    @Test
    void shouldNameAVersionPublishedTwice() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        int third = headerIndex(live, SMALL, 3);
        live.snapshots().add(third + 1, live.snapshots().get(third));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(1, found.size(), found.toString());
        assertTrue(found.get(0).what().startsWith("snapshot version 6 twice (again at partition 0 offset "),
                found.toString());
    }

    @Test
    void shouldNameTheFieldsThatDifferWhenTheLiveModelLearnedOtherwise() {
        Published reference = learn(0.01);
        Published live = learn(0.02);
        List<OutputComparison.Mismatch> found = compare(live, reference);
        OutputComparison.Mismatch small = found.stream().filter(m -> m.subject().equals(SMALL)).findFirst()
                .orElseThrow(() -> new AssertionError(found.toString()));
        // The first snapshot already differs: at version 2, in the weights and the bias (and the learning rate).
        assertTrue(small.what().contains("is the header of version 2 (whole), the reference's is the header of "
                + "version 2 (whole); differing in "), small.what());
        assertTrue(small.what().contains("bias ("), small.what());
    }

    @Test
    void shouldNameThePartAndTheWeightsThatDifferInAModelPublishedInParts() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        int index = -1;
        for (int i = 0; i < live.snapshots().size(); i++) {
            String key = new String(live.snapshots().get(i).key(), StandardCharsets.UTF_8);
            if (SnapshotLayout.isPartKey(key) && live.snapshots().get(i).value() != null) {
                index = i;
                break;
            }
        }
        assertTrue(index >= 0, "the large model is published in parts");
        Out part = live.snapshots().get(index);
        ModelSnapshotPart changed = InertiaSerdes.modelSnapshotPart().deserialize(null, part.value());
        List<Double> weights = new ArrayList<>(changed.getHashed().getWeights());
        weights.set(3, weights.get(3) + 1e-12);
        changed.getHashed().setWeights(weights);
        live.snapshots().set(index, new Out(part.key(), InertiaSerdes.modelSnapshotPart().serialize(null, changed),
                null));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(1, found.size(), found.toString());
        assertEquals(LARGE, found.get(0).subject());
        assertTrue(found.get(0).what().contains("is part 0 of generation " + changed.getGeneration() + " (version "
                + changed.getVersion() + ")"), found.toString());
        assertTrue(found.get(0).what().contains("differing in hashed.weights (1 of " + weights.size()
                + " values, the first [3]: "), found.toString());
    }

    @Test
    void shouldSayWhatIsMissingWhenTheLiveTopicEndsEarly() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        live.snapshots().remove(headerIndex(live, SMALL, 5));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(List.of(new OutputComparison.Mismatch(SMALL, "1 snapshot record(s) of the reference are missing "
                + "from the live topic, the first: the header of version 10 (whole)")), found);
    }

    @Test
    void shouldFindAnEventLearnedTwiceByItsPredictions() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        int fourth = predictionIndex(live, SMALL, 3);
        live.predictions().add(fourth + 1, live.predictions().get(fourth));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(1, found.size(), found.toString());
        assertEquals(SMALL, found.get(0).subject());
        assertTrue(found.get(0).what().startsWith("prediction by the model at version 3 twice"), found.toString());
    }

    @Test
    void shouldFindADeadLetterTwiceAndOneMissing() {
        Published reference = learn(0.01);
        Published live = reference.copy();
        live.deadLetters().set(1, live.deadLetters().get(0));
        List<OutputComparison.Mismatch> found = compare(live, reference);
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.get(0).what().startsWith("the event at events/0@7 was dead-lettered twice"),
                found.toString());
        assertTrue(found.get(1).what().startsWith("the event at events/0@23 was rejected by the reference ("),
                found.toString());
    }

    private static List<OutputComparison.Mismatch> compare(Published live, Published reference) {
        OutputComparison comparison = new OutputComparison(EVERY);
        feed(comparison, OutputComparison.Side.REFERENCE, reference);
        feed(comparison, OutputComparison.Side.LIVE, live);
        return comparison.settle();
    }

    private static void feed(OutputComparison comparison, OutputComparison.Side side, Published published) {
        boolean live = side == OutputComparison.Side.LIVE;
        for (int i = 0; i < published.snapshots().size(); i++) {
            Out out = published.snapshots().get(i);
            comparison.snapshot(side, out.key(), out.value(), live ? "partition 0 offset " + i : null);
        }
        for (int i = 0; i < published.predictions().size(); i++) {
            Out out = published.predictions().get(i);
            comparison.prediction(side, out.key(), out.value(), live ? "partition 0 offset " + i : null);
        }
        for (int i = 0; i < published.deadLetters().size(); i++) {
            Out out = published.deadLetters().get(i);
            comparison.deadLetter(side, out.key(), out.value(), out.headers(), live ? "partition 0 offset " + i
                    : null);
        }
    }

    /** The index among the snapshot records of {@code model}'s n-th header (1-based). */
    private static int headerIndex(Published published, String model, int n) {
        int seen = 0;
        for (int i = 0; i < published.snapshots().size(); i++) {
            if (new String(published.snapshots().get(i).key(), StandardCharsets.UTF_8).equals(model) && ++seen == n) {
                return i;
            }
        }
        throw new AssertionError("no header #" + n + " of " + model);
    }

    /** The index of {@code model}'s prediction made at model version {@code version}. */
    private static int predictionIndex(Published published, String model, long version) {
        for (int i = 0; i < published.predictions().size(); i++) {
            Out out = published.predictions().get(i);
            if (new String(out.key(), StandardCharsets.UTF_8).equals(model) && InertiaSerdes.prediction()
                    .deserialize(null, out.value()).getModelVersion() == version) {
                return i;
            }
        }
        throw new AssertionError("no prediction of " + model + " at version " + version);
    }

    /**
     * What the learner publishes, at learning rate {@code rate}, for 40 events on one partition: 10 of a small model
     * with two named features, 30 of a large one with 100 of 5,000 names each, hashed into 2^12 buckets (more than
     * 1,024 weights after about 12 events, so it is published in parts from then on), two of which (offsets 7 and 23)
     * are bad: a label that is not a number.
     */
    private static Published learn(double rate) {
        InertiaConfig config = InertiaConfig.of(Map.of("inertia.snapshot-every", Integer.toString(EVERY),
                "inertia.hash-bits", "12", "inertia.learning-rate", Double.toString(rate),
                "inertia.max-record-bytes", "65536"));
        Published published = new Published(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        LocalLearner.Outputs outputs = new LocalLearner.Outputs() {
            @Override
            public void snapshot(byte[] key, byte[] value, long timestamp) {
                published.snapshots().add(new Out(key, value, null));
            }

            @Override
            public void prediction(byte[] key, byte[] value, long timestamp) {
                published.predictions().add(new Out(key, value, null));
            }

            @Override
            public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                published.deadLetters().add(new Out(key, value, new RecordHeaders(headers.toArray())));
            }
        };
        SplittableRandom random = new SplittableRandom(7);
        try (LocalLearner learner = new LocalLearner(config, LearningObserver.NONE, outputs)) {
            for (int offset = 0; offset < 40; offset++) {
                String key = offset % 4 == 1 ? SMALL : LARGE;
                Map<String, Double> features = new LinkedHashMap<>();
                int names = key.equals(SMALL) ? 2 : 100;
                while (features.size() < names) {
                    features.put("f" + random.nextInt(key.equals(SMALL) ? 2 : 5_000), random.nextDouble(-0.2, 0.2));
                }
                double label = offset == 7 || offset == 23 ? Double.NaN : random.nextDouble(-1, 1);
                LabeledEvent event = LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(features)
                        .setLabel(label).setEventId("e" + offset).build();
                learner.process(key.getBytes(StandardCharsets.UTF_8),
                        InertiaSerdes.labeledEvent().serialize(null, event), offset, "events", 0, offset);
            }
        }
        return published;
    }
}
