package io.inertia.bench;

import io.inertia.avro.LabeledEvent;
import io.inertia.avro.Prediction;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The live phase of a case: with the learner running and caught up, events are produced at a fixed, paced rate into
 * the input topic, whose {@code message.timestamp.type=LogAppendTime} makes each event's timestamp the moment the
 * broker appended it. The learner forwards each prediction with its event's timestamp, so a consumer of the
 * predictions topic measures, per event, receipt wall time − append time. Two consumers read at once:
 * {@code read_uncommitted} sees a prediction as soon as the learner has written it (as processed), and
 * {@code read_committed} only once the transaction that wrote it has committed (as a read_committed reader sees it),
 * which happens every {@code commit.interval.ms}.
 *
 * <p>Live events carry event ids {@value #ID_PREFIX}0, {@value #ID_PREFIX}1, …, which predictions echo: only those
 * count, each once.
 */
final class LatencyProbe {

    static final String ID_PREFIX = "live-";
    /** How long after the last send the consumers wait for the last predictions. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(20);

    /**
     * Latencies of one consumer.
     *
     * @param received live predictions received (each counted once)
     * @param p50Ms    median receipt − append time, ms
     * @param p99Ms    99th percentile, ms
     * @param maxMs    largest, ms
     */
    record Percentiles(int received, long p50Ms, long p99Ms, long maxMs) {
    }

    /**
     * The result of a live phase.
     *
     * @param ratePerSecond  events per second produced
     * @param sent           events produced
     * @param processed      read_uncommitted latencies
     * @param readCommitted  read_committed latencies
     */
    record Result(int ratePerSecond, int sent, Percentiles processed, Percentiles readCommitted) {
    }

    private LatencyProbe() {
    }

    /**
     * Produces {@code rate × seconds} events of {@code events} into {@code inputTopic} at {@code rate} per second and
     * measures the latency of their predictions on {@code predictionTopic}.
     */
    static Result run(BenchCluster cluster, SyntheticEvents events, String inputTopic, String predictionTopic,
            int rate, int seconds) throws InterruptedException {
        int total = rate * seconds;
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        // Encoded before the clock starts, so that the pace does not depend on how fast events are built.
        byte[][] values = new byte[total][];
        String[] keys = new String[total];
        for (int i = 0; i < total; i++) {
            LabeledEvent event = events.next(ID_PREFIX + i);
            keys[i] = event.getModelKey();
            values[i] = serde.serialize(inputTopic, event);
        }
        Reader processed = null;
        Reader committed = null;
        try (KafkaProducer<String, byte[]> producer = cluster.producer(0)) {
            processed = new Reader(cluster.bootstrapServers(), predictionTopic, "read_uncommitted", total);
            committed = new Reader(cluster.bootstrapServers(), predictionTopic, "read_committed", total);
            processed.start();
            committed.start();
            BenchCluster.SendCheck check = new BenchCluster.SendCheck();
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                check.send(producer, new ProducerRecord<>(inputTopic, keys[i], values[i]));
            }
            producer.flush();
            check.check(total, inputTopic);
            processed.join(DRAIN_TIMEOUT.toMillis());
            committed.join(DRAIN_TIMEOUT.toMillis());
        } finally {
            if (processed != null) {
                processed.finish();
            }
            if (committed != null) {
                committed.finish();
            }
        }
        processed.rethrow();
        committed.rethrow();
        return new Result(rate, total, processed.percentiles(), committed.percentiles());
    }

    /** One consumer of the predictions, positioned at their end before the first live event is sent. */
    private static final class Reader extends Thread {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final SingleObjectAvroSerde<Prediction> serde = InertiaSerdes.prediction();
        private final String topic;
        private final long[] latencies;
        private final BitSet seen;
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile int received;
        private volatile RuntimeException failure;

        Reader(String bootstrapServers, String topic, String isolation, int expected) {
            super("latency-" + isolation);
            setDaemon(true);
            this.topic = topic;
            this.latencies = new long[expected];
            this.seen = new BitSet(expected);
            Properties properties = new Properties();
            properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            // The broker answers a fetch as soon as there is data, but a fetch that found none waits up to this long;
            // kept short so that the probe's own wait adds at most a few ms to what it measures.
            properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<PartitionInfo> infos = consumer.partitionsFor(topic, BenchCluster.TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                consumer.close();
                throw new BenchmarkFailure("no partitions found for " + topic);
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            // position() resolves the end now; otherwise it would be taken lazily, after live events were sent.
            partitions.forEach(partition -> consumer.position(partition, BenchCluster.TIMEOUT));
        }

        @Override
        public void run() {
            try {
                while (!stop.get() && received < latencies.length) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> record : records) {
                        String id = serde.deserialize(topic, record.value()).getEventId();
                        if (id == null || !id.startsWith(ID_PREFIX)) {
                            continue;
                        }
                        int index = Integer.parseInt(id.substring(ID_PREFIX.length()));
                        if (index < latencies.length && !seen.get(index)) {
                            seen.set(index);
                            latencies[index] = now - record.timestamp();
                            received++;
                        }
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            }
        }

        /** Stops reading and closes the consumer (which the thread does, when it was started). */
        void finish() throws InterruptedException {
            stop.set(true);
            if (getState() == State.NEW) {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            } else {
                join(TimeUnit.SECONDS.toMillis(10));
            }
        }

        void rethrow() {
            if (failure != null) {
                throw new BenchmarkFailure("latency consumer failed: " + BenchCluster.message(failure));
            }
        }

        /** Nearest-rank percentiles over the predictions received. */
        Percentiles percentiles() {
            long[] values = new long[received];
            int n = 0;
            for (int i = seen.nextSetBit(0); i >= 0 && n < values.length; i = seen.nextSetBit(i + 1)) {
                values[n++] = latencies[i];
            }
            Arrays.sort(values, 0, n);
            if (n == 0) {
                return new Percentiles(0, -1, -1, -1);
            }
            return new Percentiles(n, values[rank(0.50, n)], values[rank(0.99, n)], values[n - 1]);
        }

        private static int rank(double quantile, int n) {
            return Math.max(0, (int) Math.ceil(quantile * n) - 1);
        }
    }
}
