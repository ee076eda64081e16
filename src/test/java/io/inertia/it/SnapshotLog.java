package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inertia.avro.ModelSnapshot;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Every record of a snapshot topic from its beginning, as raw bytes with partition, offset and the decoded model key
 * and version, read with {@code read_committed} (what Inertia's readers see) or {@code read_uncommitted} (everything
 * written, including records of open and aborted transactions). Reads by assignment: no consumer group.
 */
final class SnapshotLog implements AutoCloseable {

    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    /**
     * One snapshot record.
     *
     * @param partition its partition
     * @param offset its offset
     * @param modelKey the model key of the decoded snapshot
     * @param version the version of the decoded snapshot
     * @param value the record value exactly as stored
     */
    record Entry(int partition, long offset, String modelKey, long version, byte[] value) {
    }

    private final String topic;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final List<Entry> entries = new ArrayList<>();
    private final SingleObjectAvroSerde<ModelSnapshot> serde = InertiaSerdes.modelSnapshot();

    SnapshotLog(String bootstrapServers, String topic, boolean committedOnly) {
        this.topic = topic;
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        partitions = consumer.partitionsFor(topic, CATCH_UP).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * Reads up to the end of the topic as it is now (the last stable offset under read_committed, the high watermark
     * otherwise); returns this, for chaining.
     */
    SnapshotLog catchUp() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, CATCH_UP);
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + topic + " up to " + end);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                ModelSnapshot snapshot = serde.deserialize(record.topic(), record.value());
                if (!snapshot.getModelKey().equals(record.key())) {
                    throw new AssertionError("record key " + record.key() + " differs from the snapshot's model key "
                            + snapshot.getModelKey() + " at " + record.partition() + "@" + record.offset());
                }
                entries.add(new Entry(record.partition(), record.offset(), snapshot.getModelKey(),
                        snapshot.getVersion(), record.value()));
            }
        }
        return this;
    }

    /** Every record read so far, in the order read (per partition: offset order). */
    List<Entry> entries() {
        return entries;
    }

    /** The records read so far per model key, each list in offset order. */
    Map<String, List<Entry>> byModel() {
        Map<String, List<Entry>> byModel = new TreeMap<>();
        for (Entry entry : entries) {
            byModel.computeIfAbsent(entry.modelKey(), key -> new ArrayList<>()).add(entry);
        }
        return byModel;
    }

    /** Whether every model in {@code modelKeys} has a snapshot at {@code version} or later among those read. */
    boolean reached(Collection<String> modelKeys, long version) {
        Map<String, Long> latest = new TreeMap<>();
        for (Entry entry : entries) {
            latest.merge(entry.modelKey(), entry.version(), Math::max);
        }
        return modelKeys.stream().allMatch(key -> latest.getOrDefault(key, -1L) >= version);
    }

    /** The record values of {@code entries}, in order. */
    static List<byte[]> values(List<Entry> entries) {
        return entries.stream().map(Entry::value).toList();
    }

    /** Asserts that two snapshot sequences are equal, byte for byte, naming the first snapshot that differs. */
    static void assertSameBytes(String what, List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), what + ": number of snapshots");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), what + ": snapshot #" + (i + 1) + " differs");
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < end.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
