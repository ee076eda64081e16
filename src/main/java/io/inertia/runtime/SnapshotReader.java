package io.inertia.runtime;

import io.inertia.avro.ModelSnapshot;
import io.inertia.config.InertiaConfig;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
    private final KafkaConsumer<String, byte[]> consumer;
    private final SingleObjectAvroSerde<ModelSnapshot> serde = InertiaSerdes.modelSnapshot();
    private final List<TopicPartition> partitions;

    /**
     * Connects and assigns every partition of the snapshot topic, positioned at the beginning.
     *
     * @throws KafkaSetup.ClusterUnavailableException when the topic cannot be found within the startup timeout, or the
     *     cluster refuses the client (authentication, TLS or authorization)
     */
    public SnapshotReader(InertiaConfig config) {
        this.config = config;
        Properties properties = KafkaSetup.clientProperties(config);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try {
            this.consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(config.snapshotTopic(), Duration.ofMillis(config.startupTimeoutMs()));
        } catch (TimeoutException e) {
            consumer.close();
            throw new KafkaSetup.ClusterUnavailableException("cannot read topic '" + config.snapshotTopic()
                    + "' within " + config.startupTimeoutMs() + " ms (cluster unreachable?)", e);
        } catch (KafkaException e) {
            consumer.close();
            throw securityFailureOr(e);
        }
        if (infos == null || infos.isEmpty()) {
            consumer.close();
            throw new KafkaSetup.ClusterUnavailableException("topic '" + config.snapshotTopic() + "' does not exist",
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
     * Reads up to the current end of the topic (the last stable offset under read_committed) and returns the
     * snapshot with the highest version of each model, by model key; {@code modelKey} null means every model.
     */
    public SortedMap<String, ModelSnapshot> latest(String modelKey) {
        SortedMap<String, ModelSnapshot> latest = new TreeMap<>();
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions,
                    Duration.ofMillis(config.startupTimeoutMs()));
            while (!reached(end)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    ModelSnapshot snapshot = decode(record);
                    if (snapshot != null && (modelKey == null || modelKey.equals(snapshot.getModelKey()))) {
                        latest.merge(snapshot.getModelKey(), snapshot,
                                (old, now) -> now.getVersion() >= old.getVersion() ? now : old);
                    }
                }
            }
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
        return latest;
    }

    /** Hands every snapshot (of {@code modelKey}, or all when null) to {@code sink} until {@code stop} says so. */
    public void follow(String modelKey, Consumer<ModelSnapshot> sink, BooleanSupplier stop) {
        try {
            while (!stop.getAsBoolean()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    ModelSnapshot snapshot = decode(record);
                    if (snapshot != null && (modelKey == null || modelKey.equals(snapshot.getModelKey()))) {
                        sink.accept(snapshot);
                    }
                }
            }
        } catch (KafkaException e) {
            throw securityFailureOr(e);
        }
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

    private ModelSnapshot decode(ConsumerRecord<String, byte[]> record) {
        try {
            return serde.deserialize(record.topic(), record.value());
        } catch (SerializationException e) {
            LOG.warn("Skipping record at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
