package io.inertia.runtime;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.topology.SnapshotAssembler;
import io.inertia.topology.SnapshotLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the snapshot topic from the beginning with {@code isolation.level=read_committed}, so that only snapshots of
 * committed transactions are seen. Uses partition assignment, not a consumer group: reading leaves no trace.
 */
public final class SnapshotReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotReader.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final InertiaConfig config;
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final SnapshotAssembler assembler = new SnapshotAssembler();
    private final List<TopicPartition> partitions;

    /**
     * Connects and assigns every partition of the snapshot topic, positioned at the beginning.
     *
     * @throws KafkaSetup.ClusterUnavailableException when the topic cannot be found within the startup timeout, or the
     *     cluster refuses the client (authentication, TLS or authorization)
     */
    public SnapshotReader(InertiaConfig config) {
        this(config, config.snapshotTopic());
    }

    /** As {@link #SnapshotReader(InertiaConfig)}, for a topic in the snapshot topic's layout called {@code topic}. */
    public SnapshotReader(InertiaConfig config, String topic) {
        this.config = config;
        this.topic = topic;
        Properties properties = KafkaSetup.clientProperties(config);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try {
            this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, Duration.ofMillis(config.startupTimeoutMs()));
        } catch (TimeoutException e) {
            consumer.close();
            throw new KafkaSetup.ClusterUnavailableException("cannot read topic '" + topic
                    + "' within " + config.startupTimeoutMs() + " ms (cluster unreachable?)", e);
        } catch (KafkaException e) {
            consumer.close();
            throw securityFailureOr(e);
        }
        if (infos == null || infos.isEmpty()) {
            consumer.close();
            throw new KafkaSetup.ClusterUnavailableException("topic '" + topic + "' does not exist",
                    null);
        }
        partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Reads up to the current end of the topic (the last stable offset under read_committed) and returns the latest
     * whole snapshot of each model (reassembled from its parts when it has them), by model key; {@code modelKey} null
     * means every model.
     */
    public SortedMap<String, ModelSnapshot> latest(String modelKey) {
        readToEnd(modelKey);
        SortedMap<String, ModelSnapshot> latest = assembler.latest();
        assembler.incomplete().forEach(problem -> LOG.warn("Skipping a model: {}", problem));
        if (modelKey != null) {
            latest.keySet().retainAll(java.util.Set.of(modelKey));
        }
        return latest;
    }

    /**
     * Reads up to the current end of the topic and returns the latest snapshot of each model as published (header and
     * parts), by model key: what a learner resumes from exactly. A model that lacks a part is left out with a warning.
     */
    public SortedMap<String, SnapshotAssembler.Published> latestPublished() {
        return latestPublished(null);
    }

    /** As {@link #latestPublished()}, of {@code modelKey} only (every model when null). */
    public SortedMap<String, SnapshotAssembler.Published> latestPublished(String modelKey) {
        readToEnd(modelKey);
        SortedMap<String, SnapshotAssembler.Published> latest = assembler.latestPublished();
        assembler.incomplete().forEach(problem -> LOG.warn("Skipping a model: {}", problem));
        if (modelKey != null) {
            latest.keySet().retainAll(java.util.Set.of(modelKey));
        }
        return latest;
    }

    private void readToEnd(String modelKey) {
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions,
                    Duration.ofMillis(config.startupTimeoutMs()));
            while (!reached(end)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (wanted(record, modelKey)) {
                        take(record);
                    }
                }
            }
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
    }

    /**
     * Hands every record (of {@code modelKey}, or all when null) to {@code records}, decoded and in order, until
     * {@code stop} says so: the parts of each snapshot ({@link io.inertia.avro.ModelSnapshotPart}), then its header
     * ({@link ModelSnapshot}). Tombstones are not handed on. A record that cannot be read, or that {@code records}
     * refuses with an {@link IllegalStateException}, is skipped with a warning.
     */
    public void follow(String modelKey, Consumer<SpecificRecord> records, BooleanSupplier stop) {
        try {
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (wanted(record, modelKey)) {
                        try {
                            SpecificRecord read = assembler.read(record.topic(), record.key(), record.value());
                            if (read != null) {
                                records.accept(read);
                            }
                        } catch (SerializationException | IllegalStateException e) {
                            LOG.warn("Skipping record at {}-{}@{}: {}", record.topic(), record.partition(),
                                    record.offset(), e.getMessage());
                        }
                    }
                }
            }
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
    }

    /**
     * Parts 0..{@code count}−1 of generation {@code generation} of {@code modelKey}, as read so far: what a snapshot
     * that continues that generation was published on top of.
     *
     * @throws IllegalStateException when one of them was not read
     */
    public List<io.inertia.avro.ModelSnapshotPart> parts(String modelKey, long generation, int count) {
        return assembler.parts(modelKey, generation, count);
    }

    /** Whether {@code record} belongs to model {@code modelKey} (every record when null); keys are never null here. */
    private static boolean wanted(ConsumerRecord<byte[], byte[]> record, String modelKey) {
        return record.key() != null && (modelKey == null || modelKey.equals(
                SnapshotLayout.modelKeyOf(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8))));
    }

    /** An authentication, TLS or authorization failure as one line for the user; any other failure unchanged. */
    private RuntimeException securityFailureOr(KafkaException failure) {
        KafkaSetup.ClusterUnavailableException security = KafkaSetup.securityFailure(config, failure);
        return security != null ? security : failure;
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < end.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    /** Reads {@code record} into the assembler, reassembling nothing yet. */
    private void take(ConsumerRecord<byte[], byte[]> record) {
        try {
            assembler.take(record.topic(), record.key(), record.value());
        } catch (SerializationException e) {
            LOG.warn("Skipping record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
