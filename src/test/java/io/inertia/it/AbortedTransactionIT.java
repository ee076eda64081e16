package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.runtime.AbortCountingClientSupplier;
import io.inertia.runtime.ForwardingProducer;
import io.inertia.runtime.KafkaSetup;
import io.inertia.runtime.LearnerApplication;
import io.inertia.serde.InertiaSerdes;
import io.inertia.topology.InertiaTopology;
import io.inertia.topology.LearningObserver;
import io.inertia.topology.TransactionAborts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.streams.KafkaClientSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lost snapshot version of issue 16, forced: the stream thread's transaction is aborted right after it took a
 * due snapshot, while the task that published the snapshot goes on, as Kafka Streams 4.3 does when it closes another
 * task of the same thread dirty during a rebalance ({@code TaskManager.handleCorruption} skips committing the healthy
 * tasks while a rebalance is in progress, then {@code RecordCollectorImpl.closeDirty} aborts the shared transaction).
 * That interleaving is not reachable through Kafka's public API, so the test produces its effect at the one place it
 * can: the thread's producer (the production one, which counts the abort) aborts and begins a new transaction just
 * after the snapshot record was sent, exactly as Kafka Streams' own abort would leave it.
 *
 * <p>Without Inertia's guard the task learns on, commits its input offsets past the aborted events and the
 * {@code read_committed} reader never sees that snapshot version. With it, the task refuses to go on, Kafka Streams
 * rebuilds the thread's tasks from their last commit, and every snapshot is published once, in order, byte for byte
 * what an uninterrupted local run publishes.
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AbortedTransactionIT {

    private static final String INPUT = "labeled-events";
    private static final int PARTITIONS = 2;
    private static final int PER_MODEL = 400;
    private static final int SNAPSHOT_EVERY = 50;
    /** The snapshot whose transaction is aborted under its task. */
    private static final long ABORTED_VERSION = 150;
    private static final Duration PHASE = Duration.ofSeconds(120);

    @RegisterExtension
    final KafkaFixture cluster = KafkaFixture.brokers(1);

    @TempDir
    Path work;

    private KafkaStreams streams;

    @Test
    void shouldPublishEverySnapshotOnceWhenTheTransactionOfADueSnapshotIsAbortedUnderItsTask() throws Exception {
        List<String> models = List.of(keyOnPartition(0), keyOnPartition(1));
        List<TrainingEvents.Event> events = TrainingEvents.generate(16L, models, PER_MODEL, 1_000_000L, INPUT);
        InertiaConfig config = config();
        KafkaSetup.ensureTopics(config);
        try (EventFeeder feeder = new EventFeeder(cluster.bootstrapServers(), INPUT, events, events.size())) {
            feeder.sendAll();
        }

        TransactionAborts aborts = new TransactionAborts();
        AbortAfterSnapshot injector = new AbortAfterSnapshot(new AbortCountingClientSupplier(aborts),
                config.snapshotTopic(), models.get(0), ABORTED_VERSION);
        Properties properties = LearnerApplication.streamsProperties(config);
        streams = new KafkaStreams(InertiaTopology.build(config, LearningObserver.NONE, PARTITIONS, aborts),
                properties, injector);
        streams.start();
        EmbeddedKafka.await(PHASE, "every event learned and committed", () -> committed("aborted") == events.size());
        assertEquals(1, injector.injected.get(), "the transaction was aborted once, after snapshot "
                + ABORTED_VERSION + " of " + models.get(0));

        Map<String, List<byte[]>> reference = LocalReference.snapshotsByModel(config, events.size());
        try (SnapshotLog log = new SnapshotLog(cluster.bootstrapServers(), config.snapshotTopic(), true)) {
            EmbeddedKafka.await(PHASE, "every snapshot committed", () -> log.catchUp().reached(models, PER_MODEL));
            Map<String, List<SnapshotLog.Entry>> live = log.byModel();
            for (String model : models) {
                List<Long> versions = live.get(model).stream().map(SnapshotLog.Entry::version).toList();
                List<Long> expected = new ArrayList<>();
                for (long version = SNAPSHOT_EVERY; version <= PER_MODEL; version += SNAPSHOT_EVERY) {
                    expected.add(version);
                }
                assertEquals(expected, versions, model + ": the snapshot versions a read_committed reader sees");
                SnapshotLog.assertSameBytes(model + ": live, with an aborted transaction, vs an uninterrupted local run",
                        reference.get(model), SnapshotLog.values(live.get(model)));
            }
        }
        assertTrue(streams.state().isRunningOrRebalancing(), "the learner recovered and runs on");
    }

    private InertiaConfig config() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("inertia.topic.input", INPUT);
        settings.put("inertia.topic.partitions", Integer.toString(PARTITIONS));
        settings.put("inertia.snapshot-every", Integer.toString(SNAPSHOT_EVERY));
        settings.put(StreamsConfig.APPLICATION_ID_CONFIG, "aborted");
        settings.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state").toString());
        // Several snapshots per transaction, so that the aborted one carries others' outputs too.
        settings.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
        return cluster.config(settings);
    }

    /** Events of group {@code application} committed on the input topic (the sum of its offsets). */
    private long committed(String application) {
        try {
            return cluster.admin().listConsumerGroupOffsets(application).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).entrySet().stream()
                    .filter(entry -> entry.getKey().topic().equals(INPUT) && entry.getValue() != null)
                    .mapToLong(entry -> entry.getValue().offset()).sum();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String keyOnPartition(int partition) {
        for (int i = 0; ; i++) {
            String key = "model-" + i;
            if (BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS) == partition) {
                return key;
            }
        }
    }

    /**
     * The production clients, whose producer aborts its transaction once, right after sending snapshot
     * {@code version} of {@code modelKey}, and begins a new one: the state Kafka Streams' own abort leaves it in.
     */
    private static final class AbortAfterSnapshot implements KafkaClientSupplier {
        private final KafkaClientSupplier production;
        private final String snapshotTopic;
        private final String modelKey;
        private final long version;
        private final AtomicInteger injected = new AtomicInteger();

        AbortAfterSnapshot(KafkaClientSupplier production, String snapshotTopic, String modelKey, long version) {
            this.production = production;
            this.snapshotTopic = snapshotTopic;
            this.modelKey = modelKey;
            this.version = version;
        }

        @Override
        public Admin getAdmin(Map<String, Object> config) {
            return production.getAdmin(config);
        }

        @Override
        public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
            Producer<byte[], byte[]> producer = production.getProducer(config);
            return new ForwardingProducer(producer) {
                @Override
                public Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                    Future<RecordMetadata> sent = producer.send(record, callback);
                    if (record.topic().equals(snapshotTopic) && isTheSnapshot(record) && injected.get() == 0) {
                        injected.incrementAndGet();
                        producer.abortTransaction();
                        producer.beginTransaction();
                    }
                    return sent;
                }
            };
        }

        private boolean isTheSnapshot(ProducerRecord<byte[], byte[]> record) {
            if (record.value() == null || !modelKey.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                return false;
            }
            ModelSnapshot snapshot = InertiaSerdes.modelSnapshot().deserialize(snapshotTopic, record.value());
            return snapshot.getVersion() == version;
        }

        @Override
        public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
            return production.getConsumer(config);
        }

        @Override
        public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
            return production.getRestoreConsumer(config);
        }

        @Override
        public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
            return production.getGlobalConsumer(config);
        }
    }
}
