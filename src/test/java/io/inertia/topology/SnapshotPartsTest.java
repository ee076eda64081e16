package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model too large for one record publishes its snapshot in parts (see {@link SnapshotLayout}): every record within
 * the limit, a delta part holding exactly the weights updated since the snapshot before, a new generation once the
 * deltas reach twice the base's size with the old parts deleted, and the reassembled snapshot equal to the model the store
 * holds, also when only what compaction keeps is read.
 */
class SnapshotPartsTest {

    private static final int LIMIT = 65_536;
    private static final int SNAPSHOT_EVERY = 50;
    /** Names per event. */
    private static final int PER_EVENT = 10;

    @TempDir
    Path stateDirs;

    private TopologyHarness harness;
    private TestOutputTopic<byte[], byte[]> raw;
    private final SplittableRandom random = new SplittableRandom(20_261_201L);
    private final List<TestRecord<byte[], byte[]>> published = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        InertiaConfig config = InertiaConfig.of(Map.of(
                "inertia.max-record-bytes", Integer.toString(LIMIT),
                "inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY)));
        harness = TopologyHarness.of(config, stateDirs);
        raw = harness.driver.createOutputTopic(config.snapshotTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        harness.close();
    }

    @Test
    void shouldPublishALargeModelInPartsWithinTheLimitThatReassembleToTheStoredModel() {
        // 3,000 distinct names over the first 300 events: far more than one record of 64 KiB holds.
        feed(0, 300, name -> "feature-with-a-long-name-" + name);
        collect();
        assertFalse(published.isEmpty());
        for (TestRecord<byte[], byte[]> record : published) {
            int size = record.key().length + (record.value() == null ? 0 : record.value().length);
            assertTrue(size <= LIMIT, "a snapshot record of " + size + " bytes");
        }
        ModelSnapshot header = lastHeader();
        assertNotNull(header.getParts(), "a model of 3,000 weights is published in parts");
        assertTrue(header.getParts().getParts() > 1, "several parts: " + header.getParts());

        ModelSnapshot assembled = assemble(published);
        ModelSnapshot stored = harness.stored("big");
        assertEquals(300, assembled.getVersion());
        assertEquals(3000, assembled.getNamedWeights().size());
        assertEquals(stored, assembled);
        assertNull(assembled.getParts());
    }

    @Test
    void shouldPublishOnlyTheWeightsUpdatedSinceTheLastSnapshotUntilANewBaseIsDue() {
        // Events 1..100 carry names 0..999 (a base of 1,000 weights at version 100 is not due: the model is still
        // inline up to 1,024 weights); events 101..150 add 500 more names; the snapshot at 150 is the first in parts
        // and so a base of all 1,500. Later events reuse a few names each, so each later snapshot is a delta.
        feed(0, 150, name -> "n" + name);
        collect();
        ModelSnapshot first = lastHeader();
        assertNotNull(first.getParts());
        assertEquals(0, first.getParts().getGeneration());
        assertEquals(1500, first.getParts().getBaseWeights());
        published.clear();

        // 50 events that carry only names 0..49 (event i: names (10·i + j) mod 50): the delta at version 200 holds
        // exactly those 50 weights.
        for (int i = 0; i < SNAPSHOT_EVERY; i++) {
            Map<String, Double> features = new TreeMap<>();
            for (int j = 0; j < PER_EVENT; j++) {
                features.put("n" + (i * PER_EVENT + j) % 50, random.nextDouble());
            }
            send(features);
        }
        collect();
        List<ModelSnapshotPart> parts = parts(published);
        TreeSet<String> names = new TreeSet<>();
        parts.forEach(part -> names.addAll(part.getNamed().getNames()));
        TreeSet<String> expected = new TreeSet<>();
        for (int i = 0; i < 50; i++) {
            expected.add("n" + i);
        }
        assertEquals(expected, names);
        ModelSnapshot delta = lastHeader();
        assertEquals(0, delta.getParts().getGeneration());
        assertEquals(50, delta.getParts().getWeightsSinceBase());
        assertEquals(harness.stored("big"), assemble(allPublished()));
    }

    @Test
    void shouldStartANewGenerationOnceTheDeltasReachTwiceTheBaseAndDeleteTheOldParts() {
        feed(0, 150, name -> "n" + name);
        // Each later event brings 10 new names, 500 per snapshot: the deltas of the snapshots at 200, …, 450 hold
        // 3,000 weights, twice the base's 1,500, so the snapshot at 450 still appends and the one at 500 is a new base.
        feed(150, 450, name -> "n" + name);
        collect();
        ModelSnapshot before = lastHeader();
        assertEquals(450, before.getVersion());
        assertEquals(0, before.getParts().getGeneration(), "still the first generation: " + before.getParts());
        assertEquals(3_000, before.getParts().getWeightsSinceBase());
        feed(450, 500, name -> "n" + name);
        collect();
        List<TestRecord<byte[], byte[]>> all = allPublished();
        ModelSnapshot last = lastHeader();
        assertEquals(5_000, last.getParts().getBaseWeights(), "the new base holds every weight");
        assertEquals(1, last.getParts().getGeneration(), "a second generation: " + last.getParts());
        long tombstones = all.stream().filter(r -> r.value() == null).count();
        assertTrue(tombstones > 0, "the first generation's parts are deleted");
        for (TestRecord<byte[], byte[]> record : all) {
            if (record.value() == null) {
                assertTrue(new String(record.key(), StandardCharsets.UTF_8).contains("\u00000\u0000"),
                        "only parts of generation 0 are deleted");
            }
        }
        // What a compacted topic keeps: the latest record of each key, tombstones removing theirs.
        Map<String, TestRecord<byte[], byte[]>> compacted = new LinkedHashMap<>();
        for (TestRecord<byte[], byte[]> record : all) {
            String key = new String(record.key(), StandardCharsets.UTF_8);
            compacted.remove(key);
            if (record.value() != null) {
                compacted.put(key, record);
            }
        }
        ModelSnapshot stored = harness.stored("big");
        assertEquals(stored, assemble(new ArrayList<>(compacted.values())));
        assertEquals(stored, assemble(all));
        assertEquals(5_000, stored.getNamedWeights().size(), "500 events of 10 new names each");
    }

    private final List<TestRecord<byte[], byte[]>> history = new ArrayList<>();

    private List<TestRecord<byte[], byte[]>> allPublished() {
        return history;
    }

    /**
     * Sends events {@code from}..{@code to} − 1 of model "big": event e carries the 10 names e·10 .. e·10 + 9 (so
     * every event brings new weights).
     */
    private void feed(int from, int to, java.util.function.IntFunction<String> name) {
        for (int e = from; e < to; e++) {
            Map<String, Double> features = new TreeMap<>();
            for (int j = 0; j < PER_EVENT; j++) {
                features.put(name.apply(e * PER_EVENT + j), random.nextDouble() * 2 - 1);
            }
            send(features);
        }
    }

    private void send(Map<String, Double> features) {
        LabeledEvent event = LabeledEvent.newBuilder().setModelKey("big").setNamedFeatures(features)
                .setLabel(random.nextDouble()).build();
        harness.send("big", event, 1_000L);
    }

    private void collect() {
        List<TestRecord<byte[], byte[]>> records = raw.readRecordsToList();
        published.addAll(records);
        history.addAll(records);
    }

    private ModelSnapshot lastHeader() {
        for (int i = published.size() - 1; i >= 0; i--) {
            TestRecord<byte[], byte[]> record = published.get(i);
            if (!SnapshotLayout.isPartKey(new String(record.key(), StandardCharsets.UTF_8))) {
                return InertiaSerdes.modelSnapshot().deserialize("t", record.value());
            }
        }
        throw new AssertionError("no header published");
    }

    private static List<ModelSnapshotPart> parts(List<TestRecord<byte[], byte[]>> records) {
        List<ModelSnapshotPart> parts = new ArrayList<>();
        for (TestRecord<byte[], byte[]> record : records) {
            if (record.value() != null && SnapshotLayout.isPartKey(new String(record.key(), StandardCharsets.UTF_8))) {
                parts.add(InertiaSerdes.modelSnapshotPart().deserialize("t", record.value()));
            }
        }
        return parts;
    }

    private static ModelSnapshot assemble(List<TestRecord<byte[], byte[]>> records) {
        SnapshotAssembler assembler = new SnapshotAssembler();
        Optional<ModelSnapshot> last = Optional.empty();
        for (TestRecord<byte[], byte[]> record : records) {
            Optional<ModelSnapshot> whole = assembler.accept("t", record.key(), record.value());
            if (whole.isPresent()) {
                last = whole;
            }
        }
        assertEquals(last.orElseThrow(), assembler.latest().get("big"));
        return last.orElseThrow();
    }
}
