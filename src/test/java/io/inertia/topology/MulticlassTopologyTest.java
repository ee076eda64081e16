package io.inertia.topology;

import static io.inertia.topology.TopologyHarness.header;
import static io.inertia.topology.TopologyHarness.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.Prediction;
import io.inertia.avro.SnapshotParts;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.FeatureHasher;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A softmax model through the topology: predictions carry the class probabilities and the predicted class, labels that
 * are not classes are dead-lettered, JSON events may name their class, and a large K-class model is published in parts
 * (one entry of K weights per feature, a delta part holding only the features updated since the snapshot before) that
 * reassemble to the model the math core computes on its own.
 */
class MulticlassTopologyTest {

    private static final double EXACT = 1e-15;

    @TempDir
    Path stateDirs;

    private final List<TopologyHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(TopologyHarness::close);
    }

    @Test
    void shouldPublishTheClassProbabilitiesAndThePredictedClassMadeBeforeTheUpdate() throws Exception {
        TopologyHarness harness = harness(Map.of("inertia.loss", "softmax", "inertia.classes", "3",
                "inertia.learning-rate", "0.1"));
        harness.send("m", event("m", Map.of("a", 2.0), 1.0), 1L);
        harness.send("m", event("m", Map.of("a", 2.0), 1.0), 2L);
        List<Prediction> predictions = harness.predictions.readValuesToList();
        // Event 1 from zero: p = 1/3 each, L = log 3, class 0 (a tie: the lowest), its score 0.
        Prediction first = predictions.get(0);
        assertEquals(List.of(1.0 / 3, 1.0 / 3, 1.0 / 3), first.getProbabilities());
        assertEquals(0, first.getPredictedClass());
        assertEquals(0.0, first.getPrediction());
        assertEquals(Math.log(3), first.getLoss(), EXACT);
        assertEquals(1.0, first.getLabel());
        // Event 2: w_a = [−1/15, 2/15, −1/15], b = [−1/30, 1/15, −1/30] (momentum's first step, η = 0.1):
        // z = 2·w_a + b = [−1/6, 1/3, −1/6]; class 1 predicted with p_1 = e^{1/3}/(e^{1/3} + 2e^{−1/6}).
        Prediction second = predictions.get(1);
        assertEquals(1, second.getPredictedClass());
        assertEquals(1.0 / 3, second.getScore(), EXACT);
        double p1 = Math.exp(1.0 / 3) / (Math.exp(1.0 / 3) + 2 * Math.exp(-1.0 / 6));
        assertEquals(p1, second.getProbabilities().get(1), EXACT);
        assertEquals(-Math.log(p1), second.getLoss(), EXACT);
        ModelSnapshot stored = harness.stored("m");
        assertEquals(3, stored.getHyperParameters().getClasses());
        assertEquals(3, stored.getClassWeights().getBiases().size());
        assertEquals(0.5, stored.getMetrics().getAccuracy(), EXACT);
        assertNotNull(stored.getMetrics().getMacroF1());
    }

    @Test
    void shouldDeadLetterALabelThatIsNotAClassAndLeaveTheModelUntouched() throws Exception {
        TopologyHarness harness = harness(Map.of("inertia.loss", "softmax", "inertia.classes", "3"));
        harness.send("m", event("m", Map.of("a", 1.0), 3.0), 1L);
        harness.send("m", event("m", Map.of("a", 1.0), 1.5), 2L);
        harness.send("m", event("m", Map.of("a", 1.0), -1.0), 3L);
        List<TestRecord<byte[], byte[]>> rejected = harness.deadLetters();
        assertEquals(3, rejected.size());
        assertEquals("label 3.0 is not a class of the softmax loss: expected an integer in 0..2",
                header(rejected.get(0), DeadLetterHeaders.REASON));
        assertEquals("label 1.5 is not a class of the softmax loss: expected an integer in 0..2",
                header(rejected.get(1), DeadLetterHeaders.REASON));
        assertNull(harness.stored("m"), "no model was created");
        assertEquals(0, harness.observer.learned);
    }

    @Test
    void shouldDeadLetterTheEventsOfAStoredSingleOutputModelUnderTheSoftmaxLoss() throws Exception {
        TopologyHarness binary = harness(Map.of("inertia.loss", "logistic"));
        binary.send("m", event("m", Map.of("a", 1.0), 1.0), 1L);
        ModelSnapshot stored = binary.stored("m");
        TopologyHarness softmax = harness(Map.of("inertia.loss", "softmax", "inertia.classes", "3"));
        softmax.headerStore().put("m", stored);
        softmax.send("m", event("m", Map.of("a", 1.0), 2.0), 2L);
        List<TestRecord<byte[], byte[]>> rejected = softmax.deadLetters();
        assertEquals(1, rejected.size());
        assertEquals("stored model has 1 output but this learner's loss needs 3",
                header(rejected.get(0), DeadLetterHeaders.REASON));
        assertEquals(1, softmax.stored("m").getVersion(), "the stored model is left as it was");
    }

    @Test
    void shouldReadAJsonEventsClassByNameAndDeadLetterAnUnknownName() throws Exception {
        TopologyHarness harness = harness(Map.of("inertia.loss", "softmax", "inertia.class-names", "cat,dog,bird",
                "inertia.input.format", "json", "inertia.snapshot-every", "1"));
        harness.send(utf8("m"), utf8("{\"features\": {\"a\": 1.0}, \"label\": \"dog\"}"), 1L);
        harness.send(utf8("m"), utf8("{\"features\": {\"a\": 1.0}, \"label\": 2}"), 2L);
        harness.send(utf8("m"), utf8("{\"features\": {\"a\": 1.0}, \"label\": \"fish\"}"), 3L);
        List<Prediction> predictions = harness.predictions.readValuesToList();
        assertEquals(2, predictions.size());
        assertEquals(1.0, predictions.get(0).getLabel(), "dog is class 1");
        assertEquals(2.0, predictions.get(1).getLabel());
        List<TestRecord<byte[], byte[]>> rejected = harness.deadLetters();
        assertEquals(1, rejected.size());
        assertTrue(header(rejected.get(0), DeadLetterHeaders.REASON).endsWith(
                "label 'fish' is not a class name (expected one of cat, dog, bird)"),
                header(rejected.get(0), DeadLetterHeaders.REASON));
        ModelSnapshot last = harness.publishedSnapshots().get(1);
        assertEquals(List.of("cat", "dog", "bird"), last.getHyperParameters().getClassNames());
        assertEquals(2, last.getVersion());
    }

    /**
     * K = 10 over 2^12 hashed buckets with a record limit of 64 KiB: the model publishes in parts, each part's
     * features carry their K weights and K·S state values, a delta part holds exactly the features the events since
     * the snapshot before carried, and the snapshot reassembled from the topic equals, weight for weight of every
     * class, the model {@link OnlineLearner} computes from the same examples without any Kafka code.
     */
    @Test
    void shouldPublishALargeKClassModelInPartsThatReassembleToTheMathCoresModel() throws Exception {
        Map<String, String> settings = Map.of("inertia.loss", "softmax", "inertia.classes", "10",
                "inertia.hash-bits", "12", "inertia.max-record-bytes", "65536", "inertia.snapshot-every", "100",
                "inertia.learning-rate", "0.05");
        TopologyHarness harness = harness(settings);
        TestOutputTopic<byte[], byte[]> raw = harness.driver.createOutputTopic(harness.config.snapshotTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        OnlineLearner learner = InertiaConfig.of(settings).learner();
        LinearModel reference = learner.newModel();
        FeatureHasher hasher = FeatureHasher.of(12);
        SplittableRandom random = new SplittableRandom(1913);
        SnapshotAssembler assembler = new SnapshotAssembler();
        List<Set<Integer>> bucketsPerSnapshot = new ArrayList<>();
        Set<Integer> sinceSnapshot = new HashSet<>();
        int inParts = 0;
        int deltas = 0;
        for (int i = 1; i <= 600; i++) {
            // 15 names per event from 2,000; the label follows the first name's number.
            Map<String, Double> features = new LinkedHashMap<>();
            int first = random.nextInt(2_000);
            features.put("w" + first, 1.0);
            while (features.size() < 15) {
                features.put("w" + random.nextInt(2_000), random.nextDouble(-1, 1));
            }
            double label = first % 10;
            harness.send("m", event("m", features, label), i);
            Example example = Example.hashed(null, features, hasher, label, 1.0);
            learner.learn(reference, example);
            for (int j = 0; j < example.bucketCount(); j++) {
                sinceSnapshot.add(example.bucket(j));
            }
            if (i % 100 == 0) {
                bucketsPerSnapshot.add(sinceSnapshot);
                sinceSnapshot = new HashSet<>();
            }
        }
        List<ModelSnapshot> wholes = new ArrayList<>();
        int header = 0;
        SnapshotParts previous = null;
        for (TestRecord<byte[], byte[]> record : raw.readRecordsToList()) {
            assertTrue(record.key().length + (record.value() == null ? 0 : record.value().length) <= 65_536);
            String key = new String(record.key(), StandardCharsets.UTF_8);
            if (SnapshotLayout.isPartKey(key) && record.value() != null) {
                ModelSnapshotPart part = InertiaSerdes.modelSnapshotPart().deserialize("t", record.value());
                int features = part.getHashed().getBuckets().size();
                assertEquals(10 * features, part.getHashed().getWeights().size(), "K weights per feature");
                assertEquals(10 * features, part.getHashed().getStates().size(), "K velocities per feature");
                assertEquals(features, part.getHashed().getLastSteps().size(), "one last step per feature");
            }
            assembler.accept("t", record.key(), record.value()).ifPresent(wholes::add);
            if (!SnapshotLayout.isPartKey(key) && record.value() != null) {
                ModelSnapshot published = InertiaSerdes.modelSnapshot().deserialize("t", record.value());
                SnapshotParts parts = published.getParts();
                if (parts != null) {
                    inParts++;
                    if (parts.getBaseParts() < parts.getParts()) {
                        // A delta: the features the events since the snapshot before carried, no more.
                        long before = previous != null && previous.getGeneration() == parts.getGeneration()
                                ? previous.getWeightsSinceBase() : 0;
                        assertEquals(bucketsPerSnapshot.get(header).size(), parts.getWeightsSinceBase() - before,
                                "features in the delta part of snapshot " + (header + 1));
                        deltas++;
                    }
                }
                previous = parts;
                header++;
            }
        }
        assertEquals(6, wholes.size());
        assertTrue(inParts >= 5, inParts + " snapshots in parts");
        assertTrue(deltas >= 2, deltas + " delta snapshots");
        learner.catchUp(reference);
        ModelSnapshot last = wholes.get(wholes.size() - 1);
        assertEquals(600, last.getVersion());
        Map<String, List<Double>> named = last.getClassWeights().getNamedWeights();
        assertEquals(reference.coordinateCount(), named.size());
        for (Map.Entry<String, double[]> feature : reference.namedSlots().entrySet()) {
            for (int k = 0; k < 10; k++) {
                assertEquals(feature.getValue()[k * reference.slotWidth()], named.get(feature.getKey()).get(k),
                        1e-12, feature.getKey() + " of class " + k);
            }
        }
        for (int k = 0; k < 10; k++) {
            assertEquals(reference.bias(k), last.getClassWeights().getBiases().get(k), 1e-12, "bias " + k);
        }
        assertEquals(reference.metrics().macroF1(), last.getMetrics().getMacroF1(), 0.0);
    }

    private static LabeledEvent event(String key, Map<String, Double> features, double label) {
        return LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(features).setLabel(label).build();
    }

    private TopologyHarness harness(Map<String, String> settings) throws Exception {
        TopologyHarness harness = TopologyHarness.of(InertiaConfig.of(settings), stateDirs);
        harnesses.add(harness);
        return harness;
    }
}
