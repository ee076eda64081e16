package io.inertia.soak;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends {@link SoakEvents} to the input topic at a steady rate on a thread of its own while resumed; {@link #pause()}
 * returns once every event sent so far is acknowledged. The producer is idempotent with {@code acks=all}, one request
 * in flight and a delivery timeout long enough to ride out a broker restart; every send is checked.
 */
final class InputFeeder implements AutoCloseable {

    /** Sends are spread over ticks of this length. */
    private static final long TICK_MS = 20;

    private final String topic;
    private final SoakEvents events;
    private final int rate;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong sent = new AtomicLong();
    private boolean resumed;
    private boolean sending;
    private boolean closed;

    InputFeeder(String bootstrapServers, String topic, SoakEvents events, int eventsPerSecond) {
        this.topic = topic;
        this.events = events;
        this.rate = eventsPerSecond;
        Properties properties = new Properties();
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        // A broker restart on a loaded machine takes up to a minute or two: the events wait for it, none is dropped.
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300000");
        // One request at a time: with several in flight, a batch the broker appended just before it stopped (its
        // answer lost) is sent again after later batches were acknowledged, and the restarted broker refuses it as
        // out of order until the delivery timeout, although it is in the log. Alone in flight, its retry is
        // recognised as a duplicate.
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        producer = new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        thread = new Thread(this::loop, "soak-input");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts (or continues) sending. */
    synchronized void resume() {
        check();
        resumed = true;
        notifyAll();
    }

    /** Stops sending and waits until every event sent is acknowledged. */
    void pause() {
        synchronized (this) {
            resumed = false;
            while (sending) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SoakFailure("interrupted");
                }
            }
        }
        producer.flush();
        check();
    }

    /** Events sent so far (good and bad). */
    long sent() {
        return sent.get();
    }

    private void check() {
        if (failure.get() != null) {
            throw new SoakFailure("an input event was not delivered: " + failure.get());
        }
    }

    private void loop() {
        long next = System.nanoTime();
        double owed = 0;
        while (true) {
            synchronized (this) {
                sending = false;
                notifyAll();
                while (!resumed && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                    next = System.nanoTime();
                }
                if (closed) {
                    return;
                }
                sending = true;
            }
            owed += rate * TICK_MS / 1000.0;
            for (; owed >= 1; owed--) {
                SoakEvents.Outgoing event = events.next();
                producer.send(new ProducerRecord<>(topic, event.partition(), event.timestamp(), event.key(),
                        event.value()), (metadata, exception) -> {
                            if (exception != null) {
                                failure.compareAndSet(null, exception);
                            }
                        });
                sent.incrementAndGet();
            }
            next += TICK_MS * 1_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
