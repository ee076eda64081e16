package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia.max-record-bytes} at the topology tier: a model whose full snapshot is several times the limit is
 * published as parts, each record (key + value + headers) within the limit, and the parts put back together by the
 * reassembly {@code SnapshotReader} uses give the whole model, every weight and state value as computed here by hand.
 * The predictions and changelog records of that model stay within the limit too (see {@code RecordLimitTest} for
 * dead letters and predictions of unusual events).
 */
class WideModelSnapshotTest {

    private static final int LIMIT = 65_536;
    private static final int FEATURES = 6_000;
    private static final double EXACT = 1e-12;
    private static final String MODEL = "wide";

    @TempDir
    Path stateDirs;

    private TopologyHarness harness;
    private TestOutputTopic<byte[], byte[]> snapshots;
    private TestOutputTopic<byte[], byte[]> predictions;
    private TestOutputTopic<byte[], byte[]> deadLetters;
    private final SnapshotAssembler assembler = new SnapshotAssembler();

    @BeforeEach
    void startDriver() throws Exception {
        // η = 0.1, β = 0.9, squared loss, a snapshot after every update, records of at most 64 KiB.
        InertiaConfig config = InertiaConfig.of(Map.of(
                "inertia.learning-rate", "0.1",
                "inertia.momentum", "0.9",
                "inertia.snapshot-every", "1",
                "inertia.max-record-bytes", Integer.toString(LIMIT)));
        harness = TopologyHarness.of(config, stateDirs);
        snapshots = raw(config.snapshotTopic());
        predictions = raw(config.predictionTopic());
        deadLetters = raw(config.deadLetterTopic());
    }

    @AfterEach
    void closeDriver() {
        harness.close();
    }

    @Test
    void shouldPublishASnapshotLargerThanTheLimitInPartsThatReassembleToTheWholeModel() {
        // Event 1: f00000 … f05999 with x_j = (j + 1)/6000, y = 1. Event 2: g00000 … g05999 with
        // x'_j = −(j + 1)/3000, y = 2. Each event alone is larger than the limit (about 16 bytes per feature).
        harness.send(MODEL, event("f", 6000.0, 1.0), 1L);
        List<TestRecord<byte[], byte[]>> first = snapshots.readRecordsToList();
        harness.send(MODEL, event("g", -3000.0, 2.0), 2L);
        List<TestRecord<byte[], byte[]>> second = snapshots.readRecordsToList();

        for (List<TestRecord<byte[], byte[]>> records : List.of(first, second)) {
            assertTrue(records.size() > 1, "a snapshot of " + FEATURES + "+ weights came as " + records.size()
                    + " record(s)");
            assertWithinLimit("snapshot topic", records);
            for (TestRecord<byte[], byte[]> record : records) {
                String key = new String(record.key(), StandardCharsets.UTF_8);
                assertTrue(key.equals(MODEL) || key.startsWith(MODEL + '\u0000'), "snapshot record keyed '"
                        + key.replace('\u0000', '␀') + "'");
            }
            assertEquals(1, records.stream().filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals(MODEL))
                    .count(), "one header record per snapshot");
        }

        // Event 1: every weight 0, so z = 0 and ∂L/∂z = z − y = −1: for f_j the gradient is −x_j, v = η·(−x_j),
        // w = −v = 0.1·x_j; the bias: v_b = −0.1, b = 0.1. Loss ½(0 − 1)² = 0.5.
        ModelSnapshot one = reassemble(first);
        assertEquals(1, one.getVersion());
        assertEquals(FEATURES, one.getNamedWeights().size());
        for (int j = 0; j < FEATURES; j++) {
            double x = (j + 1) / 6000.0;
            assertWeight(one, name("f", j), 0.1 * x, -0.1 * x);
        }
        assertEquals(0.1, one.getBias(), EXACT);
        assertEquals(-0.1, one.getOptimizerState().getBiasState().get(0), EXACT);
        assertEquals(1, one.getMetrics().getCount());
        assertEquals(0.5, one.getMetrics().getMeanLoss(), EXACT);
        assertEquals(0.5, one.getRunningLoss(), EXACT);
        assertEquals(1L, one.getLastEventTimestamp());

