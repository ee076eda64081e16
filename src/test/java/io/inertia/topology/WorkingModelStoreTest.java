package io.inertia.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshotPart;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The working models reach the changelog through Kafka Streams' commit: the learner processor itself never writes a
 * store, so the changelog records below can only come from {@link WorkingModelStore#flushCache()}, which
 * {@code StreamTask.prepareCommit} calls before the producer flush and the offsets (the driver commits after every
 * record). This guards the internal {@code CachedStateStore} hook that Inertia's exactly-once rests on: if Kafka
 * stopped calling it, nothing would reach the changelog and this test would fail.
 *
 * <p>Hand computation (momentum β = 0.9, η = 0.01, squared loss): event 1, x = {a: 1}, y = 1: z = 0, ∂L/∂z = −1;
 * velocity −0.01 for weight a and for the bias, w_a = b = 0.01. Event 2, x = {b: 2}, y = 1: z = 2·w_b + b = 0.01,
 * ∂L/∂z = −0.99; weight b: gradient −1.98, velocity −0.0198, w_b = 0.0198; the bias: velocity
 * 0.9·(−0.01) + 0.01·(−0.99) = −0.0189, b = 0.0289.
 */
class WorkingModelStoreTest {

    private static final String APPLICATION = "inertia-topology-test";

    @TempDir
    Path stateDirs;

    private TopologyHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void shouldWriteWhatAnEventChangedToTheChangelogInTheCommitAfterIt() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        TestOutputTopic<String, ModelSnapshot> headers = harness.driver.createOutputTopic(
                APPLICATION + "-" + ModelStore.NAME + "-changelog", new StringDeserializer(),
                InertiaSerdes.modelSnapshot());
        TestOutputTopic<String, ModelSnapshotPart> parts = harness.driver.createOutputTopic(
                APPLICATION + "-" + ModelStore.PARTS + "-changelog", new StringDeserializer(),
                InertiaSerdes.modelSnapshotPart());

        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        List<TestRecord<String, ModelSnapshot>> firstHeaders = headers.readRecordsToList();
        assertEquals(1, firstHeaders.size());
        assertEquals(1, firstHeaders.get(0).value().getVersion());
        assertEquals(0.01, firstHeaders.get(0).value().getBias(), 1e-15);
        assertTrue(firstHeaders.get(0).value().getNamedWeights().isEmpty(), "named weights live in parts");
        List<TestRecord<String, ModelSnapshotPart>> first = parts.readRecordsToList();
        assertEquals(1, first.size());
        assertEquals("m\u00000\u00000", first.get(0).key(), "the base of generation 0");
        assertEquals(List.of("a"), first.get(0).value().getNamed().getNames());
        assertEquals(0.01, first.get(0).value().getNamed().getWeights().get(0), 1e-15);
        assertEquals(1L, first.get(0).value().getNamed().getLastSteps().get(0));

        harness.send("m", event(Map.of("b", 2.0), 1.0), 2L);
        List<TestRecord<String, ModelSnapshot>> secondHeaders = headers.readRecordsToList();
        assertEquals(1, secondHeaders.size());
        assertEquals(2, secondHeaders.get(0).value().getVersion());
        assertEquals(0.0289, secondHeaders.get(0).value().getBias(), 1e-15);
        // Only what event 2 changed, weight b (not a, which it did not carry), in the generation's next part.
        List<TestRecord<String, ModelSnapshotPart>> second = parts.readRecordsToList();
        assertEquals(1, second.size());
        assertEquals("m\u00000\u00001", second.get(0).key());
        assertEquals(List.of("b"), second.get(0).value().getNamed().getNames());
        assertEquals(0.0198, second.get(0).value().getNamed().getWeights().get(0), 1e-15);
    }

    @Test
    void shouldReadTheModelInMemoryAsTheLastEventLeftItWithItsWeightsBroughtUpToDate() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        WorkingModelStore store = workingModels();
        assertEquals(Optional.empty(), store.read("m", view -> view.model().version()), "nothing learned yet");

        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        harness.send("m", event(Map.of("b", 2.0), 1.0), 2L);

        // After event 2 (see the class comment): w_a is stored as of update 1 (0.01, velocity −0.01); brought up to
        // update 2 it is 0.01 + 0.9·0.01 = 0.019. Score of {a: 1, b: 1}: 0.019 + 0.0198 + 0.0289 = 0.0677.
        double score = store.read("m", view -> view.model().version() == 2 && view.lastEventTimestamp() == 2L
                ? harness.config.learner().currentScore(view.model(),
                        io.inertia.model.Example.of(null, Map.of("a", 1.0, "b", 1.0), 0.0, 1.0), new double[2])
                : Double.NaN).orElseThrow();
        assertEquals(0.0677, score, 1e-15);
        assertEquals(Optional.empty(), store.read("other", view -> view.model().version()));
    }

    @Test
    void shouldMakeAReaderWaitWhileTheLearnerChangesTheModel() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        WorkingModel working = store.get("m");

        long stamp = working.lock.writeLock();
        CompletableFuture<Long> read = CompletableFuture.supplyAsync(() ->
                store.read("m", view -> view.model().version()).orElseThrow());
        try {
            // Held for writing, as during an update: the read has not happened, however long it is given.
            assertThrows(java.util.concurrent.TimeoutException.class, () -> read.get(200, TimeUnit.MILLISECONDS));
        } finally {
            working.lock.unlockWrite(stamp);
        }
        assertEquals(1L, read.get(30, TimeUnit.SECONDS));
    }

    @Test
    void shouldDropAReadThatAnUpdateOverlappedAndReadAgain() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        AtomicInteger calls = new AtomicInteger();

        long seen = store.read("m", view -> {
            if (calls.incrementAndGet() == 1) {
                // The learner applies event 2 (timestamp 2) while this read is under way.
                harness.send("m", event(Map.of("b", 2.0), 1.0), 2L);
            }
            // The first attempt sees version 2 but the timestamp of version 1: a mix that must never be answered.
            return view.model().version() * 10 + view.lastEventTimestamp();
        }).orElseThrow();

        assertEquals(22L, seen, "version 2 with its own timestamp");
        assertEquals(2, calls.get());
    }

    @Test
    void shouldThrowOnlyWhatAReadThatNoUpdateOverlappedThrew() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        AtomicInteger calls = new AtomicInteger();

        long version = store.read("m", view -> {
            if (calls.incrementAndGet() == 1) {
                harness.send("m", event(Map.of("b", 2.0), 1.0), 2L);
                // What a reading may do on a model half changed (an index past an array the learner just replaced).
                throw new ArrayIndexOutOfBoundsException("torn read");
            }
            return view.model().version();
        }).orElseThrow();
        assertEquals(2L, version);

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> store.read("m", view -> {
            throw new IllegalArgumentException("dense vector has 3 features but the model has 0");
        }));
        assertEquals("dense vector has 3 features but the model has 0", refused.getMessage());
    }

    @Test
    void shouldReadUnderTheReadLockWhenUpdatesOverlapEveryOptimisticRead() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        WorkingModel working = store.get("m");
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger locked = new AtomicInteger();

        long timestamp = store.read("m", view -> {
            calls.incrementAndGet();
            long stamp = working.lock.tryWriteLock();
            if (stamp == 0) {
                // Only a read that holds the read lock keeps a writer out.
                locked.incrementAndGet();
            } else {
                working.lastEventTimestamp++;
                working.lock.unlockWrite(stamp);
            }
            return view.lastEventTimestamp();
        }).orElseThrow();

        assertEquals(WorkingModelStore.OPTIMISTIC_ATTEMPTS + 1, calls.get());
        assertEquals(1, locked.get());
        assertEquals(1L + WorkingModelStore.OPTIMISTIC_ATTEMPTS, timestamp, "as the last write left it");
    }

    @Test
    void shouldNeverAnswerAModelHalfUpdatedWhileTheLearnerWritesOnAnotherThread() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        WorkingModel working = store.get("m");
        working.lastEventTimestamp = working.model.version();
        io.inertia.model.OnlineLearner learner = harness.config.learner();
        io.inertia.model.Example example = io.inertia.model.Example.of(null, Map.of("a", 1.0, "b", 2.0), 1.0, 1.0);
        AtomicBoolean stop = new AtomicBoolean();
        // As the stream thread does: an update and the header facts that go with it, under the write lock.
        Thread writer = new Thread(() -> {
            while (!stop.get()) {
                long stamp = working.lock.writeLock();
                try {
                    learner.learn(working.model, example);
                    working.lastEventTimestamp = working.model.version();
                } finally {
                    working.lock.unlockWrite(stamp);
                }
            }
        });
        writer.start();
        long mixed = 0;
        long reads = 0;
        try {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < until) {
                // The view's timestamp is read before the reading runs, the version in it: equal at one version.
                if (!store.read("m", view -> view.lastEventTimestamp() == view.model().version()).orElseThrow()) {
                    mixed++;
                }
                reads++;
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals(0, mixed, "reads that mixed two versions, of " + reads);
        assertTrue(working.model.version() > 100, "the writer ran: version " + working.model.version());
    }

    @Test
    void shouldRefuseToReadFromAClosedStore() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();
        assertTrue(store.read("m", view -> view.model().version()).isPresent());

        harness.close();
        harness = null;

        assertFalse(store.isOpen());
        assertThrows(InvalidStateStoreException.class, () -> store.read("m", view -> view.model().version()));
    }

    @Test
    void shouldFailAReadDuringWhichTheStoreWasReset() throws Exception {
        harness = TopologyHarness.of(InertiaConfig.defaults(), stateDirs);
        harness.send("m", event(Map.of("a", 1.0), 1.0), 1L);
        WorkingModelStore store = workingModels();

        // Every model dropped while a reader holds one (a rebalance, or an abort that closes the task dirty).
        assertThrows(InvalidStateStoreException.class, () -> store.read("m", view -> {
            store.clearCache();
            return view.model().version();
        }));
        assertEquals(Optional.empty(), store.read("m", view -> view.model().version()), "read from the stores now");
    }

    private WorkingModelStore workingModels() {
        return (WorkingModelStore) harness.driver.getStateStore(WorkingModelStore.NAME);
    }

    private static LabeledEvent event(Map<String, Double> features, double label) {
        return LabeledEvent.newBuilder().setModelKey("m").setNamedFeatures(features).setLabel(label).build();
    }
}
