package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia.max-record-bytes} holds for every record Inertia writes, not only snapshots: events that are larger
 * than the limit themselves (the input topic is not Inertia's, so nothing bounds them below the broker's limit) still
 * give a dead letter, or a prediction, of at most the limit (key + value + headers), and are handled exactly once.
 */
class RecordLimitTest {

    private static final int LIMIT = 65_536;
    private static final String MODEL = "m";

    @TempDir
    Path stateDirs;

    private TopologyHarness harness;

    @BeforeEach
    void startDriver() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.of(Map.of(
                "inertia.snapshot-every", "1",
                "inertia.max-record-bytes", Integer.toString(LIMIT))), stateDirs);
    }

    @AfterEach
    void closeDriver() {
        harness.close();
    }

    @Test
    void shouldKeepTheDeadLetterOfABadEventLargerThanTheLimitWithinTheLimit() {
        Map<String, Double> features = new TreeMap<>();
        for (int j = 0; j < 6000; j++) {
            features.put(String.format(java.util.Locale.ROOT, "f%05d", j), (j + 1) / 6000.0);
        }
        features.put("broken", Double.NaN);
        LabeledEvent bad = LabeledEvent.newBuilder().setModelKey(MODEL).setNamedFeatures(features).setLabel(1.0)
                .build();
        int size = InertiaSerdes.labeledEvent().serialize(harness.config.inputTopic(), bad).length;
        assertTrue(size > LIMIT, "the bad event takes " + size + " bytes");

        harness.send(MODEL, bad, 1L);

        List<TestRecord<byte[], byte[]>> letters = raw(harness.config.deadLetterTopic()).readRecordsToList();
        assertEquals(1, letters.size(), "the refused event goes to the dead-letter topic once");
        String reason = TopologyHarness.header(letters.get(0), DeadLetterHeaders.REASON);
        assertTrue(reason.contains("'broken'") && reason.contains("NaN"), reason);
        assertTrue(raw(harness.config.snapshotTopic()).isEmpty(), "no snapshot for a refused event");
        assertTrue(raw(harness.config.predictionTopic()).isEmpty(), "no prediction for a refused event");
        assertWithinLimit(harness.config.deadLetterTopic(), letters);
        assertEveryProducedRecordWithinLimit();
    }

    @Test
    void shouldKeepEveryRecordOfAnEventWithAHugeEventIdWithinTheLimit() {
        String id = "id-" + "x".repeat(100_000);
        harness.send(MODEL, LabeledEvent.newBuilder().setModelKey(MODEL).setNamedFeatures(Map.of("a", 1.0))
                .setLabel(1.0).setEventId(id).build(), 1L);

        List<TestRecord<byte[], byte[]>> predictions = raw(harness.config.predictionTopic()).readRecordsToList();
        List<TestRecord<byte[], byte[]>> letters = raw(harness.config.deadLetterTopic()).readRecordsToList();
        assertEquals(1, predictions.size() + letters.size(),
                "the event is either learned from (a prediction) or refused (a dead letter), once");
        assertWithinLimit(harness.config.predictionTopic(), predictions);
        assertWithinLimit(harness.config.deadLetterTopic(), letters);
        assertEveryProducedRecordWithinLimit();
    }

    /** Every record not yet read on every topic the topology wrote to (outputs and changelogs) is within the limit. */
    private void assertEveryProducedRecordWithinLimit() {
        Set<String> topics = harness.driver.producedTopicNames();
        for (String topic : topics) {
            assertWithinLimit(topic, raw(topic).readRecordsToList());
        }
    }

    private static void assertWithinLimit(String topic, List<TestRecord<byte[], byte[]>> records) {
        for (int i = 0; i < records.size(); i++) {
            int size = WideModelSnapshotTest.size(records.get(i));
            assertTrue(size <= LIMIT, topic + ": record #" + (i + 1) + " takes " + size + " bytes, over " + LIMIT);
        }
    }

    private TestOutputTopic<byte[], byte[]> raw(String topic) {
        return harness.driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
