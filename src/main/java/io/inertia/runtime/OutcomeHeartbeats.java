package io.inertia.runtime;

import io.inertia.config.InertiaConfig;
import io.inertia.join.OutcomeJoiner;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a heartbeat to every partition of the outcome topic every {@code inertia.outcome.heartbeat-ms}: a record
 * without key or value, with the header {@value OutcomeJoiner#HEARTBEAT_HEADER} and the wall-clock time as its
 * timestamp. The outcome joiner moves its outcome clock to it and decides the events whose window has passed, so that
 * on a partition where no outcome comes, events still end (defaulted or expired) at most about one heartbeat interval
 * (plus the time to read and commit it) after their deadline: event time + {@code inertia.outcome.window.ms}. The bound
 * holds when record timestamps are wall-clock times (the CreateTime of live producers); for events stamped with other
 * times (a backfill of last year's events) heartbeats would end every window at once: turn them off with
 * {@code inertia.outcome.heartbeat-ms=0}, and events then end as outcomes arrive.
 *
 * <p>Heartbeats are input records like any other: the learner's decisions stay a pure function of what it read, and a
 * replay of the raw topics sees them too. The wall clock decides only when they are written. They are written
 * without a transaction (readers with read_committed see them at once) by a producer of their own; losing one delays
 * the next decision by one interval and nothing else. Every instance of {@code inertia run} writes them, to every
 * partition.
 */
public final class OutcomeHeartbeats implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeHeartbeats.class);

    private final String topic;
    private final Producer<byte[], byte[]> producer;
    private final LongSupplier clock;
    private final ScheduledExecutorService timer;

    /** A writer to {@code topic} through {@code producer}, stamping heartbeats with {@code clock} (ms). */
    OutcomeHeartbeats(String topic, Producer<byte[], byte[]> producer, LongSupplier clock) {
        this.topic = topic;
        this.producer = producer;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inertia-outcome-heartbeats");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts writing heartbeats for {@code config} (its outcome topic, cluster and interval), stamped with the wall
     * clock; null when {@code inertia.outcome.heartbeat-ms} is 0. Call after {@link KafkaSetup#ensureTopics}, so that
     * the topic's partitions are served (KAFKA-15591).
     */
    public static OutcomeHeartbeats start(InertiaConfig config) {
        if (config.outcomeHeartbeatMs() == 0) {
            return null;
        }
        Properties properties = KafkaSetup.producerProperties(config, "inertia-outcome-heartbeats");
        OutcomeHeartbeats heartbeats = new OutcomeHeartbeats(config.outcomeTopic(), new KafkaProducer<>(properties,
                new ByteArraySerializer(), new ByteArraySerializer()), System::currentTimeMillis);
        heartbeats.every(config.outcomeHeartbeatMs());
        return heartbeats;
    }

    /** Writes a heartbeat every {@code intervalMs}, the first at once. */
    void every(long intervalMs) {
        timer.scheduleAtFixedRate(() -> {
            try {
                beat();
            } catch (RuntimeException e) {
                // The next beat will do: a missed one only delays decisions by an interval.
                LOG.warn("Outcome heartbeat not written: {}", e.getMessage());
            }
        }, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Writes one heartbeat to every partition of the topic, stamped with the clock's time now. */
    void beat() {
        long now = clock.getAsLong();
        int partitions = producer.partitionsFor(topic).size();
        for (int partition = 0; partition < partitions; partition++) {
            producer.send(new ProducerRecord<>(topic, partition, now, null, null,
                    List.of(new RecordHeader(OutcomeJoiner.HEARTBEAT_HEADER, new byte[0]))), (metadata, failure) -> {
                        if (failure != null) {
                            LOG.warn("Outcome heartbeat not written: {}", failure.getMessage());
                        }
                    });
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
