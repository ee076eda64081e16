package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inertia run} (exactly_once_v2, its default) in a child JVM, SIGKILLed several times while it learns and
 * restarted each time with the same application id and state directory, publishes exactly the snapshots of a run
 * that was never interrupted, and of the same records fed to the topology without a broker.
 *
 * <p>One incarnation commits only every 10 s and is killed inside an open transaction that already holds predictions
 * and snapshots; the test proves afterwards that those snapshots were written, never became visible to
 * read_committed readers, and were published again, byte for byte, by a later incarnation.
 */
@Tag("integration")
@Timeout(value = 175, unit = TimeUnit.SECONDS)
class ExactlyOnceCrashIT {

    /** Replay a run with {@code -Dinertia.it.seed=N}: events, kill moments and the open transaction's size. */
    private static final long SEED = Long.getLong("inertia.it.seed", 20_251_124L);
    private static final List<String> MODELS = List.of("alpha", "beta", "gamma");
    private static final int PER_MODEL = 7000;
    private static final int EVENTS = PER_MODEL * MODELS.size();
    private static final int SNAPSHOT_EVERY = 500;
    /** How far the input may run ahead of what the learner committed. */
    private static final int WINDOW = 3000;
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final String INPUT = "eos-events";
    private static final String CRASHED = "eos-crashed";
    private static final String REFERENCE = "eos-reference";
    private static final int PARTITIONS = 3;

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    @Test
    void shouldPublishTheUninterruptedModelsWhenKilledBetweenAndInsideTransactions() throws Exception {
        // Explicit timestamps, the same in every run below; they start now so that the broker's time-based retention
        // (7 days) keeps the records.
        List<TrainingEvents.Event> events = TrainingEvents.generate(SEED, MODELS, PER_MODEL,
                System.currentTimeMillis(), INPUT);
        InertiaConfig crashed = config(CRASHED);
        KafkaSetup.ensureTopics(crashed);

        Random moments = new Random(SEED);
        long firstKill = Math.round(EVENTS * (0.10 + 0.15 * moments.nextDouble()));
        int uncommittedPredictions = 300 + moments.nextInt(1200);
        double thirdKillShare = 0.55 + 0.20 * moments.nextDouble();
        cluster.log("seed %d: first kill at %d committed events, then inside a transaction holding >= %d predictions, "
                + "then at %.0f%% of %d events", SEED, firstKill, uncommittedPredictions, 100 * thirdKillShare, EVENTS);

        OpenTransaction killedInside = null;
        int kills = 0;
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, WINDOW)) {
            ChildLearner first = startLearner(Map.of());
            first.await(PHASE, "at least " + firstKill + " committed events", () -> feeder.topUp(CRASHED) >= firstKill);
            kill(first);
            kills++;

            // A commit only every 10 s (and a transaction timeout well above it), so that the transaction stays open
            // while the learner gets through the window of input.
            for (int attempt = 1; killedInside == null && attempt <= 3; attempt++) {
                ChildLearner slow = startLearner(Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "10000",
                        "producer.transaction.timeout.ms", "60000"));
                OpenTransaction[] seen = new OpenTransaction[1];
                slow.await(PHASE, "an open transaction with >= " + uncommittedPredictions
                        + " predictions and a snapshot",
                        () -> {
                            feeder.topUp(CRASHED);
                            seen[0] = openTransaction(crashed);
                            return seen[0].predictions() >= uncommittedPredictions && seen[0].snapshots() >= 1;
                        });
                kill(slow);
                kills++;
                if (stillOpen(crashed, seen[0])) {
                    killedInside = seen[0];
                    cluster.log("killed inside a transaction holding %d predictions and %d snapshots (%s)",
                            seen[0].predictions(), seen[0].snapshots(), seen[0].describe());
                } else {
                    cluster.log("attempt %d: the transaction committed just before the kill; trying again", attempt);
                }
            }
            assertNotNull(killedInside, "no kill landed inside an open transaction in 3 attempts");

            long thirdKill = Math.min(EVENTS - SNAPSHOT_EVERY,
                    Math.max(Math.round(EVENTS * thirdKillShare), feeder.committed(CRASHED) + SNAPSHOT_EVERY));
            ChildLearner third = startLearner(Map.of());
            third.await(PHASE, "at least " + thirdKill + " committed events", () -> feeder.topUp(CRASHED) >= thirdKill);
            kill(third);
            kills++;

            ChildLearner last = startLearner(Map.of());
            try (SnapshotLog committed = new SnapshotLog(cluster.bootstrapServers(), crashed.snapshotTopic(), true)) {
                last.await(PHASE, "every event committed and every model at version " + PER_MODEL,
                        () -> feeder.topUp(CRASHED) == EVENTS && committed.catchUp().reached(MODELS, PER_MODEL));
            }
            cluster.log("stopped %s with SIGTERM: exit %d", last, last.stop());
        }
        cluster.log("%d kills, %d incarnations; the crashed run is complete", kills, cluster.incarnations());
        assertTrue(kills >= 3, "killed " + kills + " times");

        Map<String, List<SnapshotLog.Entry>> crashedSnapshots;
        List<SnapshotLog.Entry> written;
        try (SnapshotLog committed = new SnapshotLog(cluster.bootstrapServers(), crashed.snapshotTopic(), true);
                SnapshotLog everything = new SnapshotLog(cluster.bootstrapServers(), crashed.snapshotTopic(), false)) {
            crashedSnapshots = committed.catchUp().byModel();
            written = everything.catchUp().entries();
        }
        for (String model : MODELS) {
            assertEquals(LongStream.rangeClosed(1, PER_MODEL / SNAPSHOT_EVERY).map(i -> i * SNAPSHOT_EVERY).boxed()
                            .toList(),
                    crashedSnapshots.get(model).stream().map(SnapshotLog.Entry::version).toList(),
                    "committed snapshot versions of " + model + ": each multiple of " + SNAPSHOT_EVERY + " once");
        }
        assertAbortedAndRepublished(killedInside, written, crashedSnapshots);
        cluster.log("%d snapshot records written, %d committed", written.size(),
                crashedSnapshots.values().stream().mapToInt(List::size).sum());

        Map<String, List<SnapshotLog.Entry>> uninterrupted = uninterruptedRun();
        cluster.log("uninterrupted run done");
        Map<String, List<byte[]>> withoutBroker = LocalReference.snapshotsByModel(crashed, events.size());
        cluster.log("local learner run done");
        for (String model : MODELS) {
            List<byte[]> crashedBytes = SnapshotLog.values(crashedSnapshots.get(model));
            SnapshotLog.assertSameBytes(model + ": crashed run vs uninterrupted run",
                    SnapshotLog.values(uninterrupted.get(model)), crashedBytes);
            SnapshotLog.assertSameBytes(model + ": crashed run vs local learner", withoutBroker.get(model),
                    crashedBytes);
            assertArrayEquals(withoutBroker.get(model).get(withoutBroker.get(model).size() - 1),
                    crashedBytes.get(crashedBytes.size() - 1), model + ": final snapshot");
        }
    }

    @Test
    void shouldRepublishTheSameSnapshotsWhenTheOpenTransactionIsFencedAndAborted() throws Exception {
        // An abort without a crash: another producer takes over the learner's transactional id, which makes the
        // coordinator abort the learner's open transaction. The learner, still running, is fenced on its next send or
        // commit, closes its tasks dirty (their stores wiped and restored, the working models dropped), rejoins and
        // relearns from the committed offsets.
        int perModel = 3000;
        List<TrainingEvents.Event> events = TrainingEvents.generate(SEED + 1, MODELS, perModel,
                System.currentTimeMillis(), INPUT);
        InertiaConfig learner = config(CRASHED);
        KafkaSetup.ensureTopics(learner);
        OpenTransaction fenced = null;
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, WINDOW)) {
            ChildLearner running = startLearner(Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "10000",
                    "producer.transaction.timeout.ms", "60000"));
            for (int attempt = 1; fenced == null && attempt <= 3; attempt++) {
                OpenTransaction[] seen = new OpenTransaction[1];
                running.await(PHASE, "an open transaction with predictions and a snapshot", () -> {
                    feeder.topUp(CRASHED);
                    seen[0] = openTransaction(learner);
                    return feeder.committed(CRASHED) > 0 && seen[0].predictions() >= 500 && seen[0].snapshots() >= 1;
                });
                java.util.Optional<String> ongoing = get(cluster.admin().listTransactions().all()).stream()
                        .filter(listing -> listing.transactionalId().startsWith(CRASHED + "-")
                                && listing.state() == TransactionState.ONGOING)
                        .map(TransactionListing::transactionalId).findFirst();
                if (ongoing.isEmpty()) {
                    // The transaction seen open committed in between, and the next has not sent anything yet.
                    cluster.log("attempt %d: no ongoing transaction of %s any more; trying again", attempt, CRASHED);
                    continue;
                }
                String transactionalId = ongoing.get();
                Properties fencing = cluster.kafka().clientProperties();
                fencing.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        transactionalId);
                try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(fencing,
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    producer.initTransactions();
                }
                if (committedAny(learner, seen[0])) {
                    cluster.log("attempt %d: the transaction committed just before the fencing; trying again", attempt);
                } else {
                    fenced = seen[0];
                    cluster.log("fenced %s holding %d predictions and %d snapshots (%s)", transactionalId,
                            fenced.predictions(), fenced.snapshots(), fenced.describe());
                }
            }
            assertNotNull(fenced, "no fencing landed on an open transaction in 3 attempts");
            try (SnapshotLog committed = new SnapshotLog(cluster.bootstrapServers(), learner.snapshotTopic(), true)) {
                running.await(PHASE, "every event committed and every model at version " + perModel,
                        () -> feeder.topUp(CRASHED) == events.size() && committed.catchUp().reached(MODELS, perModel));
            }
            assertTrue(running.isAlive(), "the fenced learner recovered without a restart");
            cluster.log("stopped %s with SIGTERM: exit %d", running, running.stop());
        }
        Map<String, List<SnapshotLog.Entry>> committed;
        List<SnapshotLog.Entry> written;
        try (SnapshotLog read = new SnapshotLog(cluster.bootstrapServers(), learner.snapshotTopic(), true);
                SnapshotLog everything = new SnapshotLog(cluster.bootstrapServers(), learner.snapshotTopic(), false)) {
            committed = read.catchUp().byModel();
            written = everything.catchUp().entries();
        }
        assertAbortedAndRepublished(fenced, written, committed);
        Map<String, List<byte[]>> withoutBroker = LocalReference.snapshotsByModel(learner, events.size());
        for (String model : MODELS) {
            assertEquals(LongStream.rangeClosed(1, perModel / SNAPSHOT_EVERY).map(i -> i * SNAPSHOT_EVERY).boxed()
                            .toList(),
                    committed.get(model).stream().map(SnapshotLog.Entry::version).toList(),
                    "committed snapshot versions of " + model);
            SnapshotLog.assertSameBytes(model + ": fenced run vs local learner", withoutBroker.get(model),
                    SnapshotLog.values(committed.get(model)));
        }
    }

    /** Whether a snapshot record of the transaction {@code seen} became visible to read_committed readers. */
    private boolean committedAny(InertiaConfig config, OpenTransaction seen) {
        try (SnapshotLog committed = new SnapshotLog(cluster.bootstrapServers(), config.snapshotTopic(), true)) {
            return committed.catchUp().entries().stream().anyMatch(seen::holds);
        }
    }

    /**
     * The snapshots the transaction killed open held were written (read_uncommitted sees them), are not among the
     * committed ones, and equal, byte for byte, the committed snapshot of the same model and version that a later
     * incarnation published after relearning the same events.
     */
    private static void assertAbortedAndRepublished(OpenTransaction killedInside, List<SnapshotLog.Entry> written,
            Map<String, List<SnapshotLog.Entry>> committed) {
        Set<String> committedPositions = committed.values().stream().flatMap(List::stream)
                .map(entry -> entry.partition() + "@" + entry.offset()).collect(Collectors.toCollection(HashSet::new));
        List<SnapshotLog.Entry> aborted = written.stream().filter(killedInside::holds).toList();
        assertEquals(killedInside.snapshots(), aborted.size(), "snapshot records of the killed transaction");
        for (SnapshotLog.Entry entry : aborted) {
            assertFalse(committedPositions.contains(entry.partition() + "@" + entry.offset()),
                    "a snapshot of the killed transaction became visible: " + entry.modelKey() + " v"
                            + entry.version());
            SnapshotLog.Entry republished = committed.get(entry.modelKey()).stream()
                    .filter(other -> other.version() == entry.version()).findFirst()
                    .orElseThrow(() -> new AssertionError("version " + entry.version() + " of " + entry.modelKey()
                            + " was never committed"));
            assertArrayEquals(republished.value(), entry.value(), "relearned snapshot " + entry.modelKey() + " v"
                    + entry.version() + " equals the aborted one");
        }
    }

    /** The same input learned by an in-process learner with its own application id, never interrupted. */
    private Map<String, List<SnapshotLog.Entry>> uninterruptedRun() throws Exception {
        InertiaConfig reference = config(REFERENCE);
        try (LearnerApplication learner = new LearnerApplication(reference)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), reference.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the uninterrupted run reaching version " + PER_MODEL,
                        () -> log.catchUp().reached(MODELS, PER_MODEL));
                return log.byModel();
            }
        }
    }

    private ChildLearner startLearner(Map<String, String> extra) throws Exception {
        List<String> arguments = List.of("--application-id", CRASHED, "--state-dir", work.resolve(CRASHED).toString());
        Map<String, String> properties = new LinkedHashMap<>(learnerSettings(CRASHED));
        // A SIGKILLed member stays in the group until its session times out; the broker's minimum keeps restarts short.
        properties.put("session.timeout.ms", "6000");
        properties.put("heartbeat.interval.ms", "1000");
        properties.put("inertia.progress-interval-ms", "1000");
        properties.putAll(extra);
        ChildLearner learner = cluster.startIncarnation(work, arguments, properties, ChildLearner.DEFAULT_HEAP);
        cluster.log("started %s%s", learner, extra.isEmpty() ? "" : " with " + extra);
        return learner;
    }

    private void kill(ChildLearner learner) throws InterruptedException {
        assertEquals(ChildLearner.KILLED, learner.kill(), learner + " ends by SIGKILL (exit 128 + 9)");
        cluster.log("SIGKILLed %s", learner);
    }

    /**
     * Records of the learner's open transaction: per partition of the snapshot topic the range from the last stable
     * offset (where the open transaction starts) to the high watermark, and the number of uncommitted predictions.
     * The high watermarks are read first, so that a commit in between can only make the ranges smaller.
     */
    private OpenTransaction openTransaction(InertiaConfig config) {
        Map<TopicPartition, Long> snapshotEnds = ends(config.snapshotTopic(), IsolationLevel.READ_UNCOMMITTED);
        Map<TopicPartition, Long> predictionEnds = ends(config.predictionTopic(), IsolationLevel.READ_UNCOMMITTED);
        Map<TopicPartition, Long> snapshotStable = ends(config.snapshotTopic(), IsolationLevel.READ_COMMITTED);
        Map<TopicPartition, Long> predictionStable = ends(config.predictionTopic(), IsolationLevel.READ_COMMITTED);
        Map<Integer, long[]> ranges = new TreeMap<>();
        snapshotEnds.forEach((partition, end) -> {
            long stable = snapshotStable.get(partition);
            if (end > stable) {
                ranges.put(partition.partition(), new long[] {stable, end});
            }
        });
        long predictions = predictionEnds.entrySet().stream()
                .mapToLong(end -> Math.max(0, end.getValue() - predictionStable.get(end.getKey()))).sum();
        return new OpenTransaction(ranges, predictions);
    }

    /**
     * Whether the transaction seen before the kill is still open after it, and so will be aborted: the last stable
     * offsets have not moved past its snapshots, and the coordinator never got its commit request (still ONGOING).
     */
    private boolean stillOpen(InertiaConfig config, OpenTransaction seen) {
        Map<TopicPartition, Long> stable = ends(config.snapshotTopic(), IsolationLevel.READ_COMMITTED);
        boolean lsoHeld = seen.snapshotRanges().entrySet().stream()
                .allMatch(range -> stable.get(new TopicPartition(config.snapshotTopic(), range.getKey()))
                        <= range.getValue()[0]);
        List<TransactionState> states = get(cluster.admin().listTransactions().all()).stream()
                .filter(listing -> listing.transactionalId().startsWith(CRASHED + "-"))
                .map(TransactionListing::state).toList();
        cluster.log("after the kill: last stable offsets %s, transaction states %s", stable, states);
        return lsoHeld && states.contains(TransactionState.ONGOING)
                && !states.contains(TransactionState.PREPARE_COMMIT);
    }

    private Map<TopicPartition, Long> ends(String topic, IsolationLevel isolation) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            request.put(new TopicPartition(topic, partition), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
        get(cluster.admin().listOffsets(request, new ListOffsetsOptions(isolation)).all())
                .forEach((partition, info) -> ends.put(partition, info.offset()));
        return ends;
    }

    private static <T> T get(KafkaFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Learning and topic settings shared by every run, plus the per-application topics. */
    private Map<String, String> learnerSettings(String applicationId) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.partitions", Integer.toString(PARTITIONS));
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put("inertia.topic.snapshots", applicationId + "-snapshots");
        settings.put("inertia.topic.predictions", applicationId + "-predictions");
        settings.put("inertia.topic.dead-letters", applicationId + "-dead-letters");
        return settings;
    }

    private InertiaConfig config(String applicationId) {
        Map<String, String> settings = learnerSettings(applicationId);
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve(applicationId).toString());
        return cluster.config(settings);
    }

    /**
     * What a learner's open transaction held when it was seen.
     *
     * @param snapshotRanges per snapshot partition number, [first offset of the open transaction, high watermark)
     * @param predictions uncommitted prediction records
     */
    private record OpenTransaction(Map<Integer, long[]> snapshotRanges, long predictions) {

        long snapshots() {
            return snapshotRanges.values().stream().mapToLong(range -> range[1] - range[0]).sum();
        }

        boolean holds(SnapshotLog.Entry entry) {
            long[] range = snapshotRanges.get(entry.partition());
            return range != null && entry.offset() >= range[0] && entry.offset() < range[1];
        }

        String describe() {
            return snapshotRanges.entrySet().stream()
                    .map(range -> "partition " + range.getKey() + " offsets " + range.getValue()[0] + ".."
                            + (range.getValue()[1] - 1))
                    .collect(Collectors.joining(", "));
        }
    }
}
