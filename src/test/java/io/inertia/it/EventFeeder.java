package io.inertia.it;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends {@link TrainingEvents} in order, never more than {@code window} events ahead of what a learner has committed,
 * so that a test decides how far the learner can get: a learner fed this way is always busy learning when the test
 * interrupts it, and never runs ahead of the moment the test chose. The records may go to several input topics (events
 * and outcomes, say), each to its own; what is committed is then summed over all of them.
 */
final class EventFeeder implements AutoCloseable {

    /**
     * One record and the topic it goes to.
     *
     * @param topic the topic
     * @param event the record
     */
    record Routed(String topic, TrainingEvents.Event event) {
    }

    private final Set<String> topics;
    private final List<Routed> events;
    private final int window;
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private int sent;

    EventFeeder(String bootstrapServers, String topic, List<TrainingEvents.Event> events, int window) {
        this(bootstrapServers, events.stream().map(event -> new Routed(topic, event)).toList(), window);
    }

    /** A feeder of {@code records}, each to its own topic, in list order. */
    EventFeeder(String bootstrapServers, List<Routed> records, int window) {
        this.topics = records.stream().map(Routed::topic).collect(Collectors.toUnmodifiableSet());
        this.events = records;
        this.window = window;
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Fail a test within its phase deadline rather than block in flush() for the default two minutes.
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        this.producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
        this.admin = Admin.create(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Sends every remaining event at once. */
    void sendAll() {
        sendUpTo(events.size());
    }

    /**
     * Sends events until {@code window} are ahead of what consumer group {@code applicationId} has committed on the
     * input topic; returns that committed count (= events learned for good, the input having no transaction markers).
     */
    long topUp(String applicationId) {
        long committed = committed(applicationId);
        sendUpTo((int) Math.min(events.size(), committed + window));
        return committed;
    }

    /** Events consumer group {@code applicationId} has committed on the input topics: the sum of their offsets. */
    long committed(String applicationId) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream()
                    .filter(entry -> topics.contains(entry.getKey().topic()) && entry.getValue() != null)
                    .mapToLong(entry -> entry.getValue().offset()).sum();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of group " + applicationId, e);
        }
    }

    /** Events sent so far. */
    int sent() {
        return sent;
    }

    /** Whether every event was sent. */
    boolean done() {
        return sent == events.size();
    }

    private void sendUpTo(int target) {
        if (sent >= target) {
            return;
        }
        while (sent < target) {
            Routed routed = events.get(sent++);
            TrainingEvents.Event event = routed.event();
            producer.send(new ProducerRecord<>(routed.topic(), null, event.timestamp(), event.key(), event.value()),
                    (metadata, exception) -> {
                        if (exception != null) {
                            failure.compareAndSet(null, exception);
                        }
                    });
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("an event was not sent", failure.get());
        }
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
    }
}
