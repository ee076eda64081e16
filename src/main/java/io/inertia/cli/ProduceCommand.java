package io.inertia.cli;

import io.inertia.avro.LabeledEvent;
import io.inertia.config.InertiaConfig;
import io.inertia.io.EventFile;
import io.inertia.runtime.KafkaSetup;
import io.inertia.serde.InertiaSerdes;
import io.inertia.serde.SingleObjectAvroSerde;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code inertia produce}: send a file of labeled events to the input topic. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send a CSV (header row) or JSON Lines file as Avro LabeledEvents keyed by model key, with an "
                + "idempotent producer. The whole file is checked first, so a bad row sends nothing.")
final class ProduceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions client;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "CSV with a header row, or .jsonl (required).")
    Path input;

    @Option(names = "--label", required = true, paramLabel = "COLUMN", description = "Column holding the label (required).")
    String label;

    @ArgGroup(exclusive = true)
    ReplayCommand.KeyChoice key = new ReplayCommand.KeyChoice();

    @Option(names = "--dense",
            description = "CSV: the feature columns, in header order, make each event's dense vector (default: named "
                    + "features called by their header).")
    boolean dense;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "0",
            description = "At most N events per second; 0 (default) sends as fast as possible.")
    double rate;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic to send to (default inertia.topic.input).")
    String topic;

    @Override
    public Integer call() throws InterruptedException {
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rate must be >= 0, got " + rate);
        }
        InertiaConfig config = client.config();
        // Labels by class name, with the class names of the learner's settings (--config, -p).
        EventFile.Layout layout = key.layout(label, dense).withClassNames(config.classNames());
        long rows = countValidRows(layout);
        String target = topic == null ? config.inputTopic() : topic;
        try {
            KafkaSetup.ensureTopics(config);
        } catch (KafkaSetup.ClusterUnavailableException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
        Properties properties = KafkaSetup.clientProperties(config);
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
        properties.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.startupTimeoutMs()));
        SingleObjectAvroSerde<LabeledEvent> serde = InertiaSerdes.labeledEvent();
        long sent = 0;
        long start = System.nanoTime();
        // Every send is checked, not only the last: a batch can fail while later ones succeed, so every event is
        // handed over and the count of those not delivered reported (stopping at the first failure made that count
        // depend on when the broker answered).
        LongAdder undelivered = new LongAdder();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new ByteArraySerializer());
                EventFile file = EventFile.open(input, layout)) {
            while (file.hasNext()) {
                LabeledEvent event = file.next().event();
                if (rate > 0) {
                    // Pace against the schedule, not the previous send, so the average rate holds.
                    long due = start + (long) (sent * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                producer.send(new ProducerRecord<>(target, event.getModelKey(), serde.serialize(target, event)),
                        (metadata, exception) -> {
                            if (exception != null) {
                                undelivered.increment();
                                firstFailure.compareAndSet(null, exception);
                            }
                        });
                sent++;
            }
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            firstFailure.compareAndSet(null, e);
        }
        Exception failure = firstFailure.get();
        if (failure != null) {
            KafkaSetup.ClusterUnavailableException security = KafkaSetup.securityFailure(config, failure);
            if (security != null) {
                throw new CommandFailedException(security.getMessage(), security);
            }
            if (undelivered.sum() == 0) { // refused before any event was handed over (e.g. no metadata in time)
                throw new CommandFailedException("sending to '" + target + "' failed after " + sent + " events: "
                        + failure.getMessage(), failure);
            }
            throw new CommandFailedException(undelivered.sum() + " of " + sent + " events sent to '" + target
                    + "' were not delivered: " + failure.getMessage(), failure);
        }
        spec.commandLine().getOut().printf("sent %d events (%d rows) from %s to topic '%s'%n", sent, rows, input,
                target);
        return 0;
    }

    private long countValidRows(EventFile.Layout layout) {
        long rows = 0;
        try (EventFile file = EventFile.open(input, layout)) {
            while (file.hasNext()) {
                file.next();
                rows++;
            }
        }
        return rows;
    }
}
