package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.model.Example;
import io.inertia.model.LinearModel;
import io.inertia.model.OnlineLearner;
import io.inertia.runtime.LearnerApplication;
import io.inertia.serde.InertiaSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Inertia's topology on a real in-process KRaft broker, with exactly_once_v2 and read_committed readers. */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LearnerIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    // True weights chosen here, independently of the code under test.
    private static final Map<String, double[]> TRUTH = Map.of(
            "alpha", new double[] {1.5, -0.7, 0.2},
            "beta", new double[] {-2.0, 0.4, -1.0});

    private static EmbeddedKafka kafka;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(1);
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    @Test
    void shouldConvergeWithGaplessSnapshotVersionsForTwoModelsOnFourPartitions() throws Exception {
        InertiaConfig config = config("converge", 4, 200);
        List<LabeledEvent> events = events(6000, 1);
        produce(config, events);
        try (LearnerApplication learner = new LearnerApplication(config)) {
            learner.start();
            Map<String, List<ModelSnapshot>> snapshots = readSnapshotsUntil(config, learner,
                    Map.of("alpha", 6000L, "beta", 6000L));
            for (String key : TRUTH.keySet()) {
                ModelSnapshot last = assertGaplessAndExact(config, key, snapshots.get(key), events, 200, 6000);
                double[] truth = TRUTH.get(key);
                assertEquals(truth[0], last.getNamedWeights().get("x1"), 0.05, key + " x1");
                assertEquals(truth[1], last.getNamedWeights().get("x2"), 0.05, key + " x2");
                assertEquals(truth[2], last.getBias(), 0.05, key + " bias");
            }
        }
    }

    @Test
    void shouldContinueFromStoredModelAfterRestartMidStream() throws Exception {
        InertiaConfig config = config("restart", 2, 100);
        List<LabeledEvent> events = events(4000, 2);
        int half = events.size() / 2;
        produce(config, events.subList(0, half));
        try (LearnerApplication first = new LearnerApplication(config)) {
            first.start();
            readSnapshotsUntil(config, first, Map.of("alpha", 2000L, "beta", 2000L));
        }
        // The second half arrives while no learner runs; a new instance with an empty state directory must restore
        // the models from the changelog and continue them, not start from zero.
        produce(config, events.subList(half, events.size()));
        InertiaConfig restarted = config.with(Map.of(StreamsConfig.STATE_DIR_CONFIG,
                stateDir.resolve("second").toString()));
        try (LearnerApplication second = new LearnerApplication(restarted)) {
            second.start();
            Map<String, List<ModelSnapshot>> snapshots = readSnapshotsUntil(config, second,
                    Map.of("alpha", 4000L, "beta", 4000L));
            for (String key : TRUTH.keySet()) {
                assertGaplessAndExact(config, key, snapshots.get(key), events, 100, 4000);
            }
            assertTrue(second.progress().learnedCount() >= half,
                    "the second instance learned the second half: " + second.progress().learnedCount());
        }
    }

    /**
     * Producing at once to topics that Inertia just created must deliver every event. Before the partitions were
     * probed, an idempotent producer's first batch could hit a leader that had not opened its partition yet; a later
     * batch then landed first and the first one was refused as out of order until it expired (KAFKA-15591).
     */
    @Test
    void shouldDeliverEveryEventProducedRightAfterTopicsAreCreated() throws Exception {
        for (int round = 0; round < 4; round++) {
            InertiaConfig config = config("fresh" + round, 4, 100);
            io.inertia.runtime.KafkaSetup.ensureTopics(config);
            Properties properties = kafka.clientProperties();
            properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
            properties.put(ProducerConfig.BATCH_SIZE_CONFIG, "1024"); // many small requests in flight at once
            properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
            properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties, new StringSerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < 4000; i++) {
                    sent.add(producer.send(new ProducerRecord<>(config.inputTopic(), "m" + (i % 16), new byte[64])));
                }
                producer.flush();
            }
            int round1 = round;
            for (Future<RecordMetadata> result : sent) {
                try {
                    result.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("round " + round1 + ": an event was not delivered", e.getCause());
                }
            }
            List<TopicPartition> partitions = IntStream.range(0, 4)
                    .mapToObj(partition -> new TopicPartition(config.inputTopic(), partition)).toList();
            long total = kafka.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
            assertEquals(4000, total, "events in the topic after round " + round);
        }
    }

    /**
     * {@code inertia produce} checks every send: one event in the middle of the file that the topic refuses (larger
     * than its {@code max.message.bytes}) fails the command with the count, while the others are delivered.
     */
    @Test
    void shouldFailProduceNamingHowManyEventsWereNotDelivered() throws Exception {
        String topic = "oversize-events";
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "20000")))).all().get(30, TimeUnit.SECONDS);
        }
        // Produce only once the leader serves the partition (see the test above).
        EmbeddedKafka.await(WAIT, "the leader of " + topic, () -> {
            try {
                kafka.endOffsets(List.of(new TopicPartition(topic, 0)));
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        StringBuilder lines = new StringBuilder();
        for (int row = 0; row < 30; row++) {
            StringBuilder features = new StringBuilder("\"x\": " + row);
            if (row == 10) { // about 2,000 features of 18+ bytes each: far over 20,000 bytes as one record
                for (int f = 0; f < 2000; f++) {
                    features.append(", \"feature-").append(f).append("\": 1.5");
                }
            }
            lines.append("{\"y\": ").append(row).append(", \"features\": {").append(features).append("}}\n");
        }
        Path input = stateDir.resolve("oversize.jsonl");
        java.nio.file.Files.writeString(input, lines);
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int status;
        try (java.io.PrintWriter outWriter = new java.io.PrintWriter(out, true);
                java.io.PrintWriter errWriter = new java.io.PrintWriter(err, true)) {
            status = io.inertia.cli.InertiaCommand.execute(outWriter, errWriter, "produce", "--bootstrap-servers",
                    kafka.bootstrapServers(), "--input", input.toString(), "--label", "y", "--model-key", "m",
                    "--topic", topic);
        }
        assertEquals(1, status, out + "\n" + err);
        assertTrue(err.toString().contains("1 of 30 events sent to '" + topic + "' were not delivered"), err.toString());
        assertEquals(29, kafka.endOffsets(List.of(new TopicPartition(topic, 0))).get(new TopicPartition(topic, 0)),
                "the other events are in the topic");
    }

    /**
     * The snapshot versions of {@code key} are exactly every, 2·every, … last (no gap, no duplicate), and the last
     * snapshot equals the model that the same events, applied in order and once each, give the learning core directly.
     */
    private static ModelSnapshot assertGaplessAndExact(InertiaConfig config, String key, List<ModelSnapshot> snapshots,
            List<LabeledEvent> events, long every, long lastVersion) {
        List<Long> versions = snapshots.stream().map(ModelSnapshot::getVersion).toList();
        assertEquals(LongStream.rangeClosed(1, lastVersion / every).map(i -> i * every).boxed().toList(), versions,
                "versions of " + key);
        ModelSnapshot last = snapshots.get(snapshots.size() - 1);
        OnlineLearner learner = config.learner();
        LinearModel model = learner.newModel();
        for (LabeledEvent event : events) {
            if (event.getModelKey().equals(key)) {
                learner.learn(model, Example.of(null, event.getNamedFeatures(), event.getLabel(), 1.0));
            }
        }
        assertEquals(model.version(), last.getVersion());
        assertEquals(model.namedSlots().get("x1")[0], last.getNamedWeights().get("x1"), 0.0, key + " x1 exact");
        assertEquals(model.namedSlots().get("x2")[0], last.getNamedWeights().get("x2"), 0.0, key + " x2 exact");
        assertEquals(model.bias(), last.getBias(), 0.0, key + " bias exact");
        return last;
    }

    private InertiaConfig config(String name, int partitions, int snapshotEvery) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", name + "-labeled-events");
        settings.put("inertia.topic.snapshots", name + "-model-snapshots");
        settings.put("inertia.topic.dead-letters", name + "-dead-letters");
        settings.put("inertia.topic.partitions", Integer.toString(partitions));
        settings.put("inertia.snapshot-every", Integer.toString(snapshotEvery));
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, "it-" + name);
        settings.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve("first").toString());
        settings.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
        return InertiaConfig.of(kafka.settings(settings));
    }

    /** {@code perModel} events for each model, interleaved, y = w·x + b + N(0, 0.05²), seeded. */
    private static List<LabeledEvent> events(int perModel, long seed) {
        Random random = new Random(seed);
        List<LabeledEvent> events = new ArrayList<>();
        for (int i = 0; i < perModel; i++) {
            for (String key : new TreeMap<>(TRUTH).keySet()) {
                double[] w = TRUTH.get(key);
                double x1 = random.nextGaussian();
                double x2 = random.nextGaussian();
                double y = w[0] * x1 + w[1] * x2 + w[2] + 0.05 * random.nextGaussian();
                events.add(LabeledEvent.newBuilder().setModelKey(key).setNamedFeatures(Map.of("x1", x1, "x2", x2))
                        .setLabel(y).build());
            }
        }
        return events;
    }

    private static void produce(InertiaConfig config, List<LabeledEvent> events) throws Exception {
        io.inertia.runtime.KafkaSetup.ensureTopics(config);
        Properties properties = kafka.clientProperties();
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        var serde = InertiaSerdes.labeledEvent();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new ByteArraySerializer())) {
            for (LabeledEvent event : events) {
                sent.add(producer.send(new ProducerRecord<>(config.inputTopic(), event.getModelKey(),
                        serde.serialize(config.inputTopic(), event))));
            }
            producer.flush();
        }
        // A send that failed must fail here, not as a learner that waits for events that never arrived.
        for (Future<RecordMetadata> result : sent) {
            result.get();
        }
    }

    /** Every committed snapshot, per model in topic order, read until each model in {@code until} reached its version. */
    private static Map<String, List<ModelSnapshot>> readSnapshotsUntil(InertiaConfig config,
            LearnerApplication learner, Map<String, Long> until) throws InterruptedException {
        Properties properties = kafka.clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        var serde = InertiaSerdes.modelSnapshot();
        Map<String, List<ModelSnapshot>> snapshots = new TreeMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(config.snapshotTopic()).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            EmbeddedKafka.await(WAIT, () -> "snapshots reaching " + until + "; got to " + highestVersions(snapshots)
                    + "; " + learnerState(config, learner), () -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    ModelSnapshot snapshot = serde.deserialize(record.topic(), record.value());
                    assertEquals(record.key(), snapshot.getModelKey());
                    snapshots.computeIfAbsent(snapshot.getModelKey(), k -> new ArrayList<>()).add(snapshot);
                }
                return until.entrySet().stream().allMatch(goal -> snapshots.getOrDefault(goal.getKey(), List.of())
                        .stream().anyMatch(s -> s.getVersion() >= goal.getValue()));
            });
        }
        return snapshots;
    }

    private static Map<String, Long> highestVersions(Map<String, List<ModelSnapshot>> snapshots) {
        Map<String, Long> highest = new TreeMap<>();
        snapshots.forEach((key, list) -> highest.put(key, list.get(list.size() - 1).getVersion()));
        return highest;
    }

    /** What the learner did, for a failure message: its state and counts, and its committed input offsets. */
    private static String learnerState(InertiaConfig config, LearnerApplication learner) {
        String state = "learner " + learner.state() + ", learned " + learner.progress().learnedCount() + ", rejected "
                + learner.progress().rejectedCount();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                    config.kafka().get(StreamsConfig.APPLICATION_ID_CONFIG)).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, Long> latest = kafka.endOffsets(committed.keySet());
            Map<String, String> offsets = new TreeMap<>();
            committed.forEach((partition, offset) -> offsets.put(partition.toString(),
                    (offset == null ? "none" : Long.toString(offset.offset())) + "/" + latest.get(partition)));
            return state + ", committed/end offsets " + offsets;
        } catch (Exception e) {
            return state + ", offsets unavailable: " + e;
        }
    }
}
