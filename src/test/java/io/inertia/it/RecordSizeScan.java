package io.inertia.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every record of some topics from the beginning to their current end, with {@code read_uncommitted} so that
 * records of open and aborted transactions count too (they were written, so they had to fit as well), and measures
 * each one as key bytes + value bytes + the bytes of every header's key (UTF-8) and value. Keeps only the measures,
 * never the records, so that it can scan hundreds of megabytes.
 */
final class RecordSizeScan {

    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    /**
     * The measures of one topic.
     *
     * @param records records read
     * @param largest size of the largest record, 0 when there is none
     * @param largestAt partition@offset of the largest record, or "" when there is none
     * @param overLimit records larger than the limit of the scan
     * @param firstOverLimit partition@offset and size of the first record over the limit, or "" when there is none
     */
    record TopicSizes(long records, int largest, String largestAt, long overLimit, String firstOverLimit) {
    }

    private RecordSizeScan() {
    }

    /** The size of {@code record} as this scan measures it: key + value + headers (keys as UTF-8, and values). */
    static int size(byte[] key, byte[] value, Iterable<Header> headers) {
        int size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header header : headers) {
            size += header.key().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            size += header.value() == null ? 0 : header.value().length;
        }
        return size;
    }

    /** Scans every record of {@code topics} on the cluster at {@code bootstrapServers} against {@code limit}. */
    static SortedMap<String, TopicSizes> scan(String bootstrapServers, Collection<String> topics, int limit) {
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20000");
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        SortedMap<String, TopicSizes> result = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            for (String topic : sorted(topics)) {
                result.put(topic, scanTopic(consumer, topic, limit));
            }
        }
        return result;
    }

    private static List<String> sorted(Collection<String> topics) {
        List<String> sorted = new ArrayList<>(topics);
        sorted.sort(null);
        return sorted;
    }

    private static TopicSizes scanTopic(KafkaConsumer<byte[], byte[]> consumer, String topic, int limit) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, CATCH_UP).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, CATCH_UP);
        long records = 0;
        int largest = 0;
        String largestAt = "";
        long overLimit = 0;
        String firstOverLimit = "";
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (!reached(consumer, partitions, end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("could not read " + topic + " up to " + end + " within "
                        + CATCH_UP.toSeconds() + " s");
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                records++;
                int size = size(record.key(), record.value(), record.headers());
                if (size > largest) {
                    largest = size;
                    largestAt = record.partition() + "@" + record.offset();
                }
                if (size > limit) {
                    if (overLimit == 0) {
                        firstOverLimit = record.partition() + "@" + record.offset() + ": " + size + " bytes";
                    }
                    overLimit++;
                }
            }
        }
        consumer.unsubscribe();
        return new TopicSizes(records, largest, largestAt, overLimit, firstOverLimit);
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
            Map<TopicPartition, Long> end) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < end.getOrDefault(partition, 0L)) {
                return false;
            }
        }
        return true;
    }
}
