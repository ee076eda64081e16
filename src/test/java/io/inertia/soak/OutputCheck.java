package io.inertia.soak;

import io.inertia.config.InertiaConfig;
import io.inertia.replay.LocalLearner;
import io.inertia.runtime.KafkaSetup;
import io.inertia.topology.LearningObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * After each cycle: feeds the input that arrived since the last check to the reference learner (a {@link LocalLearner},
 * the very processor and stores {@code inertia run} uses, in this process, never interrupted), reads what the live
 * learners committed since the last check with {@code read_committed} readers, and hands both to an
 * {@link OutputComparison}. Every reader is assigned its partitions (no consumer group) and keeps its position from one
 * check to the next.
 */
final class OutputCheck implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    private final InertiaConfig config;
    private final OutputComparison comparison;
    private final LocalLearner reference;
    private final Reader input;
    private final Reader snapshots;
    private final Reader predictions;
    private final Reader deadLetters;
    private long events;
    private long badEvents;

    OutputCheck(InertiaConfig config, int partitions) {
        this.config = config;
        this.comparison = new OutputComparison(config.snapshotEvery());
        this.reference = new LocalLearner(config, LearningObserver.NONE, new LocalLearner.Outputs() {
            @Override
            public void snapshot(byte[] key, byte[] value, long timestamp) {
                comparison.snapshot(OutputComparison.Side.REFERENCE, key, value, null);
            }

            @Override
            public void prediction(byte[] key, byte[] value, long timestamp) {
                comparison.prediction(OutputComparison.Side.REFERENCE, key, value, null);
            }

            @Override
            public void deadLetter(byte[] key, byte[] value, long timestamp, Headers headers) {
                badEvents++;
                comparison.deadLetter(OutputComparison.Side.REFERENCE, key, value, headers, null);
            }
        }, partitions);
        this.input = new Reader(config.inputTopic());
        this.snapshots = new Reader(config.snapshotTopic());
        this.predictions = new Reader(config.predictionTopic());
        this.deadLetters = new Reader(config.deadLetterTopic());
    }

    /**
     * Reads the input and the live outputs up to their ends as they are now (the caller has made sure that every
     * learner committed every event and that no transaction is open) and compares; returns every mismatch so far.
     *
     * @throws SoakFailure when a topic cannot be read to its end within {@code timeout}
     */
    List<OutputComparison.Mismatch> check(Duration timeout) {
        input.readToEnd(timeout, record -> {
            events++;
            reference.process(record.key(), record.value(), record.timestamp(), record.topic(), record.partition(),
                    record.offset());
        });
        // What the working models changed goes to the reference's stores, as a commit does: bounds their memory.
        reference.commit();
        snapshots.readToEnd(timeout, record -> comparison.snapshot(OutputComparison.Side.LIVE, record.key(),
                record.value(), where(record)));
        predictions.readToEnd(timeout, record -> comparison.prediction(OutputComparison.Side.LIVE, record.key(),
                record.value(), where(record)));
        deadLetters.readToEnd(timeout, record -> comparison.deadLetter(OutputComparison.Side.LIVE, record.key(),
                record.value(), record.headers(), where(record)));
        return comparison.settle();
    }

    /** The comparison, for its counts. */
    OutputComparison comparison() {
        return comparison;
    }

    /** Input records read so far. */
    long events() {
        return events;
    }

    /** Input records the reference rejected so far. */
    long badEvents() {
        return badEvents;
    }

    private static String where(ConsumerRecord<byte[], byte[]> record) {
        return "partition " + record.partition() + " offset " + record.offset();
    }

    @Override
    public void close() {
        reference.close();
        input.close();
        snapshots.close();
        predictions.close();
        deadLetters.close();
    }

    /** A read_committed reader of every partition of one topic that continues where it stopped. */
    private final class Reader implements AutoCloseable {
        private final String topic;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<TopicPartition> partitions = new ArrayList<>();

        Reader(String topic) {
            this.topic = topic;
            Properties properties = KafkaSetup.clientProperties(config);
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            properties.remove(ConsumerConfig.GROUP_ID_CONFIG);
            // Keys and values of whatever size the learner may write.
            properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        void readToEnd(Duration timeout, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                if (partitions.isEmpty()) {
                    consumer.partitionsFor(topic, timeout).forEach(info ->
                            partitions.add(new TopicPartition(topic, info.partition())));
                    partitions.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                }
                // Under read_committed: the last stable offsets.
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
                while (!reached(end)) {
                    if (System.nanoTime() > deadline) {
                        throw new SoakFailure("could not read " + topic + " to its end " + end + " within "
                                + timeout.toSeconds() + " s");
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        sink.accept(record);
                    }
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new SoakFailure("could not read " + topic + " within " + timeout.toSeconds() + " s: "
                        + e.getMessage());
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
}
