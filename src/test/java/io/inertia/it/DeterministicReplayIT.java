package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import io.inertia.replay.InitialModels;
import io.inertia.replay.Replay;
import io.inertia.replay.SnapshotBodies;
import io.inertia.runtime.LearnerApplication;
import io.inertia.runtime.TopicRange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replaying a topic rebuilds the same models: a second learner with a new application id, reading the same input
 * topic from the beginning, publishes per model the same sequence of snapshots, byte for byte, as the learner that
 * followed the topic live; and {@code inertia replay --topic} (the learner without Kafka Streams, {@link Replay})
 * writes the same snapshots, the same bytes of each Avro body; started from the live snapshot topic as it was
 * halfway, it publishes what the live learner published after that, byte for byte.
 *
 * <p>The two runs differ on purpose in everything that must not matter: the first learns while the events arrive (in
 * many small batches, committing every 100 ms, one stream thread, record caches on), the second reads the complete
 * topic (two stream threads, a commit every second, no record cache).
 */
@Tag("integration")
@Timeout(value = 175, unit = TimeUnit.SECONDS)
class DeterministicReplayIT {

    private static final long SEED = Long.getLong("inertia.it.seed", 4_242L);
    private static final List<String> MODELS = List.of("alpha", "beta", "gamma");
    private static final int PER_MODEL = 6000;
    private static final int EVENTS = PER_MODEL * MODELS.size();
    private static final int SNAPSHOT_EVERY = 250;
    /** Small, so that the live learner sees the input arrive in many pieces. */
    private static final int WINDOW = 800;
    private static final Duration PHASE = Duration.ofSeconds(90);
    private static final String INPUT = "replay-events";
    private static final String LIVE = "replay-live";
    private static final String REPLAY = "replay-again";

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    @Test
    void shouldRepublishTheSameSnapshotSequencesWhenANewApplicationOrAnOfflineReplayReplaysTheTopic() throws Exception {
        List<TrainingEvents.Event> events = TrainingEvents.generate(SEED, MODELS, PER_MODEL,
                System.currentTimeMillis(), INPUT);

        InertiaConfig live = config(LIVE, Map.of());
        Map<String, List<SnapshotLog.Entry>> first;
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, WINDOW);
                LearnerApplication learner = new LearnerApplication(live)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), live.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the live learner through every event",
                        () -> feeder.topUp(LIVE) == EVENTS && log.catchUp().reached(MODELS, PER_MODEL));
                first = log.byModel();
            }
        }
        cluster.log("the live learner is done");

        InertiaConfig replay = config(REPLAY, Map.of(
                StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2",
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000",
                StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "0"));
        Map<String, List<SnapshotLog.Entry>> second;
        try (LearnerApplication learner = new LearnerApplication(replay)) {
            learner.start();
            try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), replay.snapshotTopic(), true)) {
                EmbeddedKafka.await(PHASE, "the replaying learner through every event",
                        () -> log.catchUp().reached(MODELS, PER_MODEL));
                second = log.byModel();
            }
        }
        cluster.log("the replaying learner is done");

        // And offline: `inertia replay --topic` over the same input, without Kafka Streams, in this process.
        // Written as an Avro container file: its records are the snapshots' Avro bodies, byte for byte comparable.
        Path offline = work.resolve("replayed.avro");
        Replay.Summary summary = Replay.run(new Replay.TopicRequest(INPUT, TopicRange.Bound.unbounded(),
                TopicRange.Bound.unbounded(), offline, config("replay-offline", Map.of())));
        cluster.log("the offline replay is done: %s", summary);
        assertEquals(EVENTS, summary.events());
        assertEquals(0, summary.rejected());
        Map<String, List<byte[]>> replayed = avroBodiesByModel(offline);

        List<Long> versions = LongStream.rangeClosed(1, PER_MODEL / SNAPSHOT_EVERY).map(i -> i * SNAPSHOT_EVERY)
                .boxed().toList();
        assertEquals(MODELS, List.copyOf(first.keySet()), "models of the live learner");
        assertEquals(MODELS, List.copyOf(second.keySet()), "models of the replaying learner");
        for (String model : MODELS) {
            assertEquals(versions, first.get(model).stream().map(SnapshotLog.Entry::version).toList(),
                    "snapshot versions of " + model + " (live)");
            SnapshotLog.assertSameBytes(model + ": replay vs live",
                    SnapshotLog.values(first.get(model)), SnapshotLog.values(second.get(model)));
            // The offline replay's records: the same Avro bodies as the live records (after their 10-byte
            // single-object header).
            SnapshotLog.assertSameBytes(model + ": offline replay of the topic vs live",
                    SnapshotLog.values(first.get(model)).stream()
                            .map(value -> Arrays.copyOfRange(value, 10, value.length)).toList(),
                    replayed.get(model));
        }

        // Warm start: the live snapshot topic as it was halfway (the first half of each partition's records, copied
        // to a topic of its own) and a replay of the whole input from it. Each model skips its events up to its
        // snapshot's input position and publishes what the live learner published after it, byte for byte.
        String halfway = LIVE + "-halfway-snapshots";
        copyFirstHalf(first, halfway);
        InertiaConfig offlineConfig = config("replay-warm", Map.of());
        InitialModels initial = InitialModels.fromTopic(offlineConfig, halfway);
        assertEquals(MODELS.size(), initial.size(), "models in the halfway snapshots");
        Path warm = work.resolve("warm.avro");
        Replay.Summary warmSummary = Replay.run(new Replay.TopicRequest(INPUT, TopicRange.Bound.unbounded(),
                TopicRange.Bound.unbounded(), warm, offlineConfig), Replay.Extras.none(), initial);
        cluster.log("the warm-started replay is done: %s", warmSummary);
        Map<String, List<byte[]>> warmReplayed = avroBodiesByModel(warm);
        // A model at version v has learned its first v events, no more and no fewer: those are the ones skipped.
        assertEquals(initial.snapshots().stream().mapToLong(start -> start.header().getVersion()).sum(),
                warmSummary.skipped(), "events skipped");
        for (var start : initial.snapshots()) {
            String model = start.header().getModelKey();
            long from = start.header().getVersion();
            assertTrue(from > 0 && from < PER_MODEL, model + " starts halfway, at " + from);
            // A wrong position would skip an event or apply one twice: the bytes below would differ.
            assertEquals(INPUT, start.header().getInputPosition().getTopic(), model + ": input position");
            SnapshotLog.assertSameBytes(model + ": warm-started replay vs live after version " + from,
                    first.get(model).stream().filter(entry -> entry.version() > from)
                            .map(entry -> Arrays.copyOfRange(entry.value(), 10, entry.value().length)).toList(),
                    warmReplayed.get(model));
        }
    }

    /**
     * Copies, per partition, the first half of the records of {@code byModel} (the live snapshot topic) to the new
     * topic {@code topic}, same partitions, keys and values: the topic as it was at some moment of the live run.
     */
    private void copyFirstHalf(Map<String, List<SnapshotLog.Entry>> byModel, String topic) throws Exception {
        Map<Integer, List<SnapshotLog.Entry>> byPartition = new java.util.TreeMap<>();
        byModel.values().forEach(entries -> entries.forEach(entry ->
                byPartition.computeIfAbsent(entry.partition(), p -> new ArrayList<>()).add(entry)));
        cluster.admin().createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        Properties properties = cluster.kafka().clientProperties();
        // Not idempotent: a brand-new partition can lose an idempotent producer's first batch (KAFKA-15591).
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        long copied = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(properties, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (var partition : byPartition.entrySet()) {
                List<SnapshotLog.Entry> entries = new ArrayList<>(partition.getValue());
                entries.sort(java.util.Comparator.comparingLong(SnapshotLog.Entry::offset));
                for (SnapshotLog.Entry entry : entries.subList(0, entries.size() / 2)) {
                    producer.send(new ProducerRecord<>(topic, partition.getKey(),
                            entry.modelKey().getBytes(java.nio.charset.StandardCharsets.UTF_8), entry.value())).get();
                    copied++;
                }
            }
        }
        cluster.log("copied %d snapshot records to %s", copied, topic);
    }

    /** The snapshot bodies of a replay's Avro output by model key, as stored (see {@link SnapshotBodies}). */
    static Map<String, List<byte[]>> avroBodiesByModel(Path file) throws Exception {
        return SnapshotBodies.byModel(file);
    }

    /** Nesterov momentum with L2 over sparse named features, so that the lazy catch-up is part of what must agree. */
    private InertiaConfig config(String applicationId, Map<String, String> runtime) {
        Map<String, String> settings = KafkaFixture.application(applicationId, work);
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.partitions", "3");
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put("inertia.optimizer", "nesterov");
        settings.put("inertia.l2", "0.001");
        settings.putAll(runtime);
        return cluster.config(settings);
    }

}