        // Event 2 carries only g_j, whose weights are 0: z = b = 0.1, ∂L/∂z = 0.1 − 2 = −1.9. g_j: gradient −1.9·x'_j,
        // v = −0.19·x'_j, w = 0.19·x'_j. f_j take the update with zero loss gradient: v = 0.9·(−0.1·x_j) = −0.09·x_j,
        // w = 0.1·x_j + 0.09·x_j = 0.19·x_j. Bias: v_b = 0.9·(−0.1) + 0.1·(−1.9) = −0.28, b = 0.1 + 0.28 = 0.38.
        // Loss ½(0.1 − 2)² = 1.805; mean (0.5 + 1.805)/2 = 1.1525; running loss 0.99·0.5 + 0.01·1.805 = 0.51305.
        ModelSnapshot two = reassemble(second);
        assertEquals(2, two.getVersion());
        Set<String> names = new TreeSet<>();
        for (int j = 0; j < FEATURES; j++) {
            names.add(name("f", j));
            names.add(name("g", j));
        }
        assertEquals(names, new TreeSet<>(two.getNamedWeights().keySet()), "every weight of the model");
        assertEquals(names, new TreeSet<>(two.getOptimizerState().getNamedState().keySet()), "every state");
        for (int j = 0; j < FEATURES; j++) {
            double x = (j + 1) / 6000.0;
            double xPrime = -(j + 1) / 3000.0;
            assertWeight(two, name("f", j), 0.19 * x, -0.09 * x);
            assertWeight(two, name("g", j), 0.19 * xPrime, -0.19 * xPrime);
        }
        assertEquals(0.38, two.getBias(), EXACT);
        assertEquals(-0.28, two.getOptimizerState().getBiasState().get(0), EXACT);
        assertEquals(2, two.getMetrics().getCount());
        assertEquals(1.1525, two.getMetrics().getMeanLoss(), EXACT);
        assertEquals(0.51305, two.getRunningLoss(), EXACT);
        assertEquals(2L, two.getLastEventTimestamp());
        assertEquals(List.of("velocity"), two.getOptimizerState().getStateNames());

        List<TestRecord<byte[], byte[]>> predicted = predictions.readRecordsToList();
        assertEquals(2, predicted.size(), "one prediction per event");
        assertWithinLimit("predictions", predicted);
        assertTrue(deadLetters.isEmpty(), "no event refused");
        assertEveryProducedRecordWithinLimit();
    }

    /**
     * The whole snapshot the records read so far complete, put back together by {@link SnapshotAssembler}, the
     * reassembly {@code SnapshotReader} uses, fed every record of the snapshot topic in order.
     */
    private ModelSnapshot reassemble(List<TestRecord<byte[], byte[]>> records) {
        ModelSnapshot whole = null;
        for (TestRecord<byte[], byte[]> record : records) {
            Optional<ModelSnapshot> completed = assembler.accept(harness.config.snapshotTopic(), record.key(),
                    record.value());
            if (completed.isPresent()) {
                whole = completed.get();
            }
        }
        assertNotNull(whole, "the records of a snapshot end with a header that completes it");
        assertNull(whole.getParts(), "a reassembled snapshot is whole");
        return whole;
    }

    private static void assertWeight(ModelSnapshot snapshot, String name, double weight, double velocity) {
        Double actual = snapshot.getNamedWeights().get(name);
        assertNotNull(actual, "weight " + name);
        assertEquals(weight, actual, EXACT, "weight " + name);
        List<Double> state = snapshot.getOptimizerState().getNamedState().get(name);
        assertNotNull(state, "state of " + name);
        assertEquals(1, state.size(), "state of " + name);
        assertEquals(velocity, state.get(0), EXACT, "velocity of " + name);
    }

    /** Every record on every topic the topology wrote to (outputs and changelogs) and not yet read is within limit. */
    private void assertEveryProducedRecordWithinLimit() {
        Set<String> topics = harness.driver.producedTopicNames();
        assertTrue(topics.stream().anyMatch(topic -> topic.endsWith("-changelog")), "changelogs among " + topics);
        for (String topic : topics) {
            assertWithinLimit(topic, raw(topic).readRecordsToList());
        }
    }

    private static void assertWithinLimit(String topic, List<TestRecord<byte[], byte[]>> records) {
        for (int i = 0; i < records.size(); i++) {
            int size = size(records.get(i));
            assertTrue(size <= LIMIT, topic + ": record #" + (i + 1) + " takes " + size + " bytes, over " + LIMIT);
        }
    }

    /** Key + value + every header's key (UTF-8) and value, in bytes. */
    static int size(TestRecord<byte[], byte[]> record) {
        int size = (record.key() == null ? 0 : record.key().length)
                + (record.value() == null ? 0 : record.value().length);
        for (Header header : record.headers()) {
            size += header.key().getBytes(StandardCharsets.UTF_8).length;
            size += header.value() == null ? 0 : header.value().length;
        }
        return size;
    }

    private TestOutputTopic<byte[], byte[]> raw(String topic) {
        return harness.driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** {@value #FEATURES} features {@code <prefix>00000 …}, feature j with value (j + 1)/{@code scale}. */
    private static LabeledEvent event(String prefix, double scale, double label) {
        Map<String, Double> features = new TreeMap<>();
        for (int j = 0; j < FEATURES; j++) {
            features.put(name(prefix, j), (j + 1) / scale);
        }
        return LabeledEvent.newBuilder().setModelKey(MODEL).setNamedFeatures(features).setLabel(label).build();
    }

    private static String name(String prefix, int j) {
        return prefix + String.format(Locale.ROOT, "%05d", j);
    }
}
