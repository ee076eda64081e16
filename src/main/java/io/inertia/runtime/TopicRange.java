package io.inertia.runtime;

import io.inertia.config.InertiaConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a range of a topic as the live learner reads it: {@code isolation.level=read_committed} (records of aborted
 * transactions are skipped, so offsets may have gaps), every partition, each in its own order, partition after
 * partition in ascending number (a model lives on one partition, so this is each model's order). By assignment, not
 * as a consumer group: nothing is committed and no group is joined, so reading leaves no trace on the cluster.
 *
 * <p>A partition is read from its start (inclusive) to its end (exclusive), each a {@link Bound}: an offset, a time
 * (the first record with a timestamp at or after it, as {@code offsetsForTimes} finds), or unbounded (the beginning,
 * and the last stable offset when the range is opened). Both are clamped to what the partition holds.
 */
public final class TopicRange implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * One end of a range: an offset, a time, or none (the partition's beginning or current end).
     *
     * @param offset the offset, or null
     * @param time the time, or null
     */
    public record Bound(Long offset, Instant time) {
        /** The partition's beginning (as a start) or its last stable offset (as an end). */
        public static Bound unbounded() {
            return new Bound(null, null);
        }

        /** Offset {@code offset} of every partition. */
        public static Bound atOffset(long offset) {
            return new Bound(offset, null);
        }

        /** The first record of each partition with a timestamp at or after {@code time}. */
        public static Bound atTime(Instant time) {
            return new Bound(null, time);
        }
    }

    /** Receives the records of a range. */
    @FunctionalInterface
    public interface RecordSink {
        /** One record, in its partition's order. */
        void accept(ConsumerRecord<byte[], byte[]> record);
    }

    /**
     * One partition's part of the range.
     *
     * @param partition the partition
     * @param start the first offset (inclusive)
     * @param end the end offset (exclusive)
     */
    public record Slice(TopicPartition partition, long start, long end) {
    }

    private final InertiaConfig config;
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<Slice> slices;

    /**
     * Connects and resolves the range of {@code topic} between {@code from} and {@code to} on every partition.
     *
     * @throws KafkaSetup.ClusterUnavailableException when the topic cannot be found within the startup timeout
     */
    public TopicRange(InertiaConfig config, String topic, Bound from, Bound to) {
        this.config = config;
        this.topic = topic;
        Properties properties = KafkaSetup.clientProperties(config);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            this.slices = resolve(from, to);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    private List<Slice> resolve(Bound from, Bound to) {
        Duration timeout = Duration.ofMillis(config.startupTimeoutMs());
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, timeout);
        } catch (TimeoutException e) {
            throw new KafkaSetup.ClusterUnavailableException("cannot read topic '" + topic + "' within "
                    + config.startupTimeoutMs() + " ms (cluster unreachable?)", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new KafkaSetup.ClusterUnavailableException("topic '" + topic + "' does not exist", null);
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        partitions.sort(Comparator.comparingInt(TopicPartition::partition));
        // Under read_committed the end offsets are the last stable offsets: nothing of an open transaction.
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, timeout);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> starts = offsets(from, partitions, beginning, end, timeout);
        Map<TopicPartition, Long> ends = offsets(to, partitions, end, end, timeout);
        List<Slice> resolved = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            long low = beginning.get(partition);
            long high = end.get(partition);
            long start = Math.min(Math.max(starts.get(partition), low), high);
            long stop = Math.min(Math.max(ends.get(partition), start), high);
            resolved.add(new Slice(partition, start, stop));
        }
        return List.copyOf(resolved);
    }

    /** Where {@code bound} falls on each partition; {@code unbounded} where it is unbounded. */
    private Map<TopicPartition, Long> offsets(Bound bound, List<TopicPartition> partitions,
            Map<TopicPartition, Long> unbounded, Map<TopicPartition, Long> end, Duration timeout) {
        Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
        if (bound.offset() != null) {
            partitions.forEach(partition -> offsets.put(partition, bound.offset()));
        } else if (bound.time() != null) {
            Map<TopicPartition, Long> query = new java.util.HashMap<>();
            partitions.forEach(partition -> query.put(partition, bound.time().toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
            for (TopicPartition partition : partitions) {
                OffsetAndTimestamp at = found.get(partition);
                // No record at or after the time: the range on that partition starts (or ends) at its end.
                offsets.put(partition, at == null ? end.get(partition) : at.offset());
            }
        } else {
            offsets.putAll(unbounded);
        }
        return offsets;
    }

    /** Each partition's part of the range, in partition order. */
    public List<Slice> slices() {
        return slices;
    }

    /** The number of offsets in the range (an upper bound of its records: aborted ones are skipped). */
    public long size() {
        return slices.stream().mapToLong(slice -> slice.end() - slice.start()).sum();
    }

    /**
     * Hands every record of the range to {@code sink}, partition after partition; returns how many.
     *
     * @throws KafkaSetup.ClusterUnavailableException when no record arrives for the startup timeout
     */
    public long forEach(RecordSink sink) {
        long count = 0;
        for (Slice slice : slices) {
            for (Iterator<ConsumerRecord<byte[], byte[]>> records = records(slice); records.hasNext(); ) {
                sink.accept(records.next());
                count++;
            }
        }
        consumer.unsubscribe();
        return count;
    }

    /**
     * The records of {@code slice} (one of {@link #slices()}), in offset order, read from the broker as they are asked
     * for: a caller can merge the slices of two ranges record by record. One slice at a time per range; asking for
     * another slice ends the reading of the one before.
     *
     * @throws KafkaSetup.ClusterUnavailableException from the iterator, when no record arrives for the startup timeout
     */
    public Iterator<ConsumerRecord<byte[], byte[]>> records(Slice slice) {
        return new Iterator<>() {
            private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
            private long position = slice.start();
            private boolean assigned;

            @Override
            public boolean hasNext() {
                long lastProgress = System.nanoTime();
                while (buffered.isEmpty() && position < slice.end()) {
                    if (!assigned) {
                        consumer.assign(List.of(slice.partition()));
                        consumer.seek(slice.partition(), slice.start());
                        assigned = true;
                    }
                    try {
                        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                            if (record.offset() < slice.end()) {
                                buffered.add(record);
                            }
                        }
                    } catch (KafkaException e) {
                        throw new KafkaSetup.ClusterUnavailableException("cannot read " + slice.partition() + ": "
                                + e.getMessage(), e);
                    }
                    // The position also moves past aborted records and transaction markers, which poll does not
                    // return.
                    long now = consumer.position(slice.partition());
                    // Waiting for the broker only: a replay's result never depends on the clock.
                    if (now > position) {
                        position = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > config.startupTimeoutMs() * 1_000_000L) {
                        throw new KafkaSetup.ClusterUnavailableException("no record of " + slice.partition()
                                + " within " + config.startupTimeoutMs() + " ms (at offset "
                                + consumer.position(slice.partition()) + " of " + slice.end() + ")", null);
                    }
                }
                return !buffered.isEmpty();
            }

            @Override
            public ConsumerRecord<byte[], byte[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return buffered.poll();
            }
        };
    }

    @Override
    public void close() {
        consumer.close();
    }
}
